"""Dosage.timing -> administrations per day, and the days a counted course lasts.

`timing.repeat` and `timing.code` (BID, TID, ...) are read together: EHRs often send the code
for the frequency and `repeat` only for the bounds. A `repeat.when` / `timeOfDay` list without a
frequency means one administration at each listed moment of the day.
"""

from __future__ import annotations

import json
import math
from functools import cache

from fhir_mappings.units import days
from fhir_mappings.valuesets import DATA_DIR, codings

_FREQUENCY_KEYS = ("frequency", "period", "periodUnit")


@cache
def _timing_codes() -> dict[str, dict]:
    return json.loads((DATA_DIR / "timing-codes.json").read_text())["codes"]


def repeat_of(dosage: dict) -> dict | None:
    """timing.repeat completed with the frequency of timing.code; None when neither says anything."""
    timing = dosage.get("timing") if isinstance(dosage.get("timing"), dict) else {}
    repeat = timing.get("repeat") if isinstance(timing.get("repeat"), dict) else {}
    code = next((c.get("code") for c in codings(timing.get("code")) if isinstance(c.get("code"), str)), None)
    coded = _timing_codes().get(code) if code else None
    if coded and not any(k in repeat for k in _FREQUENCY_KEYS):
        return {**repeat, **coded}
    return repeat or None


def _moments(repeat: dict) -> int:
    """How many moments of the day `when` / `timeOfDay` list (0 when neither is a list)."""
    listed = [repeat.get(k) for k in ("when", "timeOfDay") if isinstance(repeat.get(k), list)]
    return max((len(v) for v in listed), default=0)


def per_day(repeat: dict) -> float | None:
    """Administrations per day: 'twice daily' = 2, 'every 2 days' = 0.5, 'weekly' = 1/7, MORN+EVE = 2."""
    period, unit, frequency = repeat.get("period"), repeat.get("periodUnit"), repeat.get("frequency")
    if frequency is None:
        frequency = _moments(repeat) or None
    try:
        period_days = days(float(period or 1), str(unit or "d"))
        rate = float(frequency or 1) / period_days if period_days else None
    except (TypeError, ValueError, OverflowError):
        return None
    return rate if rate is not None and math.isfinite(rate) and rate > 0 else None


def counted_days(dosages: tuple[dict, ...]) -> int | None:
    """Days a course bounded by `repeat.count` lasts (1 for a single dose); None unless every dosage is counted."""
    longest = None
    for dosage in dosages:
        repeat = repeat_of(dosage) or {}
        count = repeat.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            return None
        rate = per_day(repeat) or 1.0
        try:
            span = count / rate
        except OverflowError:  # a count beyond any float
            return None
        if not math.isfinite(span):
            return None
        spanned = max(1, math.ceil(span))
        longest = spanned if longest is None else max(longest, spanned)
    return longest

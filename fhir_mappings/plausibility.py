"""Plausibility of the numbers and dates a record gives: out of range is a DataGap, never a fact.

A T-score of -1e308, a dose of -7.5 mg/day or a birth date of 0001-01-01 are data errors; read as
facts they start drugs or look reassuring. The ranges, with the reasoning behind each, are data
(`data/plausibility.json`); a value outside them (or not finite) is reported as an
`implausible-value` gap naming the decision it concerns, and the caller drops the value.
"""

from __future__ import annotations

import json
import math
from datetime import date
from functools import cache

from fhir_mappings.collector import Collector
from fhir_mappings.facts import Decision
from fhir_mappings.valuesets import DATA_DIR

Bounds = tuple[float, float]


@cache
def _ranges() -> dict[str, dict[str, Bounds]]:
    data = json.loads((DATA_DIR / "plausibility.json").read_text())["ranges"]
    return {kind: {unit: (lo, hi) for unit, (lo, hi) in entry["units"].items()} for kind, entry in data.items()}


def bounds(kind: str, unit: str) -> Bounds | None:
    """The plausible range of a kind of value in a unit, None when the data gives none."""
    return _ranges().get(kind, {}).get(unit)


def implausible(value: float, kind: str, unit: str) -> str | None:
    """Why `value` (in `unit`) cannot be a `kind`, or None when it can."""
    limits = bounds(kind, unit)
    if math.isfinite(value) and (limits is None or limits[0] <= value <= limits[1]):
        return None
    allowed = f" (plausible {limits[0]:g} to {limits[1]:g})" if limits else ""
    return f"{kind} {value:g} {unit}{allowed}"


def plausible(
    value: float, kind: str, unit: str, ctx: Collector, reference: str | None, decision: Decision | None = None
) -> bool:
    """True when `value` (in `unit`) can be a `kind`; otherwise an `implausible-value` gap says why."""
    why = implausible(value, kind, unit)
    if why is not None:
        ctx.gap("implausible-value", why, reference, decision)
    return why is None


def earliest_date(today: date, birth: date | None) -> date:
    """The earliest date a clinical record of this patient can carry: the birth date, else the oldest age ago."""
    if birth is not None:
        return birth
    oldest = int(_ranges()["age"]["a"][1])
    return date(max(today.year - oldest, date.min.year), 1, 1)


def plausible_date(day: date, ctx: Collector, reference: str, decision: Decision | None = None) -> bool:
    """True when a record's date is not before the patient could have records (`ctx.earliest`)."""
    if day >= ctx.earliest:
        return True
    ctx.gap("implausible-value", f"date {day.isoformat()} before {ctx.earliest.isoformat()}", reference, decision)
    return False

"""Taper steps: which step of a multi-step dosage is in effect on a given day.

Dosages sharing a `sequence` (or, without one, the same `boundsPeriod`) are one step. A step is
dated by its `boundsPeriod`, or by its `boundsDuration` counted on from the record's start in
sequence order. The dose of a taper is the step in effect on the day asked for: before the
first step (a taper that starts later), the first; after the last (a finished taper), the last.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from fhir_mappings.dates import shift
from fhir_mappings.provenance import period_end, period_start
from fhir_mappings.timing import repeat_of
from fhir_mappings.units import days

StepKey = tuple[object, ...]


def step_key(dosage: dict) -> StepKey:
    """Which taper step a dosage belongs to: its sequence, else its bounds period, else the one step."""
    if "sequence" in dosage:
        return ("sequence", str(dosage.get("sequence")))
    bounds = (repeat_of(dosage) or {}).get("boundsPeriod")
    if isinstance(bounds, dict):
        return ("period", str(bounds.get("start")), str(bounds.get("end")))
    return ("sequence", "0")


def _order(dosage: dict) -> tuple[float, str]:
    sequence = dosage.get("sequence")
    number = float(sequence) if isinstance(sequence, (int, float)) and not isinstance(sequence, bool) else 0.0
    return number, str(sequence)


def _duration(repeat: dict) -> float | None:
    value = repeat.get("boundsDuration")
    if not isinstance(value, dict) or not isinstance(value.get("value"), (int, float)):
        return None
    return days(float(value["value"]), str(value.get("code") or value.get("unit") or "d"))


def step_dates(dosages: Iterable[dict], start: date | None) -> dict[StepKey, tuple[date, date | None]] | None:
    """(first day, last day or None) of every step, or None when a step cannot be dated."""
    dated: dict[StepKey, tuple[date, date | None]] = {}
    cursor = start
    for dosage in sorted(dosages, key=_order):
        key = step_key(dosage)
        if key in dated:
            continue
        repeat = repeat_of(dosage) or {}
        bounds = repeat.get("boundsPeriod")
        first, last = period_start(bounds), period_end(bounds)
        length = _duration(repeat)
        if first is None and cursor is not None and length is not None:
            first, last = cursor, shift(cursor, length - 1)
        if first is None:
            return None
        dated[key] = (first, last)
        cursor = shift(last, 1) if last is not None else None
    return dated


def in_effect(dates: dict[StepKey, tuple[date, date | None]], on: date) -> StepKey:
    """The step in effect on `on`: the latest-starting step covering it, else the first (not begun) or the last."""
    ordered = sorted(dates, key=lambda k: dates[k][0])
    covering = [k for k in ordered if dates[k][0] <= on and (dates[k][1] is None or on <= dates[k][1])]
    if covering:
        return covering[-1]
    return ordered[0] if on < dates[ordered[0]][0] else ordered[-1]

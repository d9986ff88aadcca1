"""Observations -> DXA measurements and dated measurements (weight, height, BMI, FRAX, falls, labs).

A record can hold years of repeated labs and vitals, while the pathways need the latest value of
each (or the tallest height, or the falls of the last year). Matched Observations are therefore
bucketed by concept and read lazily: only a candidate that could become a fact is validated
(on the elements it is read from) and converted. DXA measurements are all facts and decide
treatment, so every DXA Observation is read and validated (on every element the mapping reads).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from itertools import groupby

from fhir_mappings.collector import Collector
from fhir_mappings.dxa_reading import DXA_KINDS, measurement
from fhir_mappings.facts import DxaMeasurement, Measured
from fhir_mappings.patient import Demographics
from fhir_mappings.plausibility import implausible, plausible_date
from fhir_mappings.provenance import parse_date, provenance, quantity_text, quantity_unit, ref
from fhir_mappings.records import Gate
from fhir_mappings.reference_range import interpretation_flag, reference_range
from fhir_mappings.units import convert
from fhir_mappings.valuesets import VsCode, decision_of

# What a repeated lab or vital sign is validated on: the elements a `Measured` is read from (an unreadable
# date is a gap of its own; referenceRange and interpretation are read defensively, reference_range.py).
_MEASURED_ELEMENTS = ("code", "subject", "effectivePeriod", "valueQuantity", "bodySite")


def _raw_date(resource: dict) -> str:
    """The clinical date-time as written (ISO strings order correctly at day precision)."""
    period = resource.get("effectivePeriod")
    raw = (
        resource.get("effectiveDateTime")
        or (period.get("start") if isinstance(period, dict) else None)
        or resource.get("effectiveInstant")
        or resource.get("issued")
    )
    return raw if isinstance(raw, str) else ""


def _instant(raw: str) -> float:
    """Seconds since the epoch of a dateTime (a date-only or partial value: its day's start, UTC assumed)."""
    try:
        moment = datetime.fromisoformat(raw)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
    except (ValueError, OverflowError):  # unreadable, or a time zone pushing year 1 or 9999 off the calendar
        return 0.0


def _numeric(resource: dict) -> tuple[float, str, str | None] | None:
    """(value, unit, as recorded) from valueQuantity or valueInteger."""
    quantity = resource.get("valueQuantity")
    if isinstance(quantity, dict) and isinstance(quantity.get("value"), (int, float)):
        return float(quantity["value"]), quantity_unit(quantity), quantity_text(quantity)
    value = resource.get("valueInteger")
    if isinstance(value, int):
        return float(value), "", str(value)
    return None


def _target_unit(code: VsCode) -> str:
    """The unit the value set says the concept is kept in ("" = as recorded)."""
    return code.get("unit") or ""


@dataclass(frozen=True)
class Candidate:
    raw: str  # the clinical dateTime as written
    resource: dict
    code: VsCode

    @property
    def day(self) -> str:
        return self.raw[:10]

    @cached_property
    def order(self) -> tuple[str, float, str]:
        """Date, then the full time of day (two results of one day), then id only for a true tie (parsed once:
        every latest/largest/first sorts by it)."""
        return (self.day, _instant(self.raw), str(self.resource.get("id")))


def _newest_first(candidates: Iterable[Candidate]) -> Iterator[Candidate]:
    """In descending `Candidate.order`, lazily: by day first, the time of day parsed only to order two results
    of one day (years of labs are sorted without parsing one timestamp)."""
    for _, same_day in groupby(sorted(candidates, key=lambda c: c.day, reverse=True), key=lambda c: c.day):
        group = list(same_day)
        yield from sorted(group, key=lambda c: c.order, reverse=True) if len(group) > 1 else group


class Observations:
    """The patient's matched Observations, by concept, read on demand."""

    def __init__(
        self, matched: Iterable[tuple[dict, tuple[VsCode, ...]]], gate: Gate, ctx: Collector, person: Demographics | None = None
    ) -> None:
        self.gate, self.ctx, self.person = gate, ctx, person  # person: which reference ranges apply
        self.buckets: dict[str, list[Candidate]] = {}
        self._dxa: list[Candidate] = []
        today = ctx.today.isoformat()
        for resource, codes in matched:
            raw = _raw_date(resource)
            if raw[:10] > today:
                if parse_date(raw) is None:  # "unknown" sorts after any date: unreadable, not future
                    ctx.gap("invalid-resource", f"unreadable date {raw[:40]!r}", ref(resource))
                continue  # recorded after the evaluation date: not known then
            day = raw
            for code in codes:
                if code.valueset in DXA_KINDS:
                    self._dxa.append(Candidate(day, resource, code))
                elif code.get("concept"):
                    self.buckets.setdefault(code.get("concept"), []).append(Candidate(day, resource, code))
        self._read: dict[tuple[int, str], Measured | None] = {}
        self._implausible: set[str] = set()  # concepts whose impossible value has been named

    def _reading(self, c: Candidate, elements: tuple[str, ...] | None) -> tuple[date, float, str, str | None] | None:
        decision = decision_of((c.code,))
        if not self.gate.admits(c.resource, elements, decision):
            return None
        self.ctx.flag_unverified((c.code,), ref(c.resource))
        when, reading = parse_date(c.day), _numeric(c.resource)
        if when is None or reading is None:
            self.ctx.gap("no-date" if when is None else "no-value", c.code.display, ref(c.resource), decision)
            return None
        if not plausible_date(when, self.ctx, ref(c.resource), decision):
            return None
        quantity = c.resource.get("valueQuantity")
        comparator = quantity.get("comparator") if isinstance(quantity, dict) else None
        if comparator:  # "<10 ng/mL": the bound is the value used; provenance keeps what was written
            self.ctx.assume("value-at-comparator-bound", recorded=reading[2], reference=ref(c.resource))
        return (when, *reading)

    def read(self, c: Candidate) -> Measured | None:
        """The candidate as a fact in the value set's unit (None if unusable; a DataGap says why)."""
        key = (id(c.resource), c.code.valueset)
        if key not in self._read:
            self._read[key] = self._measure(c)
        return self._read[key]

    def _measure(self, c: Candidate) -> Measured | None:
        reading = self._reading(c, _MEASURED_ELEMENTS)
        if reading is None:
            return None
        when, value, unit, recorded = reading
        if not unit and c.code.get("unit_if_absent"):
            unit = c.code.get("unit_if_absent")
            self.ctx.assume("unit-from-code", unit=unit, reference=ref(c.resource))
        target = _target_unit(c.code)
        if unit in (c.code.get("same_units") or ()):
            unit = target
        if unit and target and unit != target:
            converted = convert(value, unit, target, c.code.get("concept"))
            if converted is None:
                self.ctx.gap("unknown-unit", f"{c.code.get('concept')}: unit {unit!r}, expected {target!r}", ref(c.resource))
                return None
            value = converted
        concept = c.code.get("concept")
        why = implausible(value, concept, target or unit)
        if why is not None:  # named once per concept (the latest), not once per result of a lab's unit slip
            if concept not in self._implausible:
                self._implausible.add(concept)
                self.ctx.gap("implausible-value", why, ref(c.resource), decision_of((c.code,)))
            return None
        low, high = reference_range(c.resource, unit, target or unit, concept, when, self.person)
        source = provenance(c.resource, when, recorded)
        return Measured(value, target or unit, when, source, low, high, interpretation_flag(c.resource))

    def first(self, concept: str, order: Callable[[Candidate], object]) -> Measured | None:
        """The first readable candidate in descending `order`."""
        return self._first_readable(sorted(self.buckets.get(concept, ()), key=order, reverse=True))

    def latest(self, concept: str) -> Measured | None:
        return self._first_readable(_newest_first(self.buckets.get(concept, ())))

    def _first_readable(self, candidates: Iterable[Candidate]) -> Measured | None:
        return next((fact for c in candidates if (fact := self.read(c)) is not None), None)

    def largest(self, concept: str) -> Measured | None:
        """The highest value (e.g. the tallest height), judged on the raw value in the target unit."""
        def raw(c: Candidate) -> tuple[float, tuple[str, str]]:
            reading = _numeric(c.resource)
            if reading is None:
                return (float("-inf"), c.order)
            value, unit, _ = reading
            target = _target_unit(c.code)
            converted = convert(value, unit, target) if unit and target and unit != target else value
            return (converted if converted is not None else float("-inf"), c.order)

        return self.first(concept, raw)

    def since(self, concept: str, start: date) -> list[Measured]:
        """Every readable value dated from `start` to today."""
        first_day = start.isoformat()
        facts = (self.read(c) for c in self.buckets.get(concept, ()) if c.day >= first_day)
        return [f for f in facts if f is not None]

    def dxa(self) -> list[DxaMeasurement]:
        facts = (self._dxa_measurement(c) for c in sorted(self._dxa, key=lambda c: c.order))
        return [f for f in facts if f is not None]

    def _dxa_measurement(self, c: Candidate) -> DxaMeasurement | None:
        reading = self._reading(c, None)  # DXA results decide treatment: every element read is validated
        return measurement(c.resource, c.code, reading, self.ctx) if reading is not None else None

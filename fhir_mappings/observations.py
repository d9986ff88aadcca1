"""Observations -> DXA measurements and dated measurements (weight, height, BMI, FRAX, falls, labs).

A record can hold years of repeated labs and vitals, while the pathways need the latest value of
each (or the tallest height, or the falls of the last year). Matched Observations are therefore
bucketed by concept and read lazily: only a candidate that could become a fact is validated
(on the elements it is read from) and converted. DXA measurements are all facts and decide
treatment, so every DXA Observation is read and validated whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from fhir_mappings.collector import Collector
from fhir_mappings.facts import GUIDELINE_T_SITES, DxaKind, DxaMeasurement, DxaSite, Measured
from fhir_mappings.provenance import parse_date, provenance, quantity_text, quantity_unit, ref
from fhir_mappings.records import Gate
from fhir_mappings.units import convert
from fhir_mappings.valuesets import VsCode, codings, match_concept, valuesets

_DXA_KINDS = {"dxa-t-score": DxaKind.T_SCORE, "dxa-z-score": DxaKind.Z_SCORE, "dxa-bmd": DxaKind.BMD}
_BMD_UNIT = "g/cm2"
# What a repeated lab or vital sign is validated on: the elements a `Measured` is read from.
_MEASURED_ELEMENTS = {
    "code": "CodeableConcept", "subject": "Reference", "effectivePeriod": "Period",
    "valueQuantity": "Quantity", "bodySite": "CodeableConcept",
}


def _raw_date(resource: dict) -> str:
    """The clinical date as written (ISO strings order correctly at day precision)."""
    period = resource.get("effectivePeriod")
    raw = (
        resource.get("effectiveDateTime")
        or (period.get("start") if isinstance(period, dict) else None)
        or resource.get("effectiveInstant")
        or resource.get("issued")
    )
    return raw[:10] if isinstance(raw, str) else ""


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
    day: str  # raw ISO date, for ordering
    resource: dict
    code: VsCode

    @property
    def order(self) -> tuple[str, str]:
        return (self.day, str(self.resource.get("id")))


def _says_femoral_neck(body_site: object) -> bool:
    if match_concept([body_site], "dxa-body-sites"):
        return True
    patterns = valuesets()["dxa-body-sites"].extra["text_patterns"]
    texts = [body_site.get("text")] if isinstance(body_site, dict) else []
    texts += [c.get("display") for c in codings(body_site)]
    return any(isinstance(t, str) and p in t.lower() for t in texts for p in patterns)


class Observations:
    """The patient's matched Observations, by concept, read on demand."""

    def __init__(self, matched: Iterable[tuple[dict, tuple[VsCode, ...]]], gate: Gate, ctx: Collector) -> None:
        self.gate, self.ctx = gate, ctx
        self.buckets: dict[str, list[Candidate]] = {}
        self._dxa: list[Candidate] = []
        today = ctx.today.isoformat()
        for resource, codes in matched:
            day = _raw_date(resource)
            if day > today:
                continue  # recorded after the evaluation date: not known then
            for code in codes:
                if code.valueset in _DXA_KINDS:
                    self._dxa.append(Candidate(day, resource, code))
                elif code.get("concept"):
                    self.buckets.setdefault(code.get("concept"), []).append(Candidate(day, resource, code))
        self._read: dict[tuple[int, str], Measured | None] = {}

    def _reading(self, c: Candidate, elements: dict[str, str] | None) -> tuple[date, float, str, str | None] | None:
        if not self.gate.admits(c.resource, elements):
            return None
        self.ctx.flag_unverified((c.code,), ref(c.resource))
        when, reading = parse_date(c.day), _numeric(c.resource)
        if when is None or reading is None:
            self.ctx.gap("no-date" if when is None else "no-value", c.code.display, ref(c.resource))
            return None
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
        target = _target_unit(c.code)
        if unit and target and unit != target:
            converted = convert(value, unit, target, c.code.get("concept"))
            if converted is None:
                self.ctx.gap("unknown-unit", f"{c.code.get('concept')}: unit {unit!r}, expected {target!r}", ref(c.resource))
                return None
            value = converted
        return Measured(value, target or unit, when, provenance(c.resource, when, recorded))

    def first(self, concept: str, order: Callable[[Candidate], object]) -> Measured | None:
        """The first readable candidate in descending `order`."""
        for c in sorted(self.buckets.get(concept, ()), key=order, reverse=True):
            fact = self.read(c)
            if fact is not None:
                return fact
        return None

    def latest(self, concept: str) -> Measured | None:
        return self.first(concept, lambda c: c.order)

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
        reading = self._reading(c, None)  # DXA results decide treatment: the whole resource is validated
        if reading is None:
            return None
        when, value, unit, recorded = reading
        kind, site = _DXA_KINDS[c.code.valueset], DxaSite(c.code.get("site"))
        if site is DxaSite.FEMUR and _says_femoral_neck(c.resource.get("bodySite")):
            site = DxaSite.FEMORAL_NECK
        elif site is DxaSite.FEMUR:
            self.ctx.assume("femur-site-taken-as-hip", reference=ref(c.resource))
        if kind is DxaKind.T_SCORE and site not in GUIDELINE_T_SITES:
            self.ctx.gap("non-guideline-dxa-site", f"{site} T-score {value:.1f} is not used by the guidelines", ref(c.resource))
        if kind is DxaKind.BMD and unit:
            converted = convert(value, unit, _BMD_UNIT)
            if converted is None:
                self.ctx.gap("unknown-unit", f"BMD unit {unit!r}", ref(c.resource))
                return None
            value = converted
        return DxaMeasurement(site, kind, value, when, provenance(c.resource, when, recorded), c.code.get("laterality"))

"""Medication records -> `MedUse`: which value-set drug it is, when it was taken, and its dosage.

The drug code may sit in `medicationCodeableConcept`, a contained Medication (`#id`) or a
Medication resource elsewhere in the prefetch. Uncoded or unknown drugs are never guessed from
text; a text that names an agent the guidelines care about is reported as a data gap naming the
decision it concerns (`unrecognised`). Dates are shifted with `dates.shift`, so an open end written
as 9999-12-31 or a supply of 1e308 days saturates instead of raising.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import Any

from fhir_mappings.dates import shift
from fhir_mappings.facts import Decision
from fhir_mappings.provenance import parse_date, period_end, period_start, ref, reference_id
from fhir_mappings.timing import counted_days
from fhir_mappings.units import days
from fhir_mappings.valuesets import DATA_DIR, VsCode, codings, match_concept, valuesets

MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement", "MedicationAdministration", "MedicationDispense")
_ONGOING = {
    "MedicationRequest": {"active", "on-hold", "unknown", "draft"},
    "MedicationStatement": {"active", "on-hold", "unknown"},
}


@dataclass(frozen=True)
class MedUse:
    """One medication record, read: its codes, dates and dosage instructions."""

    resource: dict
    codes: tuple[VsCode, ...]
    medication: dict | None  # the resolved Medication resource, for ingredient strength
    start: date | None
    end: date | None  # None = ongoing (active order/statement without an end)
    planned_days: int | None
    dosages: tuple[dict, ...]
    administered: date | None = None  # MedicationAdministration / MedicationDispense date

    @property
    def reference(self) -> str:
        return ref(self.resource)

    @property
    def draft(self) -> bool:
        """A not-yet-signed order (order-select/order-sign): read for its plan, never as therapy taken."""
        return self.resource["resourceType"] == "MedicationRequest" and self.resource.get("status") == "draft"

    @property
    def display(self) -> str:
        concept = self.concept
        text = concept.get("text") if isinstance(concept, dict) else None
        return text or next((c.get("display") for c in codings(concept) if c.get("display")), self.codes[0].display)

    @property
    def concept(self) -> Any:
        return (self.medication or {}).get("code") or self.resource.get("medicationCodeableConcept")


@cache
def _medication_valuesets() -> frozenset[str]:
    return frozenset(n for n, vs in valuesets().items() if "MedicationRequest" in vs.resource_types)


@cache
def _name_stems() -> tuple[tuple[str, Decision], ...]:
    data = json.loads((DATA_DIR / "medication-names.json").read_text())["stems"]
    return tuple((stem, Decision(decision)) for decision, stems in data.items() for stem in stems)


def resolve_medication(resource: dict, medications: dict[str, dict]) -> tuple[Any, dict | None]:
    """(CodeableConcept, Medication resource or None) for a medication record."""
    if "medicationCodeableConcept" in resource:
        return resource["medicationCodeableConcept"], None
    reference = resource.get("medicationReference")
    target = reference.get("reference") if isinstance(reference, dict) else None
    if isinstance(target, str) and target.startswith("#"):
        contained = resource.get("contained") if isinstance(resource.get("contained"), list) else []
        medication = next((c for c in contained if isinstance(c, dict) and c.get("id") == target[1:]), None)
    else:
        medication = medications.get(reference_id(reference) or "")
    return (medication or {}).get("code"), medication


def match_medication(resource: dict, medications: dict[str, dict]) -> tuple[tuple[VsCode, ...], dict | None]:
    """The medication value-set codes of a record (empty when it is not a drug the guidelines name)."""
    concept, medication = resolve_medication(resource, medications)
    coding = concept.get("coding") if isinstance(concept, dict) else None
    if isinstance(coding, list) and len(coding) == 1 and isinstance(coding[0], dict):  # most records: one coding
        system, code = coding[0].get("system"), coding[0].get("code")
        if isinstance(system, str) and isinstance(code, str):
            return _drug_codes(system, code), medication
    wanted = _medication_valuesets()
    return tuple(c for c in match_concept([concept]) if c.valueset in wanted), medication


@lru_cache(maxsize=4096)
def _drug_codes(system: str, code: str) -> tuple[VsCode, ...]:
    """`match_medication` of a single coding, memoised: years of renewals repeat a handful of drugs."""
    wanted = _medication_valuesets()
    return tuple(c for c in match_concept([{"coding": [{"system": system, "code": code}]}]) if c.valueset in wanted)


def unrecognised(resource: dict, medications: dict[str, dict]) -> tuple[str, Decision] | None:
    """(the record's drug text, the decision it concerns) when an uncoded record names an agent the guidelines use."""
    concept, _ = resolve_medication(resource, medications)
    text = _text_of(resource, concept)
    decision = _named_decision(text)
    return (text, decision) if decision is not None else None


@lru_cache(maxsize=4096)
def _named_decision(text: str) -> Decision | None:
    """The decision an agent named in the text concerns (memoised: a record renews the same drug for years)."""
    lowered = text.lower()
    return next((d for stem, d in _name_stems() if stem in lowered), None)


def _text_of(resource: dict, concept: Any) -> str:
    texts = [concept.get("text")] if isinstance(concept, dict) else []
    texts += [c.get("display") for c in codings(concept)]
    reference = resource.get("medicationReference")
    texts.append(reference.get("display") if isinstance(reference, dict) else None)
    return " ".join(t for t in texts if isinstance(t, str))


def _duration_days(duration: Any) -> float | None:
    """A Duration in days; None unless it is a finite, non-negative number of a time unit."""
    if not isinstance(duration, dict) or not isinstance(duration.get("value"), (int, float)):
        return None
    value = days(float(duration["value"]), str(duration.get("code") or duration.get("unit") or "d"))
    return value if value is not None and math.isfinite(value) and value >= 0 else None


def planned_days(resource: dict, dosages: tuple[dict, ...]) -> int | None:
    """Expected duration of an order: supply duration x (repeats + 1), else the dosage bounds."""
    dispense = resource.get("dispenseRequest") if isinstance(resource.get("dispenseRequest"), dict) else {}
    supply = _duration_days(dispense.get("expectedSupplyDuration"))
    if supply is not None:
        repeats = dispense.get("numberOfRepeatsAllowed")
        total = supply * ((repeats if isinstance(repeats, int) and repeats >= 0 else 0) + 1)
        return round(total) if math.isfinite(total) else None
    for dosage in dosages:
        repeat = ((dosage.get("timing") or {}).get("repeat") or {}) if isinstance(dosage, dict) else {}
        bounds = _duration_days(repeat.get("boundsDuration"))
        if bounds is not None:
            return round(bounds)
        start, end = period_start(repeat.get("boundsPeriod")), period_end(repeat.get("boundsPeriod"))
        if start and end:
            return (end - start).days
    return counted_days(dosages)


def _dosages(resource: dict) -> tuple[dict, ...]:
    kind = resource["resourceType"]
    if kind == "MedicationAdministration":
        dosage = resource.get("dosage")
        return (dosage,) if isinstance(dosage, dict) else ()
    raw = resource.get("dosage" if kind == "MedicationStatement" else "dosageInstruction")
    return tuple(d for d in raw if isinstance(d, dict)) if isinstance(raw, list) else ()


def _bounds(dosages: tuple[dict, ...], pick: Callable[[Any], date | None]) -> list[date]:
    """Start or end dates of the dosages' timing.repeat.boundsPeriod."""
    found = [pick(((d.get("timing") or {}).get("repeat") or {}).get("boundsPeriod")) for d in dosages]
    return [d for d in found if d is not None]


def read_use(resource: dict, codes: tuple[VsCode, ...], medication: dict | None, today: date) -> MedUse:
    """Dates and duration of one record, by resource type and status."""
    kind, status = resource["resourceType"], resource.get("status")
    dosages = _dosages(resource)
    planned = planned_days(resource, dosages) if kind == "MedicationRequest" else None
    administered = None
    if kind == "MedicationRequest":
        start = parse_date(resource.get("authoredOn")) or min(_bounds(dosages, period_start), default=None)
        if start is None and status == "draft":
            start = today  # a draft order being placed now
        explicit = max(_bounds(dosages, period_end), default=None) or period_end((resource.get("dispenseRequest") or {}).get("validityPeriod"))
    elif kind == "MedicationStatement":
        period = resource.get("effectivePeriod")
        start = period_start(period) or parse_date(resource.get("effectiveDateTime")) or parse_date(resource.get("dateAsserted"))
        explicit = period_end(period)
    else:
        start = administered = (
            parse_date(resource.get("effectiveDateTime"))
            or period_start(resource.get("effectivePeriod"))
            or parse_date(resource.get("whenHandedOver"))
            or parse_date(resource.get("whenPrepared"))
        )
        supply = _duration_days(resource.get("daysSupply")) if kind == "MedicationDispense" else None
        explicit = shift(start, supply) if start and supply else start
    counted = counted_days(dosages) if kind in ("MedicationRequest", "MedicationStatement") else None
    if explicit is None and counted is not None and start is not None:
        explicit = shift(start, counted - 1)  # repeat.count: a single dose is not an ongoing course
    if explicit is not None or status not in _ONGOING.get(kind, set()):
        end = explicit or (shift(start, planned) if start and planned else start)
    else:
        end = None
    return MedUse(resource, codes, medication, start, end, planned, dosages, administered)

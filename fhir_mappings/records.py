"""Which raw records may become facts: status rules (as data), patient scoping and FHIR validation.

Validation runs only on records that already matched a value set, and only on the elements the mapping
reads (`READ`: `conformance`); a record that fails it is skipped and becomes a DataGap.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import replace
from functools import cache
from typing import Any

from fhir_mappings.collector import Collector
from fhir_mappings.conformance import problem
from fhir_mappings.facts import DataGap, Decision
from fhir_mappings.provenance import ref, reference_id
from fhir_mappings.valuesets import DATA_DIR, codings


@cache
def _rules() -> dict[str, Any]:
    return json.loads((DATA_DIR / "status-rules.json").read_text())


def coded_status(concept: Any, element: str) -> str | None:
    """The code of the coding in the element's HL7 code system (else of a system-less coding).

    Records may carry a local coding first; reading the first coding would take its code.
    """
    systems = _rules()["status_systems"][element]
    found = [c for c in codings(concept) if isinstance(c.get("code"), str)]
    chosen = next((c for c in found if c.get("system") in systems), None)
    chosen = chosen or next((c for c in found if not c.get("system")), None)
    return chosen.get("code") if chosen else None


def status_of(resource: dict) -> str | None:
    """The record's status; for a Condition or AllergyIntolerance its verification status code."""
    if resource.get("resourceType") in ("Condition", "AllergyIntolerance"):
        return coded_status(resource.get("verificationStatus"), "verificationStatus")
    status = resource.get("status")
    return status if isinstance(status, str) else None


def skipped(resource: dict) -> bool:
    """True for records that never count (entered-in-error, refuted, cancelled, not-done, do-not-perform)."""
    if resource.get("doNotPerform") is True and _rules()["not_taken"]["do_not_perform"]:
        return True
    return status_of(resource) in _rules()["skip"].get(resource.get("resourceType"), ())


def unconfirmed(resource: dict) -> bool:
    """True for a Condition that is provisional, differential or unconfirmed: reported, never used."""
    return status_of(resource) in _rules()["unconfirmed"].get(resource.get("resourceType"), ())


def not_taken(resource: dict) -> bool:
    """True for a medication record that is only a proposal/plan, or a statement of intent."""
    rules, kind = _rules()["not_taken"], resource.get("resourceType")
    return resource.get("intent") in rules["intent"].get(kind, ()) or resource.get("status") in rules["status"].get(kind, ())


def not_final(resource: dict) -> bool:
    """True for a result that is not final yet (preliminary, registered): reported, never used."""
    return status_of(resource) in _rules()["not_final"].get(resource.get("resourceType"), ())


def clinically_inactive(resource: dict) -> bool:
    """A Condition (or AllergyIntolerance) that is resolved/inactive: still history (a past fracture), no longer a present risk factor."""
    if "clinicalStatus" not in resource and any(k.startswith("abatement") for k in resource):
        return True  # FHIR: an abatement means the condition is no longer active
    return coded_status(resource.get("clinicalStatus"), "clinicalStatus") in _rules()["inactive_clinical_status"]


_MEDICATION = ("medicationCodeableConcept", "medicationReference", "contained")
# The elements the mapping reads, per resource type: the gate (id, subject/patient, status, verification,
# intent, doNotPerform), codes, dates, values and dosages. `conformance.problem` validates these (and the
# type's required elements); the others' values are never read, so never a reason to drop a record.
READ: dict[str, tuple[str, ...]] = {
    "Observation": ("id", "status", "subject", "code", "effectiveDateTime", "effectivePeriod", "effectiveInstant",
                    "issued", "valueQuantity", "valueInteger", "bodySite"),
    "Condition": ("id", "subject", "code", "clinicalStatus", "verificationStatus", "onsetDateTime", "onsetPeriod",
                  "onsetAge", "onsetString", "onsetRange", "recordedDate", "bodySite", "severity", "abatementDateTime",
                  "abatementAge", "abatementPeriod", "abatementRange", "abatementString"),
    "Procedure": ("id", "status", "subject", "code", "performedDateTime", "performedPeriod"),
    "MedicationRequest": ("id", "status", "intent", "doNotPerform", "subject", *_MEDICATION, "authoredOn",
                          "dosageInstruction", "dispenseRequest"),
    "MedicationStatement": ("id", "status", "subject", *_MEDICATION, "effectiveDateTime", "effectivePeriod",
                            "dateAsserted", "dosage"),
    "MedicationAdministration": ("id", "status", "subject", *_MEDICATION, "effectiveDateTime", "effectivePeriod",
                                 "dosage"),
    "MedicationDispense": ("id", "status", "subject", *_MEDICATION, "whenHandedOver", "whenPrepared", "daysSupply",
                           "dosageInstruction"),
    "Medication": ("id", "status", "code", "ingredient"),
    "FamilyMemberHistory": ("id", "status", "patient", "relationship", "condition", "date"),
    "AllergyIntolerance": ("id", "patient", "code", "clinicalStatus", "verificationStatus", "recordedDate",
                           "onsetDateTime"),
}


def invalid(resource: dict, elements: Collection[str] | None = None) -> DataGap | None:
    """A DataGap when the elements read from the resource are not valid FHIR (R4B models), else None.

    `elements` narrows the check to fewer elements than its type's `READ` (repeated labs and vitals:
    the code, the date and the value).
    """
    try:
        message = problem(resource, READ.get(resource["resourceType"], ()) if elements is None else elements)
    except (KeyError, ValueError, TypeError) as exc:  # no or an unknown resourceType
        message = str(exc) or type(exc).__name__
    return DataGap("invalid-resource", message[:200], ref(resource)) if message else None


_SUBJECT_KEYS = ("subject", "patient")


def subject_id(resource: dict) -> str | None:
    """The patient id a record names (subject or patient), if any."""
    for key in _SUBJECT_KEYS:
        if key in resource:
            return reference_id(resource.get(key))
    return None


def subject_reference(resource: dict) -> str | None:
    """The subject/patient reference as written ("Patient/1", "urn:uuid:..."), if any."""
    for key in _SUBJECT_KEYS:
        if key in resource:
            value = resource.get(key)
            target = value.get("reference") if isinstance(value, dict) else None
            return target if isinstance(target, str) else None
    return None


class Gate:
    """Decides, once per record, whether it may become a fact for this patient.

    Drops other patients' records and skipped statuses silently, reports not-final results and
    invalid resources as DataGaps. Memoised by object identity, so a record read by several
    mappers is judged (and validated) once.
    """

    def __init__(
        self, patient_id: str | None, ctx: Collector, aliases: frozenset[str] = frozenset(), closed: bool = False
    ) -> None:
        self.patient_id = patient_id
        self.aliases = aliases  # other references meaning this patient: its Bundle fullUrl (urn:uuid:...)
        self.closed = closed  # no single patient could be told: nothing is admitted
        self.ctx = ctx
        self._judged: dict[tuple[int, bool], bool] = {}

    def admits(self, resource: dict, elements: Collection[str] | None = None, decision: Decision | None = None) -> bool:
        """True when the record may become a fact; `elements` limits validation (see `invalid`); a gap about
        the record names `decision`, the decision of consequence it concerns (from its value set)."""
        key = (id(resource), elements is None)
        if key not in self._judged:
            self._judged[key] = self._judge(resource, elements, decision)
        return self._judged[key]

    def _judge(self, resource: dict, elements: Collection[str] | None, decision: Decision | None) -> bool:
        if self.closed:
            return False
        if not isinstance(resource.get("resourceType"), str):  # e.g. a contained Medication without a type
            self.ctx.gap("invalid-resource", "resource without a resourceType", ref(resource), decision)
            return False
        subject = subject_id(resource)
        if self.patient_id is not None and subject is not None and subject != self.patient_id:
            if subject_reference(resource) not in self.aliases:
                return False
        if skipped(resource):
            return False
        if unconfirmed(resource):
            self.ctx.gap("not-final", f"verification status {status_of(resource)}", ref(resource), decision)
            return False
        if not_final(resource):
            self.ctx.gap("not-final", f"status {resource.get('status')}", ref(resource), decision)
            return False
        gap = invalid(resource, elements)
        if gap is not None:
            self.ctx.add(replace(gap, decision=decision))
            return False
        return True

    def filter(self, resources: list[dict]) -> list[dict]:
        """The admitted records, in a fixed order (type, id) whatever the input order."""
        ordered = sorted(resources, key=lambda r: (r["resourceType"], str(r.get("id"))))
        return [r for r in ordered if self.admits(r)]

"""Only what the mapping reads is validated: an invalid element it never reads leaves the record a fact; an invalid
element it reads, or an element name its type does not define, makes it an `invalid-resource` gap (issue 11)."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings import build_facts
from fhir_mappings.drafts import read_drafts
from fhir_mappings.facts import Agent, Decision, DxaKind, FractureSite

TODAY = date(2026, 11, 22)
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-06-15"}
SUBJECT = {"reference": "Patient/p1"}
LOINC, SCT, ATC = "http://loinc.org", "http://snomed.info/sct", "http://www.whocc.no/atc"
BAD_CONCEPT = [{"coding": "not a list"}]  # a CodeableConcept list whose coding is a string: invalid FHIR

ALENDRONATE = {
    "resourceType": "MedicationRequest", "id": "aln", "status": "active", "intent": "order", "subject": SUBJECT,
    "authoredOn": "2025-01-10", "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "M05BA04"}]},
    "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "wk"}},
                           "doseAndRate": [{"doseQuantity": {"value": 70, "unit": "mg"}}]}],
}
HIP_FRACTURE = {
    "resourceType": "Condition", "id": "hip", "subject": SUBJECT, "onsetDateTime": "2025-09-01",
    "code": {"coding": [{"system": SCT, "code": "359817006", "display": "Closed fracture of hip"}]},
}
T_SCORE = {
    "resourceType": "Observation", "id": "t", "status": "final", "subject": SUBJECT, "effectiveDateTime": "2026-06-01",
    "code": {"coding": [{"system": LOINC, "code": "38267-1"}]}, "valueQuantity": {"value": -2.8, "unit": "{T-score}"},
}
WEIGHT = {
    "resourceType": "Observation", "id": "w", "status": "final", "subject": SUBJECT, "effectiveDateTime": "2026-06-01",
    "code": {"coding": [{"system": LOINC, "code": "29463-7"}]}, "valueQuantity": {"value": 61, "unit": "kg"},
}


def _facts(record: dict):
    return build_facts([PATIENT, record], today=TODAY)


def _gaps(facts, reference: str) -> list:
    return [g for g in facts.gaps if g.code == "invalid-resource" and g.reference == reference]


def _therapy(facts) -> tuple:
    return tuple(e.agent for e in facts.therapies)


def _fracture(facts) -> tuple:
    return tuple((f.site, f.date) for f in facts.fractures)


def _t_score(facts) -> tuple:
    return tuple((m.kind, m.value) for e in facts.dxa for m in e.measurements)


def _weight(facts) -> float | None:
    return facts.weight.value if facts.weight else None


CASES = [  # (record, what the mapping makes of it, its valid reading, reference)
    (ALENDRONATE, _therapy, (Agent.ALENDRONIC_ACID,), "MedicationRequest/aln"),
    (HIP_FRACTURE, _fracture, ((FractureSite.HIP, date(2025, 9, 1)),), "Condition/hip"),
    (T_SCORE, _t_score, ((DxaKind.T_SCORE, -2.8),), "Observation/t"),
    (WEIGHT, _weight, 61.0, "Observation/w"),
]
UNREAD = {  # an element of each record the mapping never reads, made invalid FHIR
    "MedicationRequest/aln": {"note": [{"text": 5}], "reasonCode": BAD_CONCEPT, "requester": {"reference": ""}},
    "Condition/hip": {"category": BAD_CONCEPT, "note": [{"text": 5}], "evidence": "x"},
    "Observation/t": {"category": BAD_CONCEPT, "interpretation": BAD_CONCEPT, "note": [{"text": 5}]},
    "Observation/w": {"category": BAD_CONCEPT, "method": BAD_CONCEPT, "referenceRange": [{"text": 5}]},
}
READ = {  # an element the mapping reads, made invalid FHIR
    "MedicationRequest/aln": {"authoredOn": "last week", "subject": {"reference": 5},
                              "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": "seventy"}}]}]},
    "Condition/hip": {"onsetDateTime": "September", "code": {"coding": [{"system": SCT, "code": "359817006", "display": 5}]},
                      "bodySite": BAD_CONCEPT},
    "Observation/t": {"valueQuantity": {"value": "minus two"}, "bodySite": {"text": 5}, "status": 1},
    "Observation/w": {"valueQuantity": {"value": "61 kg"}, "effectivePeriod": {"start": "June"}},
}


def _cases(table: dict) -> list:
    return [pytest.param(record, read, expected, ref, element, value, id=f"{ref}.{element}")
            for record, read, expected, ref in CASES for element, value in table[ref].items()]


@pytest.mark.parametrize(("record", "read", "expected", "ref", "element", "value"), _cases(UNREAD))
def test_an_invalid_element_the_mapping_never_reads_leaves_the_fact(record, read, expected, ref, element, value):
    facts = _facts({**record, element: value})
    assert read(facts) == expected
    assert _gaps(facts, ref) == []


@pytest.mark.parametrize(("record", "read", "expected", "ref", "element", "value"), _cases(READ))
def test_an_invalid_element_the_mapping_reads_is_a_gap_never_a_fact(record, read, expected, ref, element, value):
    assert read(_facts(record)) == expected  # valid, it is a fact
    facts = _facts({**record, element: value})
    assert read(facts) in ((), None)
    assert len(_gaps(facts, ref)) == 1


@pytest.mark.parametrize(("record", "read", "expected", "ref"), CASES)
def test_an_element_name_the_type_does_not_define_is_a_gap(record, read, expected, ref):
    """A misspelt element (`onsetDatetime`) may be one the mapping would read: the record is not guessed at."""
    facts = _facts({**record, "onsetDatetime": "2025-09-01"})
    assert read(facts) in ((), None)
    assert len(_gaps(facts, ref)) == 1


def test_a_gap_about_a_read_element_still_names_its_decision():
    facts = _facts({**T_SCORE, "valueQuantity": {"value": "minus two"}})
    assert [g.decision for g in _gaps(facts, "Observation/t")] == [Decision.DXA]


def test_an_invalid_contained_medication_the_record_reads_is_a_gap():
    medication = {"resourceType": "Medication", "id": "m", "code": ALENDRONATE["medicationCodeableConcept"],
                  "ingredient": [{"itemCodeableConcept": {"text": "alendronic acid"}, "strength": "70 mg"}]}
    order = {**ALENDRONATE, "contained": [medication], "medicationReference": {"reference": "#m"}}
    del order["medicationCodeableConcept"]
    facts = _facts(order)
    assert facts.therapies == () and len(_gaps(facts, "MedicationRequest/aln")) == 1


def test_a_malformed_primitive_extension_fhir_resources_trips_over_is_a_gap_not_a_crash():
    facts = _facts({**T_SCORE, "_status": True})  # fhir.resources raises AttributeError on it
    assert facts.dxa == () and len(_gaps(facts, "Observation/t")) == 1


def test_a_draft_order_is_validated_whole_since_an_update_card_echoes_it():
    """Unlike a record that is only read, a draft is rewritten and sent back: an invalid element the checks never
    read still makes it a gap, never an `update` suggestion that is not valid R4."""
    draft = {**ALENDRONATE, "id": "d1", "status": "draft"}
    assert [o.reference for o in read_drafts([draft], today=TODAY, patient_id="p1").orders] == ["MedicationRequest/d1"]
    found = read_drafts([{**draft, "note": [{"text": 5}]}], today=TODAY, patient_id="p1")
    assert found.orders == () and [(g.code, g.reference) for g in found.gaps] == [("invalid-resource", "MedicationRequest/d1")]

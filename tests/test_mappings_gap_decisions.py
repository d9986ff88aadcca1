"""A gap about a record that could change a decision of consequence names that decision (`DataGap.decision`),
so a data-needed card can ask for it even when no chart applies (contract, "Cards in one answer")."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings import build_facts
from fhir_mappings.facts import DataGap, Decision

TODAY = date(2026, 11, 22)
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-06-15"}
SUBJECT = {"reference": "Patient/p1"}
SCT, LOINC = "http://snomed.info/sct", "http://loinc.org"
CONFIRMED = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]}


def _gaps(*resources: dict) -> tuple[DataGap, ...]:
    return build_facts([PATIENT, *resources], today=TODAY).gaps


def _text_only(text: str, **extra) -> dict:
    return {"resourceType": "MedicationStatement", "id": "m", "status": "active", "subject": SUBJECT,
            "medicationCodeableConcept": {"text": text}, "effectivePeriod": {"start": "2024-05-01"}, **extra}


@pytest.mark.parametrize(("text", "decision"), [
    ("Prolia 60 mg/ml injectievloeistof", Decision.OSTEOPOROSIS_DRUG),
    ("denosumab 60 mg s.c. elk half jaar", Decision.OSTEOPOROSIS_DRUG),
    ("Prednisolon 5 mg tablet", Decision.GLUCOCORTICOID),
])
def test_a_drug_named_only_in_text_is_a_gap_about_its_decision(text, decision):
    assert DataGap("unrecognised-medication", text, "MedicationStatement/m", decision) in _gaps(_text_only(text))


@pytest.mark.parametrize("extra", [
    {"status": "entered-in-error"},
    {"subject": {"reference": "Patient/someone-else"}},
    {"status": "intended"},
])
def test_a_text_only_drug_record_that_never_counts_is_no_gap(extra):
    assert not [g for g in _gaps(_text_only("Prolia 60 mg", **extra)) if g.code == "unrecognised-medication"]


def test_a_drug_the_guidelines_do_not_name_is_no_gap():
    assert _gaps(_text_only("paracetamol 500 mg")) == ()


def test_a_provisional_fracture_is_a_gap_about_the_fracture_decision():
    hip = {"resourceType": "Condition", "id": "hip", "subject": SUBJECT, "onsetDateTime": "2026-10-01",
           "verificationStatus": {"coding": [{"system": CONFIRMED["coding"][0]["system"], "code": "provisional"}]},
           "code": {"coding": [{"system": SCT, "code": "5913000", "display": "Fracture of neck of femur"}]}}
    assert DataGap("not-final", "verification status provisional", "Condition/hip", Decision.FRACTURE) in _gaps(hip)


def test_an_unreadable_glucocorticoid_record_is_a_gap_about_the_glucocorticoid_decision():
    undated = {"resourceType": "MedicationRequest", "id": "gc", "status": "active", "intent": "order", "subject": SUBJECT,
               "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "H02AB06"}]}}
    assert [(g.code, g.decision) for g in _gaps(undated)] == [("no-date", Decision.GLUCOCORTICOID)]


def test_a_preliminary_dxa_is_a_gap_about_the_dxa_decision():
    t = {"resourceType": "Observation", "id": "t", "status": "preliminary", "subject": SUBJECT, "effectiveDateTime": "2026-06-01",
         "code": {"coding": [{"system": LOINC, "code": "38267-1"}]}, "valueQuantity": {"value": -2.7, "unit": "{T-score}"}}
    assert DataGap("not-final", "status preliminary", "Observation/t", Decision.DXA) in _gaps(t)


def test_a_gap_about_a_record_of_no_such_decision_names_none():
    vitamin_d = {"resourceType": "Observation", "id": "vd", "status": "final", "subject": SUBJECT,
                 "effectiveDateTime": "2026-06-01", "code": {"coding": [{"system": LOINC, "code": "62292-8"}]},
                 "valueQuantity": {"value": 30, "unit": "furlongs"}}
    assert [(g.code, g.decision) for g in _gaps(vitamin_d)] == [("unknown-unit", None)]

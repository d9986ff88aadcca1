"""Which records count: malformed input, medication intent and status, patient scope, dates, status codings."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings import build_facts
from fhir_mappings.facts import Agent, DataGap

TODAY = date(2026, 11, 22)
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-06-15"}
ATC = "http://www.whocc.no/atc"
SCT = "http://snomed.info/sct"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def _alendronate(rid: str = "aln", **fields) -> dict:
    return {
        "resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
        "subject": {"reference": "Patient/p1"}, "authoredOn": "2025-01-10",
        "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "M05BA04"}]}, **fields,
    }


def _condition(rid: str, code: str, system: str = SCT, subject: str = "Patient/p1", **fields) -> dict:
    return {
        "resourceType": "Condition", "id": rid, "subject": {"reference": subject},
        "code": {"coding": [{"system": system, "code": code}]}, "onsetDateTime": "2020-03-01", **fields,
    }


@pytest.mark.parametrize("record", [None, 5, "text", {"resourceType": "Bundle", "type": "collection", "entry": 5}])
def test_malformed_input_is_an_empty_record_not_a_crash(record):
    facts = build_facts(record, today=TODAY)
    assert (facts.patient_id, [g.code for g in facts.gaps]) == (None, ["no-patient"])


def test_a_bundle_with_a_malformed_entry_list_inside_a_list_is_skipped():
    facts = build_facts([PATIENT, {"resourceType": "Bundle", "entry": {"resource": _alendronate()}}], today=TODAY)
    assert (facts.patient_id, facts.therapies) == ("p1", ())


@pytest.mark.parametrize(
    "fields",
    [{"doNotPerform": True}, {"intent": "proposal"}, {"intent": "plan"}],
)
def test_do_not_perform_and_proposals_are_not_therapy(fields):
    facts = build_facts([PATIENT, _alendronate(**fields)], today=TODAY)
    assert facts.therapies == ()


def test_an_intended_statement_is_not_a_past_course():
    statement = {
        "resourceType": "MedicationStatement", "id": "st", "status": "intended", "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "M05BA04"}]},
        "effectivePeriod": {"start": "2024-01-01", "end": "2024-06-01"},
    }
    assert build_facts([PATIENT, statement], today=TODAY).therapies == ()


def test_an_ordinary_order_is_still_therapy():
    (episode,) = build_facts([PATIENT, _alendronate()], today=TODAY).therapies
    assert (episode.agent, episode.ongoing) == (Agent.ALENDRONIC_ACID, True)


@pytest.mark.parametrize(
    ("fields", "deceased"),
    [
        ({"deceasedDateTime": "2027-03-01"}, False),
        ({"deceasedDateTime": "2026-01-05"}, True),
        ({"deceasedBoolean": "true"}, True),
        ({"deceasedBoolean": "false"}, False),
    ],
)
def test_deceased_as_of_today(fields, deceased):
    assert build_facts([{**PATIENT, **fields}], today=TODAY).deceased is deceased


def test_a_birth_date_after_today_is_a_gap_and_no_age():
    facts = build_facts([{**PATIENT, "birthDate": "2030-01-01"}], today=TODAY)
    assert (facts.age, facts.birth_date) == (None, None)
    assert DataGap("no-birthdate", "birth date after today", "Patient/p1") in facts.gaps


def test_a_year_only_birth_date_is_taken_mid_year_as_an_assumption():
    facts = build_facts([{**PATIENT, "birthDate": "1956"}], today=TODAY)
    assert (facts.birth_date, facts.age) == (date(1956, 7, 1), 70)
    taken = ("partial-birthdate", (("recorded", "1956"), ("taken", "1956-07-01")))
    assert taken in [(a.code, a.params) for a in facts.assumptions]


def _family(rid: str, relationship: dict, when: str) -> dict:
    return {
        "resourceType": "FamilyMemberHistory", "id": rid, "status": "completed", "patient": {"reference": "Patient/p1"},
        "date": when, "relationship": relationship,
        "condition": [{"code": {"coding": [{"system": SCT, "code": "359817006", "display": "Closed fracture of hip"}]}}],
    }


def test_family_history_and_intolerance_after_today_are_not_known_yet():
    mother = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"}]}
    allergy = {
        "resourceType": "AllergyIntolerance", "id": "allergy", "patient": {"reference": "Patient/p1"},
        "recordedDate": "2027-01-01", "code": {"coding": [{"system": ATC, "code": "M05BA04"}]},
    }
    facts = build_facts([PATIENT, _family("fmh", mother, "2027-01-01"), allergy], today=TODAY)
    assert (facts.parental_hip_fracture, facts.intolerances) == (None, ())


def test_snomed_mother_counts_as_a_parent_flagged_unverified():
    mother = {"coding": [{"system": SCT, "code": "72705000", "display": "Mother"}]}
    facts = build_facts([PATIENT, _family("fmh", mother, "2020-01-01")], today=TODAY)
    assert facts.parental_hip_fracture.source.reference == "FamilyMemberHistory/fmh"
    assert any(a.code == "unverified-code" and dict(a.params)["reference"] == "FamilyMemberHistory/fmh" for a in facts.assumptions)


def test_transaction_bundle_records_referencing_the_patient_full_url_are_admitted():
    bundle = {
        "resourceType": "Bundle", "type": "transaction",
        "entry": [
            {"fullUrl": "urn:uuid:0b8f-4e1c", "resource": PATIENT},
            {"fullUrl": "urn:uuid:77aa", "resource": _alendronate(subject={"reference": "urn:uuid:0b8f-4e1c"})},
            {"fullUrl": "urn:uuid:77ab", "resource": _alendronate("other", subject={"reference": "urn:uuid:other"})},
        ],
    }
    facts = build_facts(bundle, today=TODAY)
    assert [s.resource_id for e in facts.therapies for s in e.sources] == ["aln"]


def test_without_a_patient_records_of_several_subjects_are_not_mixed():
    records = [_condition("mi-a", "22298006", subject="Patient/a"), _condition("mi-b", "22298006", subject="Patient/b")]
    facts = build_facts(records, today=TODAY)
    assert facts.contraindications == ()
    assert DataGap("multiple-patients", "no Patient; records of a, b") in facts.gaps


def test_without_a_patient_records_of_one_subject_are_read():
    facts = build_facts([_condition("mi-a", "22298006", subject="Patient/a")], today=TODAY)
    assert [c.code for c in facts.contraindications] == ["myocardial-infarction"]


def test_refuted_is_read_from_the_hl7_coding_not_the_first_one():
    status = {"coding": [{"system": "http://example.org/local", "code": "confirmed"}, {"system": VER, "code": "refuted"}]}
    facts = build_facts([PATIENT, _condition("mi", "22298006", verificationStatus=status)], today=TODAY)
    assert facts.contraindications == ()


def test_clinical_status_is_read_from_the_hl7_coding():
    status = {"coding": [{"system": "http://example.org/local", "code": "active"}, {"system": CLIN, "code": "resolved"}]}
    facts = build_facts([PATIENT, _condition("ra", "69896004", clinicalStatus=status)], today=TODAY)
    assert facts.risk_factors == ()


@pytest.mark.parametrize("code", ["unconfirmed", "provisional", "differential"])
def test_an_unconfirmed_condition_is_reported_not_counted(code):
    status = {"coding": [{"system": VER, "code": code}]}
    facts = build_facts([PATIENT, _condition("mi", "22298006", verificationStatus=status)], today=TODAY)
    assert facts.contraindications == ()
    assert DataGap("not-final", f"verification status {code}", "Condition/mi") in facts.gaps


def test_rheumatoid_arthritis_with_an_abatement_and_no_clinical_status_is_not_present():
    facts = build_facts([PATIENT, _condition("ra", "69896004", abatementDateTime="2022-01-01")], today=TODAY)
    assert facts.risk_factors == ()


def test_iter_entries_keeps_each_entry_full_url_and_iter_resources_is_unchanged():
    from fhir_mappings.bundle import iter_entries, iter_resources

    inner = {"resourceType": "Bundle", "entry": [{"fullUrl": "urn:uuid:in", "resource": PATIENT}]}
    bundle = {"resourceType": "Bundle", "entry": [{"fullUrl": "urn:uuid:out", "resource": inner}, {"resource": _alendronate()}]}
    assert [(url, r["id"]) for url, r in iter_entries(bundle)] == [("urn:uuid:in", "p1"), (None, "aln")]
    assert [r["id"] for r in iter_resources(bundle)] == ["p1", "aln"]
    assert list(iter_resources({"resourceType": "Bundle", "entry": 5})) == []

"""Patient: age, sex, deceased, menopausal status (record or assumption), and choosing the patient."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings import build_facts
from fhir_mappings.facts import DataGap, Sex
from tests.test_mappings_helpers import TODAY, resources


def _patient(**fields) -> dict:
    return {"resourceType": "Patient", "id": "p1", **fields}


def test_age_is_completed_years_on_today():
    facts = build_facts([_patient(gender="female", birthDate="1950-07-02")], today=date(2024, 7, 1))
    assert (facts.age, facts.sex, facts.birth_date) == (73, Sex.FEMALE, date(1950, 7, 2))


@pytest.mark.parametrize(
    ("birth", "postmenopausal", "assumption"),
    [("1960-01-01", True, "postmenopausal-by-age"), ("1990-01-01", False, "premenopausal-by-age"), ("1975-01-01", None, None)],
)
def test_menopausal_status_from_age_is_an_assumption(birth, postmenopausal, assumption):
    facts = build_facts([_patient(gender="female", birthDate=birth)], today=TODAY)
    assert facts.postmenopausal is postmenopausal
    assert [a.code for a in facts.assumptions] == ([assumption] if assumption else [])
    if assumption is None:
        assert [g.code for g in facts.gaps] == ["menopausal-status-unknown"]


def test_postmenopausal_record_beats_age():
    condition = {
        "resourceType": "Condition", "id": "pm", "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "76498008"}]}, "recordedDate": "2020-01-01",
    }
    facts = build_facts([_patient(gender="female", birthDate="1975-01-01"), condition], today=TODAY)
    assert (facts.postmenopausal, facts.assumptions) == (True, ())


def test_men_are_not_postmenopausal():
    assert build_facts([_patient(gender="male", birthDate="1940-01-01")], today=TODAY).postmenopausal is False


@pytest.mark.parametrize("deceased", [{"deceasedBoolean": True}, {"deceasedDateTime": "2023-02-03"}])
def test_deceased_patient(deceased):
    assert build_facts([_patient(gender="male", birthDate="1940-01-01", **deceased)], today=TODAY).deceased


def test_missing_birth_date_and_gender_are_gaps():
    facts = build_facts([_patient()], today=TODAY)
    assert (facts.age, facts.sex) == (None, Sex.UNKNOWN)
    assert {DataGap("no-birthdate", "", "Patient/p1"), DataGap("no-sex", "", "Patient/p1")} <= set(facts.gaps)


def test_patient_id_picks_the_patient_and_drops_other_patients_records():
    record = resources("fractures")
    other = {"resourceType": "Patient", "id": "someone-else", "gender": "male", "birthDate": "1930-01-01"}
    facts = build_facts([*record, other], today=TODAY, patient_id="someone-else")
    assert (facts.patient_id, facts.sex) == ("someone-else", Sex.MALE)
    assert [f.source.resource_id for f in facts.fractures] == ["other-patient-hip"]


def test_a_bundle_dict_is_accepted_and_an_empty_record_is_a_gap():
    facts = build_facts({"resourceType": "Bundle", "type": "collection", "entry": []}, today=TODAY)
    assert (facts.patient_id, [g.code for g in facts.gaps]) == (None, ["no-patient"])

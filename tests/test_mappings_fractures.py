"""Fractures: site class, Genant grade, dates, counted/excluded and why; statuses; other patients."""

from __future__ import annotations

import copy

import pytest

from fhir_mappings import build_facts
from fhir_mappings.facts import DataGap, Decision, FractureSite
from tests.test_mappings_helpers import TODAY, by_id, facts_of, resources

FACTS = facts_of("fractures")
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1948-02-11"}


def _site_less(body_site: dict) -> dict:
    """A 'pathological fracture due to osteoporosis' (a code without a site) with this bodySite."""
    return {
        "resourceType": "Condition", "id": "fx", "subject": {"reference": "Patient/p1"}, "onsetDateTime": "2024-03-01",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "443165006",
                             "display": "Pathological fracture due to osteoporosis"}]},
        "bodySite": [body_site],
    }
BY_ID = {f.source.resource_id: f for f in FACTS.fractures}


def test_one_condition_per_vertebra_with_its_genant_grade():
    grades = {rid: BY_ID[rid].genant_grade for rid in ("vfx-t12", "vfx-l1", "vfx-l2")}
    assert grades == {"vfx-t12": 2, "vfx-l1": 3, "vfx-l2": 1}
    assert FACTS.vertebral_fractures_by_grade == {1: 1, 2: 1, 3: 1, None: 1}


def test_vertebral_fracture_without_severity_is_counted_ungraded_with_a_gap():
    fracture = BY_ID["vfx-nograde"]
    assert (fracture.counted, fracture.genant_grade, fracture.osteoporotic) == (True, None, True)
    assert DataGap(
        "no-genant-grade", "vertebral fracture without severity", "Condition/vfx-nograde", Decision.FRACTURE
    ) in FACTS.gaps


def test_icd10_hip_fracture_dated_by_onset_period_and_still_counted_when_resolved():
    hip = BY_ID["hip-icd"]
    assert (hip.site, hip.date.isoformat(), hip.counted) == (FractureSite.HIP, "2021-11-03", True)


def test_recorded_date_is_the_fallback_date():
    assert BY_ID["wrist-sct"].date.isoformat() == "2019-01-15"
    assert BY_ID["wrist-sct"].site is FractureSite.WRIST


def test_osteoporotic_fracture_takes_its_site_from_body_site_else_unspecified():
    assert (BY_ID["osteo-fx-body"].site, BY_ID["osteo-fx-body"].osteoporotic) == (FractureSite.HUMERUS, True)
    assert (BY_ID["osteo-fx-nosite"].site, BY_ID["osteo-fx-nosite"].counted) == (FractureSite.UNSPECIFIED, True)


def test_a_fracture_whose_site_stays_unknown_is_a_gap_naming_it_never_silently_non_hip():
    site_less = [g for g in FACTS.gaps if g.code == "fracture-site-unknown"]
    assert [(g.reference, g.decision) for g in site_less] == [("Condition/osteo-fx-nosite", Decision.FRACTURE)]
    assert site_less[0].detail.startswith(f"{BY_ID['osteo-fx-nosite'].source.recorded} ({BY_ID['osteo-fx-nosite'].date})")


def test_excluded_fractures_say_why():
    assert (BY_ID["path-fx"].counted, BY_ID["path-fx"].excluded_reason) == (False, "pathological")
    assert (BY_ID["toe-fx"].counted, BY_ID["toe-fx"].excluded_reason) == (False, "toes")
    assert (BY_ID["cervical-fx"].counted, BY_ID["cervical-fx"].excluded_reason) == (False, "cervical-spine")


def test_refuted_entered_in_error_and_other_patients_never_count():
    assert not {"refuted-hip", "eie-pelvis", "other-patient-hip"} & set(BY_ID)


def test_undated_fracture_is_kept_and_reported():
    assert BY_ID["undated-rib"].date is None and BY_ID["undated-rib"].site is FractureSite.OTHER
    assert DataGap(
        "no-date", "fracture without onset or recorded date", "Condition/undated-rib", Decision.FRACTURE
    ) in FACTS.gaps


def test_icd_category_match_is_flagged_as_resting_on_an_unverified_code():
    flagged = [dict(a.params)["reference"] for a in FACTS.assumptions if a.code == "unverified-code"]
    assert "Condition/hip-icd" in flagged and "Condition/wrist-sct" not in flagged


def test_site_less_osteoporotic_fracture_on_the_day_of_a_site_fracture_is_the_same_fracture():
    record = resources("fractures")
    twin = copy.deepcopy(by_id(record, "osteo-fx-nosite"))
    twin.update(id="twin", onsetDateTime="2021-11-03")
    facts = build_facts([*record, twin], today=TODAY)
    hips = [f for f in facts.fractures if f.date and f.date.isoformat() == "2021-11-03"]
    assert [(f.site, f.osteoporotic, f.source.resource_id) for f in hips] == [(FractureSite.HIP, True, "hip-icd")]


def test_invalid_condition_is_skipped_and_named():
    record = resources("fractures")
    broken = copy.deepcopy(by_id(record, "wrist-sct"))
    broken.update(id="broken", onsetDateTime="yesterday")
    facts = build_facts([*record, broken], today=TODAY)
    assert "broken" not in {f.source.resource_id for f in facts.fractures}
    assert any(g.code == "invalid-resource" and g.reference == "Condition/broken" for g in facts.gaps)


def _condition(rid: str, system: str, code: str, display: str) -> dict:
    return {
        "resourceType": "Condition", "id": rid, "subject": {"reference": "Patient/p1"},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
        "code": {"coding": [{"system": system, "code": code, "display": display}]}, "onsetDateTime": "2024-05-01",
    }


def test_a_femoral_shaft_fracture_is_a_fracture_not_an_atypical_femoral_fracture():
    """Shaft/subtrochanteric codes were only an epidemiological proxy for AFF; a trauma must not block treatment."""
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-06-15"}
    shaft = _condition("shaft", "http://snomed.info/sct", "26442006", "Closed fracture of shaft of femur")
    aff = _condition("aff", "http://hl7.org/fhir/sid/icd-10-cm", "M84.751A", "Atypical femoral fracture, right leg")
    facts = build_facts([patient, shaft, aff], today=TODAY)
    assert [f.counted for f in facts.fractures if f.source.resource_id == "shaft"] == [True]
    assert [(c.code, c.source.resource_id) for c in facts.contraindications] == [("atypical-femoral-fracture", "aff")]


@pytest.mark.parametrize(("text", "site"), [
    ("heup", FractureSite.HIP), ("Heupfractuur links", FractureSite.HIP), ("collum femoris", FractureSite.HIP),
    ("pertrochantair", FractureSite.HIP), ("wervel", FractureSite.VERTEBRA), ("lendenwervel L2", FractureSite.VERTEBRA),
    ("Vertebral column", FractureSite.VERTEBRA), ("pols", FractureSite.WRIST), ("polsfractuur rechts", FractureSite.WRIST),
    ("distale radius", FractureSite.WRIST), ("bekken", FractureSite.PELVIS), ("os pubis", FractureSite.PELVIS),
    ("bovenarm", FractureSite.HUMERUS), ("humerus", FractureSite.HUMERUS), ("Left hip", FractureSite.HIP),
])
def test_a_site_less_fracture_takes_its_site_from_body_site_words_in_dutch_english_or_latin(text, site):
    facts = build_facts([PATIENT, _site_less({"text": text})], today=TODAY)
    assert [f.site for f in facts.fractures] == [site]
    assert not [g for g in facts.gaps if g.code == "fracture-site-unknown"]


@pytest.mark.parametrize("body_site", [
    {"text": "been"}, {"text": "heup en pols"},
    {"coding": [{"system": "http://snomed.info/sct", "code": "29836001"}, {"system": "http://snomed.info/sct", "code": "8205005"}]},
])
def test_a_body_site_naming_no_site_or_several_leaves_the_site_unknown_with_a_gap(body_site):
    facts = build_facts([PATIENT, _site_less(body_site)], today=TODAY)
    assert [f.site for f in facts.fractures] == [FractureSite.UNSPECIFIED]
    (gap,) = [g for g in facts.gaps if g.code == "fracture-site-unknown"]
    assert (gap.reference, gap.decision) == ("Condition/fx", Decision.FRACTURE)
    assert "Pathological fracture due to osteoporosis (2024-03-01)" in gap.detail

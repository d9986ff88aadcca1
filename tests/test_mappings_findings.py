"""Findings read from Conditions and Observations: fracture onset, ICD-10 categories, vitamin D units,
DXA side and site, same-day ordering, unreadable dates, routes, code-system and unit spellings."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings import build_facts
from fhir_mappings.facts import DataGap, Decision, DxaKind, DxaSite

TODAY = date(2026, 11, 22)
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-06-15"}
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def _facts(*resources: dict):
    return build_facts([PATIENT, *resources], today=TODAY)


def _hip_fracture(**onset) -> dict:
    return {
        "resourceType": "Condition", "id": "hip", "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": SCT, "code": "359817006"}]}, "recordedDate": "2025-02-01", **onset,
    }


def test_fracture_onset_age_is_birth_date_plus_age_with_an_assumption():
    facts = _facts(_hip_fracture(onsetAge={"value": 72, "unit": "years", "system": UCUM, "code": "a"}))
    (fracture,) = facts.fractures
    assert fracture.date == date(2022, 6, 15)
    assert ("onset-from-age", (("date", "2022-06-15"), ("reference", "Condition/hip"))) in [
        (a.code, a.params) for a in facts.assumptions
    ]


def test_fracture_onset_as_text_has_no_date_and_a_gap_never_the_recorded_date():
    facts = _facts(_hip_fracture(onsetString="as a child"))
    (fracture,) = facts.fractures
    assert fracture.date is None
    assert any(g.code == "no-date" and g.reference == "Condition/hip" for g in facts.gaps)


@pytest.mark.parametrize(
    ("system", "code", "concept"),
    [
        ("http://hl7.org/fhir/sid/icd-10-cm", "I21.4", "myocardial-infarction"),
        ("http://hl7.org/fhir/sid/icd-10", "I21", "myocardial-infarction"),
        ("http://hl7.org/fhir/sid/icd-10-cm", "I63.50", "stroke"),
    ],
)
def test_icd10_categories_of_mi_and_stroke_are_contraindications(system, code, concept):
    condition = {
        "resourceType": "Condition", "id": "cv", "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": system, "code": code}]}, "onsetDateTime": "2019-04-01",
    }
    facts = _facts(condition)
    assert [c.code for c in facts.contraindications] == [concept]
    assert any(a.code == "unverified-code" for a in facts.assumptions)  # the category entries are unverified


@pytest.mark.parametrize(("code", "concept"), [("M05.79", "rheumatoid-arthritis"), ("E11.65", "diabetes-type-2")])
def test_icd10_risk_factor_categories(code, concept):
    condition = {
        "resourceType": "Condition", "id": "rf", "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]}, "onsetDateTime": "2019-04-01",
    }
    assert [c.code for c in _facts(condition).risk_factors] == [concept]


def test_still_disease_is_not_rheumatoid_arthritis():
    condition = {
        "resourceType": "Condition", "id": "still", "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M06.1"}]}, "onsetDateTime": "2019-04-01",
    }
    assert _facts(condition).risk_factors == ()


def _observation(rid: str, code: str, value: dict, when: str = "2026-10-01", system: str = LOINC, **extra) -> dict:
    return {
        "resourceType": "Observation", "id": rid, "status": "final", "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": system, "code": code}]}, "effectiveDateTime": when, "valueQuantity": value, **extra,
    }


@pytest.mark.parametrize(
    "quantity",
    [{"value": 50}, {"value": 50, "unit": "nmol/l"}, {"value": 50, "unit": "NMOL/L"}],
)
def test_vitamin_d_in_nmol_per_litre_is_converted_whatever_the_spelling(quantity):
    vitamin_d = _facts(_observation("vd", "14635-7", quantity)).vitamin_d
    assert (vitamin_d.value, vitamin_d.unit) == (pytest.approx(20.03, abs=0.01), "ng/mL")


def test_a_unitless_nmol_test_value_is_an_assumption():
    facts = _facts(_observation("vd", "14635-7", {"value": 50}))
    assert ("unit-from-code", (("reference", "Observation/vd"), ("unit", "nmol/L"))) in [
        (a.code, a.params) for a in facts.assumptions
    ]


def _hip_bmd(rid: str, value: float, when: str, side: str) -> dict:
    body_site = {"coding": [{"system": SCT, "code": {"left": "7771000", "right": "24028007"}[side], "display": side.title()}]}
    return _observation(rid, "38261-4", {"value": value, "unit": "g/cm2", "system": UCUM, "code": "g/cm2"}, when, bodySite=body_site)


def test_bmd_change_compares_only_the_same_side():
    facts = _facts(_hip_bmd("l-2020", 0.90, "2020-05-01", "left"), _hip_bmd("r-2024", 0.80, "2024-05-01", "right"))
    assert [m.laterality for e in facts.dxa for m in e.measurements] == ["left", "right"]
    assert facts.dxa[-1].bmd_change_pct is None


def test_bmd_change_on_the_same_side_from_body_site_text():
    left = _hip_bmd("l-2020", 0.90, "2020-05-01", "left")
    later = _observation("l-2024", "38261-4", {"value": 0.81, "unit": "g/cm2"}, "2024-05-01", bodySite={"text": "Left hip"})
    assert _facts(left, later).dxa[-1].bmd_change_pct == -10.0


def test_same_day_results_are_ordered_by_time_not_by_id():
    early = _observation("z-early", "29463-7", {"value": 70, "unit": "kg"}, "2026-10-01T08:00:00+02:00")
    late = _observation("a-late", "29463-7", {"value": 68, "unit": "kg"}, "2026-10-01T17:30:00+02:00")
    assert _facts(early, late).weight.source.resource_id == "a-late"


def test_an_unreadable_dxa_date_is_an_invalid_resource_gap():
    facts = _facts(_observation("ls", "38267-1", {"value": -2.8, "unit": "{T-score}"}, "unknown"))
    assert facts.dxa == ()
    assert DataGap("invalid-resource", "unreadable date 'unknown'", "Observation/ls") in facts.gaps


def test_femoral_neck_body_site_on_the_hip_code_is_the_femoral_neck():
    neck = _observation("neck", "38264-8", {"value": -2.6, "unit": "{T-score}"}, bodySite={"text": "femoral neck"})
    assert _facts(neck).latest_dxa.hip_t.site is DxaSite.FEMORAL_NECK


def test_a_t_score_in_g_per_cm2_is_not_a_t_score():
    facts = _facts(_observation("bad", "38267-1", {"value": 0.8, "unit": "g/cm2"}))
    assert facts.dxa == ()
    assert any(g.code == "unknown-unit" and g.reference == "Observation/bad" for g in facts.gaps)


@pytest.mark.parametrize("system", ["https://loinc.org", "http://www.loinc.org"])
def test_loinc_system_spellings(system):
    t_score = _observation("ls", "38267-1", {"value": -2.7, "unit": "{T-score}"}, system=system)
    (m,) = _facts(t_score).latest_dxa.measurements
    assert (m.kind, m.site, m.value) == (DxaKind.T_SCORE, DxaSite.LUMBAR_SPINE, -2.7)


def test_falls_counted_in_hash_units():
    falls = _observation("falls", "75856-5", {"value": 2, "unit": "{#}", "system": UCUM, "code": "{#}"})
    assert _facts(falls).falls_12_months.value == 2.0


def _gc_order(code: str, system: str, route: dict) -> dict:
    return {
        "resourceType": "MedicationRequest", "id": "gc", "status": "active", "intent": "order",
        "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-06-01",
        "medicationCodeableConcept": {"coding": [{"system": system, "code": code}]},
        "dosageInstruction": [{
            "route": route,
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 10, "unit": "mg"}}],
        }],
    }


DENTAL = {"coding": [{"system": SCT, "code": "372449004", "display": "Dental use"}]}


def test_an_unreadable_route_on_an_ingredient_code_is_a_glucocorticoid_gap_not_exposure():
    facts = _facts(_gc_order("8640", "http://www.nlm.nih.gov/research/umls/rxnorm", DENTAL))
    assert facts.glucocorticoids == ()
    assert DataGap(
        "unreadable-route", "route 'Dental use': systemic or local unknown", "MedicationRequest/gc", Decision.GLUCOCORTICOID
    ) in facts.gaps


def test_an_unreadable_route_on_a_systemic_drug_class_is_counted_with_an_assumption():
    facts = _facts(_gc_order("H02AB07", "http://www.whocc.no/atc", DENTAL))
    assert [e.prednisone_mg_per_day for e in facts.glucocorticoids] == [10.0]
    assert ("glucocorticoid-systemic-by-class", (("reference", "MedicationRequest/gc"), ("route", "Dental use"))) in [
        (a.code, a.params) for a in facts.assumptions
    ]


def test_dxa_panel_components_are_read_as_t_scores_of_the_panel():
    panel = {
        "resourceType": "Observation", "id": "dxa-panel", "status": "final", "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": LOINC, "code": "83311-1", "display": "Bone density quantitative measurement by DXA panel"}]},
        "effectiveDateTime": "2026-09-01",
        "component": [
            {"code": {"coding": [{"system": LOINC, "code": "38267-1"}]}, "valueQuantity": {"value": -2.9, "unit": "{T-score}"}},
            {"code": {"coding": [{"system": LOINC, "code": "38264-8"}]}, "valueQuantity": {"value": -2.1, "unit": "{T-score}"}},
        ],
    }
    exam = _facts(panel).latest_dxa
    assert [(m.site, m.value, m.source.reference) for m in exam.measurements] == [
        (DxaSite.LUMBAR_SPINE, -2.9, "Observation/dxa-panel"), (DxaSite.TOTAL_HIP, -2.1, "Observation/dxa-panel"),
    ]
    assert (exam.lowest_t.value, exam.hip_t.value) == (-2.9, -2.1)


def test_a_value_with_a_comparator_is_its_bound_as_an_assumption():
    facts = _facts(_observation("vd", "62292-8", {"value": 10, "comparator": "<", "unit": "ng/mL"}))
    assert (facts.vitamin_d.value, facts.vitamin_d.source.recorded) == (10.0, "<10 ng/mL")
    bound = ("value-at-comparator-bound", (("recorded", "<10 ng/mL"), ("reference", "Observation/vd")))
    assert bound in [(a.code, a.params) for a in facts.assumptions]


def test_an_invalid_condition_dated_after_today_is_dropped_without_a_gap():
    future = _hip_fracture(onsetDateTime="2027-02-01", severity="not a concept")
    facts = _facts(future)
    assert facts.fractures == ()
    assert not any(g.reference == "Condition/hip" for g in facts.gaps)

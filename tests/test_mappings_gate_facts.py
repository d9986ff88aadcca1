"""Facts the safety gates read: lab ranges and flags, atypical fracture sites, oncology regimens, safety conditions."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings import build_facts
from fhir_mappings.facts import Agent, FractureSite

TODAY = date(2026, 6, 1)
LOINC, SCT, UCUM = "http://loinc.org", "http://snomed.info/sct", "http://unitsofmeasure.org"
ICD10, ICD10CM, ATC = "http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm", "http://www.whocc.no/atc"
V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
PATIENT = {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1946-03-01"}


def qty(value: float, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def lab(rid: str, code: str, value: float, unit: str, *, ranges: list[dict] | None = None, flag: str | None = None,
        when: str = "2026-05-01") -> dict:
    obs = {"resourceType": "Observation", "id": rid, "status": "final", "subject": {"reference": "Patient/p"},
           "code": {"coding": [{"system": LOINC, "code": code}]}, "effectiveDateTime": when,
           "valueQuantity": {"value": value, "unit": unit}}
    if ranges is not None:
        obs["referenceRange"] = ranges
    if flag is not None:
        obs["interpretation"] = [{"coding": [{"system": V3, "code": flag}]}]
    return obs


def condition(rid: str, system: str, code: str, *, status: str = "active", onset: str = "2025-01-10", body_site: str | None = None) -> dict:
    res = {"resourceType": "Condition", "id": rid, "subject": {"reference": "Patient/p"},
           "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]},
           "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
           "code": {"coding": [{"system": system, "code": code}]}, "onsetDateTime": onset}
    if body_site:
        res["bodySite"] = [{"text": body_site}]
    return res


def facts(*resources: dict):
    return build_facts([PATIENT, *resources], today=TODAY)


# --- 1. labs: canonical unit, the laboratory's range for this patient, and its flag ---------------------

def test_calcium_in_mg_per_dl_converts_with_its_range_and_flag():
    ranges = [{"low": {"value": 8.6, "unit": "mg/dL"}, "high": {"value": 10.2, "unit": "mg/dL"}}]
    calcium = dict(facts(lab("ca", "17861-6", 7.9, "mg/dL", ranges=ranges, flag="L")).labs)["calcium"]
    assert (round(calcium.value, 2), calcium.unit, calcium.flag) == (1.97, "mmol/L", "L")
    assert (round(calcium.low, 2), round(calcium.high, 2)) == (2.15, 2.54)


def test_a_range_for_the_other_sex_or_another_age_is_not_this_patients():
    female = {"low": {"value": 45}, "high": {"value": 90}, "appliesTo": [{"coding": [{"system": SCT, "code": "248152002"}]}]}
    male = {"low": {"value": 60}, "high": {"value": 110}, "appliesTo": [{"coding": [{"system": SCT, "code": "248153007"}]}]}
    young = {"low": {"value": 30}, "high": {"value": 80}, "age": {"high": {"value": 18, "unit": "a"}}}
    creatinine = dict(facts(lab("cr", "14682-9", 70, "umol/L", ranges=[male, young, female])).labs)["creatinine"]
    assert (creatinine.low, creatinine.high) == (45.0, 90.0)  # bounds without a unit are in the value's unit


def test_ranges_that_still_disagree_give_none_and_a_therapeutic_range_is_ignored():
    two = [{"low": {"value": 2.1, "unit": "mmol/L"}, "high": {"value": 2.5, "unit": "mmol/L"}},
           {"low": {"value": 2.2, "unit": "mmol/L"}, "high": {"value": 2.6, "unit": "mmol/L"}}]
    calcium = dict(facts(lab("ca", "2000-8", 2.3, "mmol/L", ranges=two)).labs)["calcium"]
    assert (calcium.low, calcium.high, calcium.flag) == (None, None, None)
    target = {"low": {"value": 30, "unit": "ng/mL"}, "type": {"coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/referencerange-meaning", "code": "recommended"}]}}
    vit_d = facts(lab("vd", "62292-8", 25, "ng/mL", ranges=[target])).vitamin_d
    assert (vit_d.value, vit_d.low, vit_d.high) == (25.0, None, None)


@pytest.mark.parametrize("code, value, unit, concept, expected, canonical", [
    ("1751-7", 3.1, "g/dL", "albumin", 31.0, "g/L"),
    ("2731-8", 94.25, "pg/mL", "pth", 10.0, "pmol/L"),
    ("2160-0", 1.0, "mg/dL", "creatinine", 88.42, "umol/L"),
    ("14682-9", 70, "\u00b5mol/L", "creatinine", 70.0, "umol/L"),
    ("2777-1", 3.097, "mg/dL", "phosphate", 1.0, "mmol/L"),
    ("3016-3", 0.05, "uIU/mL", "tsh", 0.05, "mU/L"),
    ("6768-6", 180, "IU/L", "alkaline-phosphatase", 180.0, "U/L"),
    ("1994-3", 1.05, "mmol/L", "ionised-calcium", 1.05, "mmol/L"),
    ("17863-2", 4.208, "mg/dL", "ionised-calcium", 1.05, "mmol/L"),
    ("33358-3", 1.2, "g/dL", "m-protein", 12.0, "g/L"),
    ("62238-1", 28, "mL/min/1.73m2", "egfr", 28.0, "mL/min/{1.73_m2}"),
])
def test_lab_concepts_in_their_canonical_unit(code, value, unit, concept, expected, canonical):
    measured = dict(facts(lab("l", code, value, unit)).labs)[concept]
    assert (round(measured.value, 2), measured.unit) == (expected, canonical)


@pytest.mark.parametrize("value, unit", [(110.23, "lbs"), (110.23, "[lb_av]"), (50000, "g"), (50, "kg")])
def test_weight_in_pounds_or_grams_converts_to_kg(value, unit):
    weight = {"resourceType": "Observation", "id": "w", "status": "final", "subject": {"reference": "Patient/p"},
              "code": {"coding": [{"system": LOINC, "code": "29463-7"}]}, "effectiveDateTime": "2026-05-01",
              "valueQuantity": {"value": value, "unit": unit}}
    assert (round(facts(weight).weight.value, 1), facts(weight).weight.unit) == (50.0, "kg")


# --- 2. fractures at the sites of atypical femoral fracture ---------------------------------------------

def test_a_subtrochanteric_fracture_is_the_same_fracture_in_snomed_and_icd10():
    sct = facts(condition("f", SCT, "208551000")).fractures[0]
    for system in (ICD10, ICD10CM):
        icd = facts(condition("f", system, "S72.21")).fractures[0]
        assert (icd.site, icd.atypical_site, icd.counted) == (sct.site, sct.atypical_site, sct.counted) == (FractureSite.HIP, True, True)


@pytest.mark.parametrize("system, code", [(SCT, "26442006"), (SCT, "54441004"), (ICD10, "S72.30"), (ICD10CM, "S72.301A")])
def test_a_femoral_shaft_fracture_is_other_and_at_an_atypical_site(system, code):
    fracture = facts(condition("f", system, code)).fractures[0]
    assert (fracture.site, fracture.atypical_site) == (FractureSite.OTHER, True)


def test_a_femoral_neck_fracture_is_not_at_an_atypical_site_and_no_aff_is_inferred():
    record = facts(condition("f", SCT, "5913000"), condition("s", SCT, "208551000"))
    assert [f.atypical_site for f in record.fractures] == [False, True]
    assert "atypical-femoral-fracture" not in {c.code for c in record.contraindications}


def test_a_site_less_fracture_takes_the_subtrochanteric_body_site():
    fracture = facts(condition("f", SCT, "125605004", body_site="Subtrochanteric region, left femur")).fractures[0]
    assert (fracture.site, fracture.atypical_site) == (FractureSite.HIP, True)
    shaft = facts(condition("g", SCT, "125605004", body_site="femoral shaft")).fractures[0]
    assert (shaft.site, shaft.atypical_site) == (FractureSite.OTHER, True)


# --- 3. oncology antiresorptives ------------------------------------------------------------------------

def administration(rid: str, atc: str, when: str, dose: dict | None = None, rxnorm: str | None = None) -> dict:
    coding = [{"system": ATC, "code": atc}] + ([{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": rxnorm}] if rxnorm else [])
    res = {"resourceType": "MedicationAdministration", "id": rid, "status": "completed", "subject": {"reference": "Patient/p"},
           "medicationCodeableConcept": {"coding": coding}, "effectiveDateTime": when}
    if dose is not None:
        res["dosage"] = {"dose": dose}
    return res


def test_denosumab_120_mg_every_4_weeks_is_an_oncology_regimen_with_its_undosed_injections():
    record = facts(
        administration("x1", "M05BX04", "2026-03-01", qty(120, "mg")),
        administration("x2", "M05BX04", "2026-03-29"),
        administration("x3", "M05BX04", "2026-04-26"),
    )
    assert record.therapies == ()
    (episode,) = record.oncology_antiresorptives
    assert (episode.agent, episode.administrations) == (Agent.DENOSUMAB, (date(2026, 3, 1), date(2026, 3, 29), date(2026, 4, 26)))
    assert {s.reference for s in episode.sources} == {"MedicationAdministration/x1", "MedicationAdministration/x2", "MedicationAdministration/x3"}


def test_zoledronic_acid_by_product_code_or_4_mg_dose_is_oncology_5_mg_is_osteoporosis():
    zometa = facts(administration("z", "M05BA08", "2026-01-10", rxnorm="1114085"))
    assert (zometa.therapies, [e.agent for e in zometa.oncology_antiresorptives]) == ((), [Agent.ZOLEDRONIC_ACID])
    four = facts(administration("z", "M05BA08", "2026-01-10", qty(4, "mg")))
    assert [e.agent for e in four.oncology_antiresorptives] == [Agent.ZOLEDRONIC_ACID]
    aclasta = facts(administration("z", "M05BA08", "2026-01-10", qty(5, "mg")))
    assert ([e.agent for e in aclasta.therapies], aclasta.oncology_antiresorptives) == ([Agent.ZOLEDRONIC_ACID], ())
    assert not [a for a in aclasta.assumptions if a.code == "osteoporosis-regimen-without-dose"]


def test_denosumab_60_mg_is_osteoporosis_and_an_undosed_one_is_too_as_an_assumption():
    prolia = facts(administration("d", "M05BX04", "2026-01-10", qty(60, "mg")))
    assert ([e.agent for e in prolia.therapies], prolia.oncology_antiresorptives) == ([Agent.DENOSUMAB], ())
    undosed = facts(administration("d", "M05BX04", "2026-01-10"))
    assert [e.agent for e in undosed.therapies] == [Agent.DENOSUMAB]
    (assumption,) = [dict(a.params) for a in undosed.assumptions if a.code == "osteoporosis-regimen-without-dose"]
    assert assumption == {"agent": "denosumab", "reference": "MedicationAdministration/d"}


# --- 4. conditions and procedures the gates read --------------------------------------------------------

def test_a_resolved_venous_thrombosis_still_counts_a_resolved_pregnancy_does_not():
    record = facts(condition("dvt", SCT, "128053003", status="resolved", onset="2015-02-01"),
                   condition("preg", SCT, "77386006", status="resolved", onset="2025-11-01"))
    assert [(c.code, c.date) for c in record.contraindications] == [("venous-thromboembolism", date(2015, 2, 1))]


def test_an_active_pregnancy_counts_until_it_is_older_than_300_days():
    assert "pregnancy" in {c.code for c in facts(condition("preg", SCT, "77386006", onset="2026-02-01")).contraindications}
    assert "pregnancy" not in {c.code for c in facts(condition("preg", SCT, "77386006", onset="2025-06-01")).contraindications}


@pytest.mark.parametrize("system, code, concept", [
    (SCT, "94222008", "bone-metastases"), (ICD10, "C79.51", "bone-metastases"), (ICD10CM, "C90.00", "skeletal-malignancy"),
    (SCT, "63305008", "oesophageal-stricture"), (ICD10, "K22.0", "achalasia"), (ICD10CM, "M88.9", "paget-disease"),
    (SCT, "66999008", "hyperparathyroidism"), (ICD10CM, "E21.0", "hyperparathyroidism"), (SCT, "19943007", "hepatic-impairment"),
    (ICD10, "C54.1", "endometrial-cancer"), (SCT, "413712001", "breast-feeding"), (ICD10CM, "Z86.718", "venous-thromboembolism"),
    (SCT, "431857002", "ckd-stage-4-5"), (ICD10CM, "N18.6", "ckd-stage-4-5"), (ICD10, "Z99.2", "dialysis"),
])
def test_safety_concepts_from_snomed_and_icd10(system, code, concept):
    assert concept in {c.code for c in facts(condition("c", system, code)).contraindications}


def test_a_fact_resting_on_an_unverified_category_is_flagged():
    record = facts(condition("met", ICD10, "C79.51"))
    assert "Condition/met" in [dict(a.params)["reference"] for a in record.assumptions if a.code == "unverified-code"]


def test_dialysis_and_hip_fracture_surgery_from_procedures():
    def procedure(rid: str, code: str, when: str) -> dict:
        return {"resourceType": "Procedure", "id": rid, "status": "completed", "subject": {"reference": "Patient/p"},
                "code": {"coding": [{"system": SCT, "code": code}]}, "performedDateTime": when}

    record = facts(procedure("hd", "265764009", "2026-05-20"), procedure("hemi1", "396487001", "2024-01-05"),
                   procedure("hemi2", "396487001", "2026-05-12"))
    assert [(c.code, c.source.reference) for c in record.contraindications] == [("dialysis", "Procedure/hd")]
    assert (record.hip_fracture_surgery.date, record.hip_fracture_surgery.source.reference) == (date(2026, 5, 12), "Procedure/hemi2")
    assert facts().hip_fracture_surgery is None

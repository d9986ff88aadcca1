"""Risk factors, CBO score, contraindications, family history, life expectancy, falls, labs, body measures."""

from __future__ import annotations

import copy
from datetime import date

from fhir_mappings import build_facts
from tests.test_mappings_helpers import TODAY, by_id, facts_of, resources

FACTS = facts_of("risk-profile")


def test_active_risk_factors_from_snomed_and_icd10_resolved_ones_left_out():
    assert [(r.code, r.date) for r in FACTS.risk_factors] == [
        ("diabetes-type-2", date(2015, 5, 5)), ("rheumatoid-arthritis", date(2010, 1, 1))
    ]


def test_cbo_score_with_its_evidence():
    components = {factor: (points, p.reference if p else None) for factor, points, p in FACTS.risk_score.components}
    assert components == {
        "age-over-60": (1, None),
        "rheumatoid-arthritis": (1, "Condition/ra"),
        "secondary-osteoporosis": (1, "Condition/t2dm"),
        "parental-hip-fracture": (1, "FamilyMemberHistory/mother-hip"),
    }
    assert FACTS.risk_score.total == 4


def test_low_body_weight_uses_weight_when_tall():
    record = resources("risk-profile")
    tall = copy.deepcopy(by_id(record, "ht"))
    tall.update(id="ht-tall", effectiveDateTime="2024-06-02", valueQuantity={"value": 176, "unit": "cm", "system": "http://unitsofmeasure.org", "code": "cm"})
    facts = build_facts([*record, tall], today=TODAY)
    assert ("low-body-weight", 1, "Observation/wt") in [(f, p, e.reference) for f, p, e in facts.risk_score.components if e]


def test_resolved_myocardial_infarction_is_still_a_contraindication():
    (mi,) = FACTS.contraindications
    assert (mi.code, mi.date) == ("myocardial-infarction", date(2019, 9, 9))


def test_mothers_hip_fracture_counts_a_sisters_does_not():
    parent = FACTS.parental_hip_fracture
    assert (parent.source.reference, parent.source.recorded) == ("FamilyMemberHistory/mother-hip", "NMTH")


def test_palliative_care_procedure_limits_life_expectancy():
    assert FACTS.limited_life_expectancy.code == "palliative-care"


def test_falls_take_the_highest_count_in_twelve_months():
    assert (FACTS.falls_12_months.value, FACTS.falls_12_months.source.reference) == (2.0, "Observation/falls-count")
    without_count = [r for r in resources("risk-profile") if r["id"] != "falls-count"]
    facts = build_facts(without_count, today=TODAY)
    assert (facts.falls_12_months.value, facts.falls_12_months.source.reference) == (1.0, "Condition/fall")
    assert build_facts(without_count, today=date(2025, 6, 1)).falls_12_months is None


def test_vitamin_d_in_nmol_per_litre_is_normalised_to_ng_per_ml():
    vit_d = FACTS.vitamin_d
    assert (round(vit_d.value, 2), vit_d.unit, vit_d.source.recorded) == (15.0, "ng/mL", "37.44 nmol/L")


def test_labs_by_concept_in_the_concept_canonical_unit():
    labs = dict(FACTS.labs)
    assert (labs["creatinine"].value, labs["creatinine"].unit) == (80.0, "umol/L")
    assert (round(labs["calcium"].value, 2), labs["calcium"].unit) == (2.35, "mmol/L")  # recorded 9.4 mg/dL


def test_body_measures_latest_converted_and_height_loss():
    assert (FACTS.weight.value, FACTS.height.value, FACTS.bmi.value) == (57.5, 163.83, 21.3)
    assert (FACTS.height_loss_cm.value, FACTS.height_loss_cm.unit) == (4.2, "cm")


def test_frax_in_percent():
    assert (FACTS.frax_major.value, FACTS.frax_hip.value, FACTS.frax_hip.unit) == (18.5, 4.2, "%")


def test_unknown_unit_is_a_gap():
    record = resources("risk-profile")
    odd = copy.deepcopy(by_id(record, "wt"))
    odd.update(id="wt-stone", effectiveDateTime="2024-06-20", valueQuantity={"value": 9, "unit": "stone"})
    facts = build_facts([*record, odd], today=TODAY)
    assert facts.weight.source.reference == "Observation/wt"
    assert any(g.code == "unknown-unit" and g.reference == "Observation/wt-stone" for g in facts.gaps)

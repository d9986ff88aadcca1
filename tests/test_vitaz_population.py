"""vitaz-2025 entry box: who is at increased fracture risk (> 2 falls, Appendix 1, fragility fracture after 50)."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings.facts import FractureSite, Measured, Medication, Sex
from pathways import evaluate
from pathways.vitaz import population
from tests.rcop_helpers import coded, fracture, glucocorticoid, make, src


def measured(value: float, unit: str = "", when: date = date(2026, 9, 1)) -> Measured:
    return Measured(value, unit, when, src("Observation", f"m-{value}-{unit}", when))


def drug(drug_class: str, start: date = date(2025, 1, 1), end: date | None = None) -> Medication:
    return Medication(drug_class, drug_class, start, end, src("MedicationStatement", drug_class, start))


IN = [
    ("3 falls", dict(falls_12_months=measured(3, "/a"))),
    ("rheumatoid arthritis", dict(risk_factors=(coded("rheumatoid-arthritis"),))),
    ("hypothyroidism", dict(risk_factors=(coded("hypothyroidism"),))),
    ("frailty", dict(risk_factors=(coded("frailty"),))),
    ("daily smoking", dict(risk_factors=(coded("smoker"),))),
    ("PPI today", dict(medications=(drug("ppi"),))),
    ("Z-drug today", dict(medications=(drug("z-drugs"),))),
    ("aromatase inhibitor today", dict(medications=(drug("aromatase-inhibitors"),))),
    ("glucocorticoid 90 days", dict(glucocorticoids=(glucocorticoid(5, date(2026, 8, 24)),))),
    ("hip fracture at 50", dict(age=60, fractures=(fracture(FractureSite.HIP, date(2016, 1, 1)),))),
    ("pelvis fracture at 70", dict(fractures=(fracture(FractureSite.PELVIS, date(2026, 1, 1)),))),
    ("BMI 22.9 at 65", dict(age=65, bmi=measured(22.9, "kg/m2"))),
    ("BMI 18.4 at 64", dict(age=64, bmi=measured(18.4, "kg/m2"))),
    ("BMI from weight and height", dict(age=64, weight=measured(50, "kg"), height=measured(170, "cm"))),
    ("woman lost 4 cm", dict(height_loss_cm=measured(4, "cm"))),
    ("sex unknown lost 4 cm", dict(sex=Sex.UNKNOWN, height_loss_cm=measured(4, "cm"))),
    ("man lost 6 cm", dict(sex=Sex.MALE, height_loss_cm=measured(6, "cm"))),
    ("25-OH-D 19.9 ng/ml", dict(vitamin_d=measured(19.9, "ng/mL"))),
    ("1.5 dairy portions", dict(dairy_portions=measured(1.5, "/d"))),
    ("3 drinks a day", dict(alcohol_per_day=measured(3, "/d"))),
]

OUT = [
    ("nothing", dict()),
    ("2 falls", dict(falls_12_months=measured(2, "/a"))),
    ("osteoporosis diagnosis only", dict(risk_factors=(coded("osteoporosis"),))),
    ("PPI stopped", dict(medications=(drug("ppi", end=date(2026, 1, 1)),))),
    ("opioid only", dict(medications=(drug("opioids"),))),
    ("glucocorticoid 89 days", dict(glucocorticoids=(glucocorticoid(5, date(2026, 8, 25)),))),
    ("wrist fracture at 49", dict(age=60, fractures=(fracture(FractureSite.WRIST, date(2015, 12, 31)),))),
    ("rib fracture at 70", dict(fractures=(fracture(FractureSite.OTHER, date(2026, 1, 1)),))),
    ("BMI 22.9 at 64", dict(age=64, bmi=measured(22.9, "kg/m2"))),
    ("man lost 5 cm", dict(sex=Sex.MALE, height_loss_cm=measured(5, "cm"))),
    ("woman lost 3.9 cm", dict(height_loss_cm=measured(3.9, "cm"))),
    ("25-OH-D 20 ng/ml", dict(vitamin_d=measured(20, "ng/mL"))),
    ("25-OH-D 15 ng/ml 13 months ago", dict(vitamin_d=measured(15, "ng/mL", date(2025, 10, 1)))),
    ("2 dairy portions", dict(dairy_portions=measured(2, "/d"))),
    ("2 drinks a day", dict(alcohol_per_day=measured(2, "/d"))),
]


@pytest.mark.parametrize(("case", "kw"), IN, ids=[c[0] for c in IN])
def test_in_the_entry_box(case, kw):
    assert population.applies(make(**{"age": 70, **kw})) is True


@pytest.mark.parametrize(("case", "kw"), OUT, ids=[c[0] for c in OUT])
def test_outside_the_entry_box_gets_nothing(case, kw):
    facts = make(**{"age": 70, **kw})
    assert population.applies(facts) is False
    assert evaluate("vitaz-2025", facts) == []


def test_a_fracture_without_birth_date_may_qualify_and_asks_for_it():
    facts = make(age=None, fractures=(fracture(FractureSite.HIP, date(2026, 1, 1)),))
    assert population.applies(facts) is None
    (rec,) = evaluate("vitaz-2025", facts)
    assert rec.topic.value == "data-needed" and "no-birthdate" in {g.code for g in rec.missing}


def test_each_risk_factor_is_evidence_on_the_card():
    facts = make(risk_factors=(coded("copd"), coded("diabetes-type-2")), medications=(drug("benzodiazepines"),))
    assert {r.code for r in population.risk_factors(facts)} == {"copd", "diabetes-type-2", "benzodiazepines"}
    rec = evaluate("vitaz-2025", facts)[0]
    assert {e.value for e in rec.evidence if e.label == "vitaz.fact.risk-factor"} >= {"{copd}", "{diabetes-type-2}", "{benzodiazepines}"}


def test_falls_and_fall_risk_records_make_a_high_fall_risk():
    assert population.high_fall_risk(make(falls_12_months=measured(3, "/a")))
    assert population.high_fall_risk(make(risk_factors=(coded("orthostatic-hypotension"),)))
    assert not population.high_fall_risk(make(risk_factors=(coded("copd"),)))

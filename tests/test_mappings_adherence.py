"""Facts the vitaz pathway reads: days covered (PDC), recorded non-adherence, dairy portions, drinks, and the
Appendix 1 conditions added to the risk-factor value set."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fhir_mappings import build_facts

TODAY = date(2026, 11, 22)
ATC, SNOMED, LOINC, UCUM = "http://www.whocc.no/atc", "http://snomed.info/sct", "http://loinc.org", "http://unitsofmeasure.org"
PATIENT = {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1956-01-01"}


def _concept(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


def dispense(n: int, when: date, days: int | None, atc: str = "M05BA04") -> dict:
    resource = {
        "resourceType": "MedicationDispense", "id": f"d{n}", "status": "completed", "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": _concept(ATC, atc), "whenHandedOver": when.isoformat(),
    }
    if days is not None:
        resource["daysSupply"] = {"value": days, "unit": "days", "system": UCUM, "code": "d"}
    return resource


def given(n: int, when: date, atc: str = "M05BX04") -> dict:
    return {
        "resourceType": "MedicationAdministration", "id": f"a{n}", "status": "completed", "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": _concept(ATC, atc), "effectiveDateTime": when.isoformat(),
    }


def observation(n: int, code: str, value: float, unit: str, when: str = "2026-10-01") -> dict:
    return {
        "resourceType": "Observation", "id": f"o{n}", "status": "final", "subject": {"reference": "Patient/p"},
        "code": _concept(LOINC, code), "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
    }


def condition(n: int, code: str, onset: str = "2026-09-01") -> dict:
    return {
        "resourceType": "Condition", "id": f"c{n}", "subject": {"reference": "Patient/p"}, "code": _concept(SNOMED, code),
        "clinicalStatus": _concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
        "onsetDateTime": onset,
    }


def facts(*resources: dict):
    return build_facts([PATIENT, *resources], today=TODAY)


def test_dispenses_give_the_proportion_of_days_covered_since_the_first_supply():
    start = date(2026, 1, 1)
    dispenses = [dispense(i, start + timedelta(days=32 * i), 28) for i in range(9)]
    (pdc,) = facts(*dispenses).adherence
    assert (pdc.agent.value, pdc.start, pdc.end) == ("alendronic-acid", start, TODAY)
    assert pdc.proportion == pytest.approx(9 * 28 / 326)
    assert [s.resource_id for s in pdc.sources] == [f"d{i}" for i in range(9)]


def test_an_early_refill_is_not_counted_twice():
    """Two 28-day supplies ten days apart cover 56 days, not 38 with an overlap of 18."""
    start = TODAY - timedelta(days=99)
    (pdc,) = facts(dispense(1, start, 28), dispense(2, start + timedelta(days=10), 28)).adherence
    assert pdc.proportion == pytest.approx(56 / 100)


def test_the_window_is_the_last_365_days():
    old = dispense(1, TODAY - timedelta(days=500), 28)
    (pdc,) = facts(old, dispense(2, TODAY - timedelta(days=27), 28)).adherence
    assert pdc.start == TODAY - timedelta(days=364) and pdc.proportion == pytest.approx(28 / 365)


def test_a_dispense_without_days_supply_gives_no_proportion():
    assert facts(dispense(1, date(2026, 6, 1), None)).adherence == ()


def test_injections_cover_their_dosing_interval():
    """Denosumab covers 183 days from each injection: a 3-month delay shows as about 75 % of days covered."""
    injections = [given(1, date(2025, 6, 1)), given(2, date(2026, 3, 1)), given(3, date(2026, 9, 1))]
    (pdc,) = facts(*injections).adherence
    covered = (date(2025, 12, 1) - pdc.start).days + 183 + (TODAY - date(2026, 9, 1)).days + 1
    assert pdc.agent.value == "denosumab" and pdc.proportion == pytest.approx(covered / 365)


def test_orders_and_statements_give_no_proportion():
    statement = {
        "resourceType": "MedicationStatement", "id": "s", "status": "active", "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": _concept(ATC, "M05BA04"), "effectivePeriod": {"start": "2025-01-01"},
    }
    assert facts(statement).adherence == ()


def test_recorded_non_adherence_is_read_and_a_resolved_one_is_not():
    assert facts(condition(1, "129834002")).non_adherence.date == date(2026, 9, 1)
    resolved = condition(2, "448176008")
    resolved["clinicalStatus"] = _concept("http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved")
    assert facts(resolved).non_adherence is None


@pytest.mark.parametrize(("unit", "value"), [("/d", 1.5), ("{servings}", 1.5), ("{#}", 2.0)])
def test_dairy_portions_a_day(unit, value):
    assert facts(observation(1, "80462-5", value, unit)).dairy_portions.value == value


@pytest.mark.parametrize(("atc", "substances"), [("A11CC05", ("vitamin-d",)), ("A12AX01", ("calcium", "vitamin-d"))])
def test_a_supplement_says_what_it_supplies(atc, substances):
    statement = {
        "resourceType": "MedicationStatement", "id": "s", "status": "active", "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": _concept(ATC, atc), "effectivePeriod": {"start": "2025-01-01"},
    }
    (supplement,) = facts(statement).medications
    assert (supplement.drug_class, supplement.substances) == ("calcium-vitamin-d", substances)


def test_alcoholic_drinks_a_day():
    assert facts(observation(1, "74013-4", 3, "{drinks}/d")).alcohol_per_day.value == 3


@pytest.mark.parametrize(("code", "concept"), [
    ("40930008", "hypothyroidism"), ("32230006", "malabsorption"), ("84027009", "pernicious-anaemia"),
    ("129839007", "fall-risk"), ("248279007", "frailty"), ("28651003", "orthostatic-hypotension"), ("449868002", "smoker"),
])
def test_appendix_1_conditions(code, concept):
    assert concept in {r.code for r in facts(condition(1, code, "2020-01-01")).risk_factors}

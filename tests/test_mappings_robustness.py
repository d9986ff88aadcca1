"""Nothing a record carries breaks the mapping: dates at the calendar's ends, huge durations, impossible values,
nesting a thousand deep. Each is read as data or named as a gap (issue 12)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from fhir_mappings import build_facts
from fhir_mappings.facts import Agent, Decision
from fhir_mappings.bundle import iter_entries
from fhir_mappings.plausibility import bounds
from fhir_mappings.valuesets import valuesets

TODAY = date(2026, 11, 22)
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1966-03-01"}
ATC, LOINC, SCT = "http://www.whocc.no/atc", "http://loinc.org", "http://snomed.info/sct"
SUBJECT = {"reference": "Patient/p1"}
ALENDRONATE = {"coding": [{"system": ATC, "code": "M05BA04"}]}
PREDNISONE = {"coding": [{"system": ATC, "code": "H02AB07"}]}
DAILY_20 = {"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": 20, "unit": "mg"}}]}
MAX, MIN = "9999-12-31", "0001-01-01"


def _facts(*resources: dict, patient: dict = PATIENT):
    return build_facts([patient, *resources], today=TODAY)


def _statement(rid: str, period: dict, drug: dict = ALENDRONATE, **extra) -> dict:
    return {"resourceType": "MedicationStatement", "id": rid, "status": "active", "subject": SUBJECT,
            "medicationCodeableConcept": drug, "effectivePeriod": period, **extra}


def _records_with(day: str) -> list[list[dict]]:
    """Every date-bearing element the mapping reads, set to `day` (two records where a merge adds to a date)."""
    order = {"resourceType": "MedicationRequest", "id": "rq", "status": "active", "intent": "order", "subject": SUBJECT,
             "medicationCodeableConcept": PREDNISONE, "authoredOn": "2026-01-01", "dosageInstruction": [DAILY_20]}
    return [
        [_statement("s1", {"start": "2020-01-01", "end": day}), _statement("s2", {"start": "2021-01-01", "end": day})],
        [_statement("s1", {"start": day, "end": day}), _statement("s2", {"start": "2021-01-01"})],
        [_statement("g1", {"start": "2026-01-01", "end": day}, PREDNISONE, dosage=[DAILY_20]),
         _statement("g2", {"start": "2026-02-01", "end": day}, PREDNISONE, dosage=[DAILY_20])],
        [{**order, "dispenseRequest": {"validityPeriod": {"start": "2026-01-01", "end": day}}}, _statement("s2", {"start": "2026-03-01"}, PREDNISONE)],
        [{**order, "dosageInstruction": [{**DAILY_20, "timing": {"repeat": {
            "frequency": 1, "period": 1, "periodUnit": "d", "boundsPeriod": {"start": "2026-01-01", "end": day}}}}]}],
        [{**order, "authoredOn": day}],
        [{"resourceType": "MedicationDispense", "id": "d1", "status": "completed", "subject": SUBJECT,
          "medicationCodeableConcept": ALENDRONATE, "whenHandedOver": day, "daysSupply": {"value": 1e308, "code": "d"}},
         {"resourceType": "MedicationDispense", "id": "d2", "status": "completed", "subject": SUBJECT,
          "medicationCodeableConcept": ALENDRONATE, "whenHandedOver": "2026-01-01", "daysSupply": {"value": 1e308, "code": "d"}}],
        [{"resourceType": "MedicationAdministration", "id": "a1", "status": "completed", "subject": SUBJECT,
          "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "M05BX04"}]}, "effectivePeriod": {"start": day, "end": day}},
         {"resourceType": "MedicationAdministration", "id": "a2", "status": "completed", "subject": SUBJECT,
          "medicationCodeableConcept": {"coding": [{"system": ATC, "code": "M05BX04"}]}, "effectiveDateTime": "2026-05-01"}],
        [{"resourceType": "Observation", "id": "o1", "status": "final", "subject": SUBJECT, "effectiveDateTime": f"{day}T00:00:00+14:00",
          "code": {"coding": [{"system": LOINC, "code": "29463-7"}]}, "valueQuantity": {"value": 70, "unit": "kg"}}],
        [{"resourceType": "Condition", "id": "c1", "subject": SUBJECT, "onsetDateTime": day, "recordedDate": day,
          "abatementDateTime": day, "code": {"coding": [{"system": SCT, "code": "5913000"}]}}],
        [{"resourceType": "Condition", "id": "c2", "subject": SUBJECT, "onsetAge": {"value": 1e308, "unit": "a"},
          "code": {"coding": [{"system": SCT, "code": "5913000"}]}}],
        [{"resourceType": "FamilyMemberHistory", "id": "f1", "status": "completed", "patient": SUBJECT, "date": day,
          "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"}]},
          "condition": [{"code": {"coding": [{"system": SCT, "code": "5913000"}]}}]}],
        [{"resourceType": "AllergyIntolerance", "id": "i1", "patient": SUBJECT, "recordedDate": day, "onsetDateTime": day,
          "code": ALENDRONATE}],
    ]


@pytest.mark.parametrize("day", [MAX, MIN])
@pytest.mark.parametrize("case", range(len(_records_with(MAX))))
def test_a_date_at_the_calendars_end_never_crashes(day, case):
    facts = _facts(*_records_with(day)[case])
    assert facts.today == TODAY


@pytest.mark.parametrize("birth", [MAX, MIN])
def test_a_birth_or_death_date_at_the_calendars_end_never_crashes(birth):
    facts = _facts(patient={**PATIENT, "birthDate": birth, "deceasedDateTime": birth})
    assert facts.age is None and facts.birth_date is None


def test_an_open_end_written_as_9999_12_31_is_an_ongoing_course():
    (episode,) = _facts(*_records_with(MAX)[0]).therapies
    assert (episode.agent, episode.start, episode.end) == (Agent.ALENDRONIC_ACID, date(2020, 1, 1), None)


@pytest.mark.parametrize(("value", "code"), [
    (-1e308, "implausible-value"), (-50, "implausible-value"), (11, "implausible-value"),
    (float("inf"), "invalid-resource"),  # what a JSON parser makes of 1e400: not a FHIR decimal
])
def test_an_impossible_t_score_is_a_dxa_gap_never_a_fact(value, code):
    t = {"resourceType": "Observation", "id": "t", "status": "final", "subject": SUBJECT, "effectiveDateTime": "2026-06-01",
         "code": {"coding": [{"system": LOINC, "code": "38267-1"}]}, "valueQuantity": {"value": value, "unit": "{T-score}"}}
    facts = _facts(t)
    assert facts.dxa == ()
    (gap,) = [g for g in facts.gaps if g.reference == "Observation/t"]
    assert (gap.code, gap.decision) == (code, Decision.DXA)


@pytest.mark.parametrize("mg", [-7.5, 0, 1e9])
def test_an_impossible_glucocorticoid_dose_is_a_gap_never_a_low_or_high_dose(mg):
    order = _statement("g", {"start": "2026-01-01"}, PREDNISONE,
                       dosage=[{**DAILY_20, "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg"}}]}])
    facts = _facts(order)
    assert [e.prednisone_mg_per_day for e in facts.glucocorticoids] == [None]
    assert any(g.code == "implausible-value" and g.decision is Decision.GLUCOCORTICOID for g in facts.gaps)


@pytest.mark.parametrize(("code", "value", "unit"), [
    ("29463-7", 7000, "kg"), ("8302-2", -170, "cm"), ("39156-5", 900, "kg/m2"), ("90265-0", 140, "%"),
    ("62292-8", -3, "ng/mL"), ("17861-6", 95, "mg/dL"), ("75856-5", 4000, "/a"),
])
def test_an_impossible_measurement_is_a_gap_not_a_fact(code, value, unit):
    obs = {"resourceType": "Observation", "id": "o", "status": "final", "subject": SUBJECT, "effectiveDateTime": "2026-06-01",
           "code": {"coding": [{"system": LOINC, "code": code}]}, "valueQuantity": {"value": value, "unit": unit}}
    facts = _facts(obs)
    measured = [facts.weight, facts.height, facts.bmi, facts.frax_major, facts.vitamin_d, facts.falls_12_months, *dict(facts.labs).values()]
    assert all(m is None for m in measured)
    assert [g.code for g in facts.gaps if g.reference == "Observation/o"] == ["implausible-value"]


def test_a_unit_slip_repeated_in_every_result_is_named_once_and_an_older_plausible_value_is_used():
    def weight(rid: str, day: str, kg: float) -> dict:
        return {"resourceType": "Observation", "id": rid, "status": "final", "subject": SUBJECT, "effectiveDateTime": day,
                "code": {"coding": [{"system": LOINC, "code": "29463-7"}]}, "valueQuantity": {"value": kg, "unit": "kg"}}

    facts = _facts(weight("w3", "2026-06-01", 70000), weight("w2", "2026-03-01", 69000), weight("w1", "2025-01-01", 68))
    assert (facts.weight.value, facts.weight.source.resource_id) == (68.0, "w1")
    assert [g.reference for g in facts.gaps if g.code == "implausible-value"] == ["Observation/w3"]


def test_every_numeric_fact_has_a_plausible_range_in_the_unit_it_is_kept_in():
    kept = {(c.get("concept"), c.get("unit")) for vs in valuesets().values() if "Observation" in vs.resource_types
            for c in vs.codes if c.get("concept") and c.get("unit")}
    kept |= {("t-score", "1"), ("z-score", "1"), ("bmd", "g/cm2"), ("prednisone-mg-per-day", "mg/d"), ("age", "a")}
    assert [k for k in sorted(kept) if bounds(*k) is None] == []


def test_a_birth_date_of_year_one_gives_no_age_so_no_recommendation_rests_on_it():
    facts = _facts(patient={**PATIENT, "birthDate": MIN})
    assert (facts.birth_date, facts.age) == (None, None)
    assert any(g.code == "implausible-value" and g.reference == "Patient/p1" for g in facts.gaps)


def test_a_record_dated_before_the_birth_date_is_a_gap_not_a_fact():
    facts = _facts(_statement("s1", {"start": "1900-01-01"}))
    assert facts.therapies == ()
    assert any(g.code == "implausible-value" and g.decision is Decision.OSTEOPOROSIS_DRUG for g in facts.gaps)


def _deep(depth: int, leaf: object) -> object:
    nested = leaf
    for _ in range(depth):
        nested = [nested]
    return nested


def test_lists_and_bundles_nested_a_thousand_deep_are_walked_without_recursion():
    bundle = {"resourceType": "Bundle", "entry": [{"fullUrl": "urn:uuid:p", "resource": _deep(3000, PATIENT)}]}
    for _ in range(1500):
        bundle = {"resourceType": "Bundle", "entry": [{"resource": bundle}]}
    assert [r["id"] for _, r in iter_entries(bundle)] == ["p1"]
    assert _facts(bundle).patient_id == "p1"


def test_a_value_nested_a_thousand_deep_inside_a_record_is_an_invalid_resource():
    patient = {**PATIENT, "deceasedBoolean": _deep(3000, True)}
    t = {"resourceType": "Observation", "id": "t", "status": "final", "subject": SUBJECT, "effectiveDateTime": "2026-06-01",
         "code": {"coding": [{"system": LOINC, "code": "38267-1"}]}, "valueQuantity": {"value": -2.0, "unit": _deep(3000, "x")}}
    facts = _facts(t, patient=patient)
    assert facts.dxa == ()
    assert {g.reference for g in facts.gaps if g.code == "invalid-resource"} == {"Patient/p1", "Observation/t"}


URL = "/cds-services/osteoporosis-rcop-patient-view"


def test_an_open_end_of_9999_12_31_through_the_endpoint_is_an_answer_not_a_500(client, cds_request):
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for r in (PATIENT, *_records_with(MAX)[0], *_records_with(MAX)[6])]}
    resp = client.post(URL, json=cds_request(bundle))
    assert resp.status_code == 200 and isinstance(resp.get_json()["cards"], list)


def test_a_prefetch_entry_nested_a_thousand_deep_is_an_answer_not_a_500(client, cds_request):
    request = cds_request({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": PATIENT}]})
    request["prefetch"]["observations"]["entry"].append({"resource": "DEEP"})
    deep = "[" * 1000 + json.dumps({"resourceType": "Basic", "id": "b"}) + "]" * 1000  # too deep for json.dumps
    resp = client.post(URL, data=json.dumps(request).replace('"DEEP"', deep), content_type="application/json")
    assert resp.status_code == 200 and resp.get_json() == {"cards": []}

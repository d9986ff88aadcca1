"""Glucocorticoid dose reading: malformed Medications, dose units, timing codes and moments, counts, tapers."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings import build_facts
from fhir_mappings.facts import DataGap

TODAY = date(2026, 11, 22)
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-06-15"}
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"


def _order(rid: str, code: str, *dosages: dict, **extra) -> dict:
    return {
        "resourceType": "MedicationRequest", "id": rid, "status": "active", "intent": "order",
        "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-06-01",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]},
        "dosageInstruction": list(dosages), **extra,
    }


def _dosage(value: float, unit: dict, timing: dict | None = None) -> dict:
    return {
        "timing": timing if timing is not None else {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {"value": value, **unit}}],
    }


DAILY = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}


def _episode(*resources: dict, today: date = TODAY):
    facts = build_facts([PATIENT, *resources], today=today)
    return facts, {e.source.resource_id: e for e in facts.glucocorticoids}


def _with_medication(ingredient: object) -> tuple[dict, dict]:
    medication = {
        "resourceType": "Medication", "id": "pred-med",
        "code": {"coding": [{"system": "http://www.whocc.no/atc", "code": "H02AB06", "display": "prednisolone"}]},
        "ingredient": ingredient,
    }
    order = _order("pred-ref", "x", _dosage(2, {"unit": "tablet"}))
    del order["medicationCodeableConcept"]
    order["medicationReference"] = {"reference": "Medication/pred-med"}
    return medication, order


@pytest.mark.parametrize(
    "ingredient",
    [
        {"x": 1},
        ["prednisolone"],
        [{"itemCodeableConcept": {"text": "prednisolone"}, "strength": "5 mg"}],
        [{"itemCodeableConcept": {"text": "prednisolone"}, "strength": {"numerator": {"value": 5, "unit": "mg"}, "denominator": "x"}}],
    ],
)
def test_malformed_medication_is_an_invalid_resource_gap_not_a_crash(ingredient):
    facts, episodes = _episode(*_with_medication(ingredient))
    assert "pred-ref" not in episodes
    assert any(g.code == "invalid-resource" and g.reference == "Medication/pred-med" for g in facts.gaps)


def test_valid_medication_ingredient_strength_gives_the_dose():
    ingredient = [{
        "itemCodeableConcept": {"text": "prednisolone"},
        "strength": {"numerator": {"value": 5, "system": UCUM, "code": "mg"}, "denominator": {"value": 1, "unit": "tablet"}},
    }]
    _, episodes = _episode(*_with_medication(ingredient))
    assert episodes["pred-ref"].prednisone_mg_per_day == 10.0


def test_duplicate_medication_ids_are_a_gap_whatever_the_order():
    medication, order = _with_medication([])
    other = {**medication, "code": {"coding": [{"system": "http://www.whocc.no/atc", "code": "H02AB02"}]}}
    for record in ([medication, other, order], [other, medication, order]):
        facts, episodes = _episode(*record)
        assert "pred-ref" not in episodes
        assert DataGap(
            "invalid-resource", "several different Medication resources with this id", "Medication/pred-med"
        ) in facts.gaps


@pytest.mark.parametrize(
    ("code", "unit", "mg_per_day"),
    [
        ("312617", {"unit": "MG"}, 5.0),  # prednisone 5 mg tab, 5 "MG" is 5 mg, not 5 tablets
        ("312617", {"unit": "milligram"}, 5.0),
        ("312617", {"unit": "{tbl}", "system": UCUM, "code": "{tbl}"}, 25.0),
        ("312617", {"unit": "tablet"}, 25.0),
        ("312617", {}, 25.0),
        ("197582", {"unit": "mcg"}, 5.0),  # dexamethasone 750 micrograms = 0.75 mg x 6.67
        ("197582", {"unit": "\u00b5g"}, 5.0),
    ],
)
def test_dose_units_mass_spellings_and_counts(code, unit, mg_per_day):
    value = 750 if code == "197582" else 5
    _, episodes = _episode(_order("gc", code, _dosage(value, unit)))
    assert episodes["gc"].prednisone_mg_per_day == pytest.approx(mg_per_day, abs=0.01)


def test_an_unknown_dose_unit_is_a_gap_never_multiplied_by_the_strength():
    facts, episodes = _episode(_order("gc", "312617", _dosage(5, {"unit": "spoonful"})))
    assert episodes["gc"].prednisone_mg_per_day is None
    assert any(g.code == "unknown-unit" and g.reference == "MedicationRequest/gc" for g in facts.gaps)


BID = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "code": "BID"}]}


@pytest.mark.parametrize(
    "timing",
    [
        {"code": BID, "repeat": {"boundsPeriod": {"start": "2026-06-01"}}},
        {"repeat": {"when": ["MORN", "EVE"]}},
        {"repeat": {"timeOfDay": ["08:00:00", "20:00:00"]}},
    ],
)
def test_twice_a_day_from_timing_code_when_or_time_of_day(timing):
    _, episodes = _episode(_order("gc", "8640", _dosage(10, {"unit": "mg", "system": UCUM, "code": "mg"}, timing)))
    assert episodes["gc"].prednisone_mg_per_day == 20.0


def test_a_single_counted_dose_is_not_an_ongoing_daily_course():
    timing = {"repeat": {"count": 1}}
    _, episodes = _episode(_order("gc", "8640", _dosage(40, {"unit": "mg"}, timing)))
    episode = episodes["gc"]
    assert (episode.start, episode.end, episode.planned_days) == (date(2026, 6, 1), date(2026, 6, 1), 1)


def _step(mg: float, start: str, end: str) -> dict:
    timing = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d", "boundsPeriod": {"start": start, "end": end}}}
    return _dosage(mg, {"unit": "mg", "system": UCUM, "code": "mg"}, timing)


TAPER = (_step(40, "2026-06-01", "2026-06-07"), _step(30, "2026-06-08", "2026-06-14"), _step(20, "2026-06-15", "2026-06-21"))


@pytest.mark.parametrize(
    ("today", "mg"),
    [(date(2026, 6, 10), 30.0), (date(2026, 6, 15), 20.0), (date(2026, 6, 1), 40.0), (date(2026, 9, 1), 20.0)],
)
def test_a_taper_by_bounds_periods_is_read_at_the_step_in_effect_not_the_highest(today, mg):
    facts, episodes = _episode(_order("taper", "8640", *TAPER), today=today)
    assert episodes["taper"].prednisone_mg_per_day == mg  # a finished taper: its last step
    assert "dose-highest-step" not in [a.code for a in facts.assumptions]


def test_a_taper_not_begun_is_read_at_its_first_step():
    later = tuple(_step(mg, start, end) for mg, start, end in (
        (40, "2026-07-01", "2026-07-07"), (30, "2026-07-08", "2026-07-14"), (20, "2026-07-15", "2026-07-21")))
    _, episodes = _episode(_order("taper", "8640", *later), today=date(2026, 6, 20))
    assert episodes["taper"].prednisone_mg_per_day == 40.0


def _sequenced(mg: float, sequence: int, weeks: int) -> dict:
    timing = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                         "boundsDuration": {"value": weeks, "unit": "wk", "system": UCUM, "code": "wk"}}}
    return {**_dosage(mg, {"unit": "mg", "system": UCUM, "code": "mg"}, timing), "sequence": sequence}


def test_a_taper_by_sequence_and_durations_counts_its_steps_from_the_start():
    order = _order("taper", "8640", _sequenced(10, 3, 4), _sequenced(20, 1, 2), _sequenced(15, 2, 2))  # starts 2026-06-01
    _, episodes = _episode(order, today=date(2026, 6, 20))  # day 20: the second step (15 mg, days 15-28)
    assert episodes["taper"].prednisone_mg_per_day == 15.0


def test_a_taper_whose_steps_cannot_be_dated_is_read_at_its_highest_step_with_an_assumption():
    order = _order("taper", "8640", {**_dosage(10, {"unit": "mg"}, DAILY), "sequence": 1},
                   {**_dosage(25, {"unit": "mg"}, DAILY), "sequence": 2})
    facts, episodes = _episode(order)
    assert episodes["taper"].prednisone_mg_per_day == 25.0
    assert ("dose-highest-step", (("reference", "MedicationRequest/taper"), ("steps", 2))) in [
        (a.code, a.params) for a in facts.assumptions
    ]


def test_two_dosages_of_one_period_are_summed():
    order = _order("split", "8640", _step(10, "2026-06-01", "2026-12-31"), _step(5, "2026-06-01", "2026-12-31"))
    assert _episode(order)[1]["split"].prednisone_mg_per_day == 15.0


def test_a_contained_medication_without_a_resource_type_makes_the_order_an_invalid_resource():
    order = _order("gc", "x", _dosage(1, {"unit": "tablet"}))
    del order["medicationCodeableConcept"]
    order["contained"] = [{"resourceType": {"x": 1}, "id": "m", "code": {"coding": [{"system": "http://www.whocc.no/atc", "code": "H02AB06"}]}}]
    order["medicationReference"] = {"reference": "#m"}
    facts, episodes = _episode(order)
    assert episodes == {}
    assert any(g.code == "invalid-resource" and g.reference == "MedicationRequest/gc" for g in facts.gaps)

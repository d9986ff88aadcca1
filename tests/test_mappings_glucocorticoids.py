"""Glucocorticoid exposure in prednisone equivalents: each record's dose x timing, duration, class and route,
data gaps; and records of one course joined, its dose read from the record in effect today."""

from __future__ import annotations

from datetime import date

from fhir_mappings import build_facts
from fhir_mappings.facts import DataGap, Decision
from tests.test_mappings_helpers import TODAY, by_id, facts_of, resources

FACTS = facts_of("glucocorticoids")
RECORDS = resources("glucocorticoids")
PATIENT = by_id(RECORDS, "pat-1")


def alone(rid: str):
    """The facts of one record of the fixture, read without the others (no course to join)."""
    facts = build_facts([PATIENT, by_id(RECORDS, rid)], today=TODAY)
    return facts, {e.source.resource_id: e for e in facts.glucocorticoids}


def test_five_mg_twice_daily_is_ten_mg_a_day_with_the_planned_supply():
    e = alone("pred-bid")[1]["pred-bid"]
    assert (e.substance, e.prednisone_mg_per_day, e.end, e.planned_days) == ("prednisone", 10.0, None, 120)


def test_ten_mg_every_two_days_is_five_mg_a_day():
    assert alone("pred-alt")[1]["pred-alt"].prednisone_mg_per_day == 5.0


def test_tablets_of_a_known_strength_convert_via_the_equivalence_table():
    e = alone("mp-tabs")[1]["mp-tabs"]
    assert (e.substance, e.prednisone_mg_per_day, e.source.recorded) == ("methylprednisolone", 10.0, "8.0 mg/d methylprednisolone")


def test_statement_period_timing_code_and_micrograms():
    e = alone("dexa-stmt")[1]["dexa-stmt"]
    assert (e.start, e.end, e.prednisone_mg_per_day) == (date(2022, 6, 1), date(2022, 9, 30), 10.0)


def test_a_local_route_excludes_an_ingredient_code_and_a_local_drug_class_excludes_whatever_the_route():
    inhaled, _ = alone("pred-inhaled")
    assert inhaled.glucocorticoids == ()
    assert DataGap("non-systemic-glucocorticoid", "route: Respiratory tract route", "MedicationRequest/pred-inhaled") in inhaled.gaps
    budesonide, _ = alone("budesonide")
    assert budesonide.glucocorticoids == ()
    assert any(g.code == "non-systemic-glucocorticoid" and g.reference == "MedicationRequest/budesonide" for g in budesonide.gaps)


def test_order_without_a_dose_is_kept_with_unknown_dose_and_a_gap_about_the_glucocorticoid():
    facts, episodes = alone("pred-nodose")
    assert episodes["pred-nodose"].prednisone_mg_per_day is None
    assert DataGap(
        "no-dose", "dose missing or in a unit without strength", "MedicationRequest/pred-nodose", Decision.GLUCOCORTICOID
    ) in facts.gaps


def test_draft_order_shows_its_plan_and_is_marked_draft_and_never_joins_a_course():
    drafts = [e for e in FACTS.glucocorticoids if e.draft]
    assert [(e.source.resource_id, e.prednisone_mg_per_day, e.planned_days) for e in drafts] == [("pred-draft", 20.0, 183)]


def test_records_of_one_course_are_joined_and_the_dose_is_that_of_the_records_in_effect_today():
    """pred-bid (prednisone from 2024-01-15), mp-tabs (methylprednisolone from 2024-03) and pred-nodose (a new
    prednisone order of 2024-04 without a dose) are one course; today's prednisone dose is unreadable, so the
    course's dose is unknown, never the older order's 10 mg."""
    (course,) = [e for e in FACTS.glucocorticoids if not e.draft and e.start == date(2024, 1, 15)]
    assert [s.resource_id for s in course.sources] == ["mp-tabs", "pred-bid", "pred-nodose"]
    assert (course.substance, course.prednisone_mg_per_day, course.end) == ("methylprednisolone + prednisone", None, None)
    assert course.source.resource_id == "pred-nodose"


def test_long_high_dose_course_scores_four_cbo_points():
    assert ("glucocorticoids", 4) in [(factor, points) for factor, points, _ in FACTS.risk_score.components]

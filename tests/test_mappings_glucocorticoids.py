"""Glucocorticoid exposure in prednisone equivalents: dose x timing, duration, routes, data gaps."""

from __future__ import annotations

from datetime import date

from fhir_mappings.facts import DataGap
from tests.test_mappings_helpers import facts_of

FACTS = facts_of("glucocorticoids")
BY_ID = {e.source.resource_id: e for e in FACTS.glucocorticoids}


def test_five_mg_twice_daily_is_ten_mg_a_day_with_the_planned_supply():
    e = BY_ID["pred-bid"]
    assert (e.substance, e.prednisone_mg_per_day, e.end, e.planned_days) == ("prednisone", 10.0, None, 120)


def test_ten_mg_every_two_days_is_five_mg_a_day():
    assert BY_ID["pred-alt"].prednisone_mg_per_day == 5.0


def test_tablets_of_a_known_strength_convert_via_the_equivalence_table():
    e = BY_ID["mp-tabs"]
    assert (e.substance, e.prednisone_mg_per_day, e.source.recorded) == ("methylprednisolone", 10.0, "8.0 mg/d methylprednisolone")


def test_statement_period_timing_code_and_micrograms():
    e = BY_ID["dexa-stmt"]
    assert (e.start, e.end, e.prednisone_mg_per_day) == (date(2022, 6, 1), date(2022, 9, 30), 10.0)


def test_non_systemic_routes_and_budesonide_are_left_out_with_a_reason():
    assert "pred-inhaled" not in BY_ID and "budesonide" not in BY_ID
    assert DataGap("non-systemic-glucocorticoid", "route: Respiratory tract route", "MedicationRequest/pred-inhaled") in FACTS.gaps
    assert any(g.code == "non-systemic-glucocorticoid" and g.reference == "MedicationRequest/budesonide" for g in FACTS.gaps)


def test_order_without_a_dose_is_kept_with_unknown_dose_and_a_gap():
    assert BY_ID["pred-nodose"].prednisone_mg_per_day is None
    assert any(g.code == "no-dose" and g.reference == "MedicationRequest/pred-nodose" for g in FACTS.gaps)


def test_draft_order_shows_its_plan_and_is_marked_draft():
    e = BY_ID["pred-draft"]
    assert (e.draft, e.prednisone_mg_per_day, e.planned_days) == (True, 20.0, 183)
    assert not BY_ID["pred-bid"].draft


def test_long_high_dose_course_scores_four_cbo_points():
    assert ("glucocorticoids", 4) in [(factor, points) for factor, points, _ in FACTS.risk_score.components]

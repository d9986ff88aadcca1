"""RCOP chart 3 (on a bisphosphonate: the 5/3-year evaluation, the switch box, drug holiday, after anabolics)."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings.facts import Agent, FractureSite
from pathways import evaluate
from pathways.recommendation import Topic
from tests.rcop_helpers import chart, check, coded, dxa, episode, fracture, make, vf

ALN, ZOL = Agent.ALENDRONIC_ACID, Agent.ZOLEDRONIC_ACID
ZOL_3 = episode(ZOL, date(2023, 11, 1), doses=(date(2023, 11, 1), date(2024, 11, 1), date(2025, 11, 1)))  # cycle complete 2026-11-01
NEW_WRIST = fracture(FractureSite.WRIST, date(2026, 5, 1))


def run(*therapies, **kw):
    return evaluate("rcop-2023", make(72, therapies=therapies, **kw))


CASES = [
    ("BP-1 oral 5 years", (episode(ALN, date(2021, 11, 22)),), dict(), Topic.TREATMENT_EVALUATION_DUE, "info", None, "RCOP-BP-1"),
    ("BP-1 lab", (episode(ALN, date(2021, 1, 1)),), dict(), Topic.ORDER_LAB, "info", None, "RCOP-BP-1"),
    ("BP-1 DXA", (episode(ALN, date(2021, 1, 1)),), dict(), Topic.ORDER_DXA_VFA, "info", None, "RCOP-BP-1"),
    ("BP-1 zoledronic 3 infusions", (ZOL_3,), dict(), Topic.TREATMENT_EVALUATION_DUE, "info", None, "RCOP-BP-1"),
    ("BP-2 tablet side effects", (episode(ALN, date(2024, 1, 1)),), dict(intolerances=(coded("alendronic-acid"),)), Topic.SWITCH_THERAPY, "warning", "zoledronic-acid", "RCOP-BP-2"),
    ("BP-3 failure on tablets", (episode(ALN, date(2023, 1, 1)),), dict(fractures=(NEW_WRIST,)), Topic.SWITCH_THERAPY, "warning", None, "RCOP-BP-3"),
    ("BP-3 bone loss on tablets", (episode(ALN, date(2023, 1, 1)),), dict(dxa=(dxa(-2.0, bmd_change=-5.1),)), Topic.SWITCH_THERAPY, "warning", None, "RCOP-BP-3"),
    ("BP-4 failure on zoledronic", (ZOL_3,), dict(fractures=(NEW_WRIST,)), Topic.SWITCH_THERAPY, "warning", None, "RCOP-BP-4"),
    ("BP-4 anabolic", (ZOL_3,), dict(fractures=(vf(3, date(2026, 5, 1)),), dxa=(dxa(-2.0, -1.5),)), Topic.REFER_ANABOLIC, "warning", None, "RCOP-BP-4"),
    ("BP-5 stop", (episode(ALN, date(2021, 1, 1)),), dict(dxa=(dxa(-2.4, when=date(2026, 6, 1)),)), Topic.DRUG_HOLIDAY, "info", None, "RCOP-BP-5"),
    ("BP-5 follow-up past due", (episode(ALN, date(2016, 1, 1), date(2021, 6, 1)),), dict(), Topic.FOLLOW_UP_DUE, "warning", None, "RCOP-BP-5"),
    ("BP-5 holiday continues", (episode(ALN, date(2020, 1, 1), date(2025, 6, 1)),), dict(), Topic.DRUG_HOLIDAY, "info", None, "RCOP-BP-5"),
    ("BP-6 restart T", (episode(ALN, date(2016, 1, 1), date(2021, 6, 1)),), dict(dxa=(dxa(-2.5, when=date(2026, 1, 1)),)), Topic.RESTART_THERAPY, "warning", "alendronic-acid", "RCOP-BP-6"),
    ("BP-6 restart fracture", (episode(ALN, date(2016, 1, 1), date(2021, 6, 1)),), dict(fractures=(NEW_WRIST,)), Topic.RESTART_THERAPY, "warning", "alendronic-acid", "RCOP-BP-6"),
    ("BP-7 continue T", (episode(ALN, date(2021, 1, 1)),), dict(dxa=(dxa(-2.5, when=date(2026, 6, 1)),)), Topic.CONTINUE_THERAPY, "info", None, "RCOP-BP-7"),
    ("BP-7 continue prevalent VF", (episode(ALN, date(2021, 1, 1)),), dict(dxa=(dxa(-2.0),), fractures=(vf(2, date(2019, 1, 1)),)), Topic.CONTINUE_THERAPY, "info", None, "RCOP-BP-7"),
    ("BP-8 two cycles", (episode(ALN, date(2016, 1, 1)),), dict(dxa=(dxa(-2.6),)), Topic.REFER_SECONDARY_CARE, "info", None, "RCOP-BP-8"),
    ("BP-9 after teriparatide", (episode(Agent.TERIPARATIDE, date(2024, 1, 1), date(2026, 1, 1)),), dict(), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-BP-9"),
    ("BP-9 romosozumab year over", (episode(Agent.ROMOSOZUMAB, date(2025, 11, 1)),), dict(), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-BP-9"),
]


@pytest.mark.parametrize(("case", "therapies", "kw", "topic", "indicator", "drug", "node"), CASES, ids=[c[0] for c in CASES])
def test_node_outcome(case, therapies, kw, topic, indicator, drug, node):
    check(run(*therapies, **kw), topic, indicator, drug, node)


@pytest.mark.parametrize(
    "therapies",
    [
        (episode(ALN, date(2021, 11, 23)),),  # a day short of 5 years
        (episode(ZOL, date(2024, 12, 1), doses=(date(2024, 12, 1), date(2025, 12, 1))),),  # 2 infusions
        (episode(ALN, date(2023, 1, 1)), episode(Agent.DENOSUMAB, date(2020, 1, 1), date(2022, 6, 1), last=date(2022, 1, 1))),
    ],
    ids=["oral-4y364d", "zoledronic-2-infusions", "oral-after-denosumab-3y"],
)
def test_no_evaluation_before_5_or_3_years(therapies):
    assert not any(n.startswith("RCOP-BP") for r in run(*therapies) for n in r.nodes)


def test_fracture_in_first_12_months_is_not_failure():
    recs = run(episode(ALN, date(2026, 1, 1)), fractures=(fracture(FractureSite.WRIST, date(2026, 6, 1)),))
    assert not any(r.topic is Topic.SWITCH_THERAPY for r in recs)


def test_switch_never_suggests_the_current_drug():
    rec = check(run(episode(ALN, date(2023, 1, 1)), episode(ZOL, date(2025, 1, 1), doses=(date(2025, 1, 1),)), fractures=(NEW_WRIST,)),
                Topic.SWITCH_THERAPY, "warning", None, "RCOP-BP-4")
    assert "zoledronic-acid" not in [s.key for s in rec.suggestions]


def test_anabolic_followed_by_antiresorptive_is_quiet():
    recs = run(episode(Agent.TERIPARATIDE, date(2024, 1, 1), date(2026, 1, 1)), episode(ALN, date(2026, 1, 15)))
    assert recs == []


def test_holiday_follow_up_interval_is_three_years_after_zoledronic_acid():
    zol = episode(ZOL, date(2020, 1, 1), date(2024, 1, 1), doses=(date(2020, 1, 1), date(2021, 1, 1), date(2022, 1, 1)))
    rec = check(run(zol), Topic.DRUG_HOLIDAY, "info", None, "RCOP-BP-5")
    assert dict(rec.reasons[0].params)["until"] == date(2027, 1, 1)


def bp_nodes(recs) -> set[str]:
    return {n for r in recs for n in r.nodes if n.startswith("RCOP-BP")}


def zoledronic(*years: int, month: int = 11, day: int = 22):
    doses = tuple(date(y, month, day) for y in years)
    return episode(ZOL, doses[0], doses=doses)


# Fix 8 — "Zoledroninezuur 3 jaar": the cycle is complete a year after the 3rd infusion, not on its day.


def test_zoledronic_third_infusion_three_weeks_ago_is_not_yet_evaluated():
    recs = run(zoledronic(2024, 2025, 2026, month=11, day=1), dxa=(dxa(-2.0, when=date(2026, 11, 10)),))
    assert bp_nodes(recs) == set()
    assert not {Topic.TREATMENT_EVALUATION_DUE, Topic.DRUG_HOLIDAY, Topic.ORDER_DXA_VFA} & {r.topic for r in recs}


def test_zoledronic_cycle_complete_one_year_after_third_infusion():
    check(run(zoledronic(2023, 2024, 2025)), Topic.TREATMENT_EVALUATION_DUE, "info", None, "RCOP-BP-1")
    check(run(zoledronic(2023, 2024, 2025)), Topic.ORDER_DXA_VFA, "info", None, "RCOP-BP-1")


def test_zoledronic_cycle_a_day_short_of_one_year_after_third_infusion():
    assert bp_nodes(run(zoledronic(2023, 2024, 2025, day=23))) == set()


def test_zoledronic_two_cycles_complete_one_year_after_sixth_infusion_refer():
    recs = run(zoledronic(2020, 2021, 2022, 2023, 2024, 2025), dxa=(dxa(-2.6, when=date(2026, 11, 1)),))
    check(recs, Topic.REFER_SECONDARY_CARE, "info", None, "RCOP-BP-8")
    assert Topic.CONTINUE_THERAPY not in {r.topic for r in recs}


def test_zoledronic_sixth_infusion_under_a_year_ago_continues():
    recs = run(zoledronic(2020, 2021, 2022, 2023, 2024, 2025, day=23), dxa=(dxa(-2.6, when=date(2026, 11, 1)),))
    check(recs, Topic.CONTINUE_THERAPY, "info", None, "RCOP-BP-7")
    assert Topic.REFER_SECONDARY_CARE not in {r.topic for r in recs}


# Fix 10 — the evaluation is open only until a DXA counts for it; after a restart the count starts again.


def test_evaluation_done_at_year_5_leaves_only_the_decision():
    recs = run(episode(ALN, date(2019, 11, 22)), dxa=(dxa(-2.6, when=date(2024, 11, 22)),))
    check(recs, Topic.CONTINUE_THERAPY, "info", None, "RCOP-BP-7")
    assert not {Topic.TREATMENT_EVALUATION_DUE, Topic.ORDER_LAB, Topic.ORDER_DXA_VFA} & {r.topic for r in recs}


def test_evaluation_open_when_the_dxa_is_older_than_the_window():
    recs = run(episode(ALN, date(2019, 11, 22)), dxa=(dxa(-2.6, when=date(2024, 5, 21)),))
    check(recs, Topic.TREATMENT_EVALUATION_DUE, "warning", None, "RCOP-BP-1")
    check(recs, Topic.ORDER_LAB, "info", None, "RCOP-BP-1")
    check(recs, Topic.ORDER_DXA_VFA, "info", None, "RCOP-BP-1")
    assert Topic.CONTINUE_THERAPY not in {r.topic for r in recs}


def test_restart_after_holiday_six_months_ago_is_not_evaluated():
    recs = run(episode(ALN, date(2016, 1, 1), date(2021, 6, 1)), episode(ALN, date(2026, 6, 5)))
    assert bp_nodes(recs) == set()
    assert Topic.TREATMENT_EVALUATION_DUE not in {r.topic for r in recs}


def test_restart_evaluated_five_years_after_restart_second_cycle_refers():
    recs = run(episode(ALN, date(2011, 1, 1), date(2016, 6, 1)), episode(ALN, date(2021, 11, 22)))
    check(recs, Topic.TREATMENT_EVALUATION_DUE, "info", None, "RCOP-BP-1")
    check(recs, Topic.ORDER_DXA_VFA, "info", None, "RCOP-BP-1")
    check(recs, Topic.REFER_SECONDARY_CARE, "info", None, "RCOP-BP-8")


def test_restart_a_day_short_of_five_years_is_not_evaluated():
    assert bp_nodes(run(episode(ALN, date(2011, 1, 1), date(2016, 6, 1)), episode(ALN, date(2021, 11, 23)))) == set()


def test_break_of_three_months_after_a_cycle_is_a_restart():
    recs = run(episode(ALN, date(2019, 1, 1), date(2024, 3, 1)), episode(ALN, date(2024, 6, 1)))
    assert bp_nodes(recs) == set()


def test_break_under_three_months_continues_the_course():
    recs = run(episode(ALN, date(2019, 1, 1), date(2024, 3, 1)), episode(ALN, date(2024, 5, 31)))
    check(recs, Topic.TREATMENT_EVALUATION_DUE, "warning", None, "RCOP-BP-1")
    assert Topic.REFER_SECONDARY_CARE not in {r.topic for r in recs}


def test_break_after_a_completed_cycle_restarts_the_count():
    recs = run(episode(ALN, date(2016, 1, 1), date(2021, 1, 1)), episode(ALN, date(2022, 1, 1)))
    assert bp_nodes(recs) == set()


def test_break_before_the_first_cycle_was_complete_continues_the_count():
    recs = run(episode(ALN, date(2016, 1, 2), date(2021, 1, 1)), episode(ALN, date(2022, 1, 1)))
    check(recs, Topic.TREATMENT_EVALUATION_DUE, "warning", None, "RCOP-BP-1")


def test_fracture_before_the_restart_is_not_new_at_its_evaluation():
    recs = run(
        episode(ALN, date(2011, 1, 1), date(2016, 6, 1)),
        episode(ALN, date(2021, 6, 1)),
        fractures=(fracture(FractureSite.WRIST, date(2021, 5, 1)),),
        dxa=(dxa(-2.4, when=date(2026, 7, 1)),),
    )
    check(recs, Topic.DRUG_HOLIDAY, "info", None, "RCOP-BP-5")


def test_fracture_after_the_restart_is_new_at_its_evaluation():
    recs = run(
        episode(ALN, date(2011, 1, 1), date(2016, 6, 1)),
        episode(ALN, date(2021, 6, 1)),
        fractures=(fracture(FractureSite.WRIST, date(2021, 6, 1)),),
        dxa=(dxa(-2.4, when=date(2026, 7, 1)),),
    )
    check(recs, Topic.REFER_SECONDARY_CARE, "info", None, "RCOP-BP-8")
    assert Topic.DRUG_HOLIDAY not in {r.topic for r in recs}


def test_switch_after_the_evaluation_dxa_is_the_decision():
    """Therapy failure: the chart's switch (RCOP-BP-3, a card of its own) after re-evaluating (NET-FAILURE, which adds
    no second switch of its own), never "continue"."""
    recs = run(episode(ALN, date(2021, 1, 1)), fractures=(NEW_WRIST,), dxa=(dxa(-2.6, when=date(2026, 6, 1)),))
    switch = check(recs, Topic.SWITCH_THERAPY, "warning", None, "RCOP-BP-3")
    assert switch.alert and switch.options and "NET-FAILURE" not in switch.nodes
    assert [s.key for s in switch.suggestions] == ["zoledronic-acid", "denosumab"]
    assert all(s.checks[0].message == "after-evaluation" for s in switch.suggestions)
    check(recs, Topic.TREATMENT_EVALUATION_DUE, "warning", None, "NET-FAILURE")
    assert not {Topic.ORDER_DXA_VFA, Topic.CONTINUE_THERAPY} & {r.topic for r in recs}


def test_switch_while_the_evaluation_is_open_comes_with_it():
    recs = run(episode(ALN, date(2021, 1, 1)), fractures=(NEW_WRIST,))
    check(recs, Topic.SWITCH_THERAPY, "warning", None, "RCOP-BP-3")
    evaluation = check(recs, Topic.TREATMENT_EVALUATION_DUE, "warning", None, "RCOP-BP-1")
    assert "NET-FAILURE" in evaluation.nodes


def test_tablet_side_effects_offer_the_parenteral_drugs_before_the_oral_solution():
    """RCOP-BP-2 "naar drank of parenteraal": the parenteral drugs first (upper-GI irritation is not helped by a
    solution), alendronic acid as an oral solution last and never preselected (before the gates)."""
    facts = make(72, therapies=(episode(ALN, date(2024, 1, 1)),), intolerances=(coded("alendronic-acid"),))
    rec = check(chart(facts), Topic.SWITCH_THERAPY, "warning", "zoledronic-acid", "RCOP-BP-2")
    assert rec.options
    assert [(s.key, s.variant, s.recommended) for s in rec.suggestions] == [
        ("zoledronic-acid", None, True), ("denosumab", None, False), ("alendronic-acid", "oral-solution", False)]


# Fix 11 — the second evaluation decides on a DXA that counts for the second cycle, else orders one.


def test_second_evaluation_with_only_a_stale_dxa_orders_dxa_with_the_referral():
    recs = run(episode(ALN, date(2016, 10, 1)), dxa=(dxa(-2.6, when=date(2021, 12, 1)),))
    check(recs, Topic.REFER_SECONDARY_CARE, "info", None, "RCOP-BP-8")
    check(recs, Topic.ORDER_DXA_VFA, "info", None, "RCOP-BP-1")
    check(recs, Topic.TREATMENT_EVALUATION_DUE, "warning", None, "RCOP-BP-1")


def test_second_evaluation_dxa_a_day_before_the_window_is_stale():
    recs = run(episode(ALN, date(2016, 10, 1)), dxa=(dxa(-2.6, when=date(2026, 3, 31)),))
    check(recs, Topic.REFER_SECONDARY_CARE, "info", None, "RCOP-BP-8")
    check(recs, Topic.ORDER_DXA_VFA, "info", None, "RCOP-BP-1")


def test_second_evaluation_dxa_at_the_window_start_decides_the_referral():
    recs = run(episode(ALN, date(2016, 10, 1)), dxa=(dxa(-2.6, when=date(2026, 4, 1)),))
    check(recs, Topic.REFER_SECONDARY_CARE, "info", None, "RCOP-BP-8")
    assert not {Topic.ORDER_DXA_VFA, Topic.TREATMENT_EVALUATION_DUE} & {r.topic for r in recs}


def test_second_evaluation_goal_reached_stops_instead_of_referring():
    recs = run(episode(ALN, date(2016, 10, 1)), dxa=(dxa(-2.4, when=date(2026, 10, 15)),))
    check(recs, Topic.DRUG_HOLIDAY, "info", None, "RCOP-BP-5")
    assert Topic.REFER_SECONDARY_CARE not in {r.topic for r in recs}


# Fix 12 — a DXA up to `evaluation_dxa_window_months` before the due date is the evaluation DXA.


def test_dxa_two_months_before_the_due_date_is_used_not_reordered():
    recs = run(episode(ALN, date(2021, 10, 1)), dxa=(dxa(-2.4, when=date(2026, 8, 1)),))
    check(recs, Topic.DRUG_HOLIDAY, "info", None, "RCOP-BP-5")
    assert not {Topic.ORDER_DXA_VFA, Topic.TREATMENT_EVALUATION_DUE} & {r.topic for r in recs}


def test_dxa_exactly_six_months_before_the_due_date_counts():
    recs = run(episode(ALN, date(2021, 10, 1)), dxa=(dxa(-2.6, when=date(2026, 4, 1)),))
    check(recs, Topic.CONTINUE_THERAPY, "info", None, "RCOP-BP-7")
    assert Topic.ORDER_DXA_VFA not in {r.topic for r in recs}


def test_dxa_a_day_over_six_months_before_the_due_date_does_not_count():
    recs = run(episode(ALN, date(2021, 10, 1)), dxa=(dxa(-2.6, when=date(2026, 3, 31)),))
    check(recs, Topic.ORDER_DXA_VFA, "info", None, "RCOP-BP-1")
    check(recs, Topic.TREATMENT_EVALUATION_DUE, "warning", None, "RCOP-BP-1")
    assert Topic.CONTINUE_THERAPY not in {r.topic for r in recs}


@pytest.mark.parametrize(
    ("course", "gap"),
    [
        (episode(Agent.TERIPARATIDE, date(2024, 1, 1), date(2026, 1, 1)), (date(2026, 1, 1), 10)),  # ended 10 months 21 days ago
        (episode(Agent.ROMOSOZUMAB, date(2025, 10, 1), date(2026, 10, 23)), None),  # less than a month: no gap to name
        (episode(Agent.ROMOSOZUMAB, date(2025, 11, 1)), None),  # its year is over, still recorded as running
    ],
)
def test_bp_9_names_the_months_without_an_antiresorptive(course, gap):
    """W24 (review 2): after anabolic therapy that ended without a follow-up, the card says since when and for how many
    whole months no antiresorptive covered the patient; the start (alendronic acid, non-hip regimen) is the same."""
    rec = check(run(course), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-BP-9")
    why = next(r for r in rec.reasons if r.node == "RCOP-BP-9")
    if gap is None:
        assert why.message == "rcop.bp.9"
    else:
        assert why.message == "rcop.bp.9.gap" and (dict(why.params)["stopped"], dict(why.params)["months"]) == gap

"""RCOP chart 4 (on denosumab): evaluation at 3 years, the stop schedule and the overdue safety rule."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings.facts import Agent
from pathways import evaluate
from pathways.recommendation import Indicator, Topic
from tests.rcop_helpers import TODAY, by_topic, chart, check, coded, drug_keys, dxa, episode, make, topics

DMAB, ZOL, ALN, RLX = Agent.DENOSUMAB, Agent.ZOLEDRONIC_ACID, Agent.ALENDRONIC_ACID, Agent.RALOXIFENE


def run(*therapies, **kw):
    return evaluate("rcop-2023", make(68, therapies=therapies, **kw))


def dmab(start: date, last: date, end: date | None = None):
    return episode(DMAB, start, end, last=last)


SWITCHED_LONG = (dmab(date(2020, 1, 1), date(2025, 1, 1), date(2025, 6, 1)), episode(ZOL, date(2025, 3, 1), doses=(date(2025, 3, 1), date(2025, 9, 1))))
# RCOP-DMAB-5 with one zoledronic infusion only (the reviewer's case): "Herhaal altijd direct Zoledroninezuur".
ONE_INFUSION = (dmab(date(2020, 1, 1), date(2024, 12, 1), date(2025, 6, 1)), episode(ZOL, date(2025, 6, 1), date(2026, 6, 1), doses=(date(2025, 6, 1),)))
# ... and one given 6 months and 2 weeks ago: the repeat is due, the grace not over yet (warning).
RECENT_INFUSION = (dmab(date(2020, 1, 1), date(2025, 11, 1), date(2026, 5, 1)), episode(ZOL, date(2026, 5, 8), date(2027, 5, 8), doses=(date(2026, 5, 8),)))
# Alendronic acid after denosumab, stopped before the follow-up DXA+VFA: < 3 years (RCOP-DMAB-4) / >= 3 years (-5).
STOPPED_SHORT = (dmab(date(2024, 1, 1), date(2025, 6, 1), date(2025, 8, 1)), episode(ALN, date(2025, 11, 1), date(2026, 6, 1)))
STOPPED_LONG = (dmab(date(2020, 1, 1), date(2025, 6, 1), date(2025, 12, 1)), episode(ALN, date(2025, 12, 1), date(2026, 8, 1)))
# Alendronic acid ongoing since before the last injection (2025-06-01), denosumab stopped: a follow-up, not critical.
OVERLAPPING = (dmab(date(2023, 1, 1), date(2025, 6, 1), date(2025, 12, 1)), episode(ALN, date(2025, 5, 1)))
# Raloxifene after denosumab ("*3e en 4e keuze Risedronaat, Raloxifeen"): a follow-up drug too.
RALOXIFENE = (dmab(date(2023, 1, 1), date(2025, 6, 1), date(2025, 12, 1)), episode(RLX, date(2025, 7, 1)))

CASES = [
    ("DMAB-1 3 years, past due", (dmab(date(2023, 6, 1), date(2026, 9, 1)),), dict(), Topic.TREATMENT_EVALUATION_DUE, "warning", None, "RCOP-DMAB-1"),
    ("DMAB-1 3 years, due this month", (dmab(date(2023, 11, 1), date(2026, 9, 1)),), dict(), Topic.TREATMENT_EVALUATION_DUE, "info", None, "RCOP-DMAB-1"),
    ("DMAB-1 DXA", (dmab(date(2023, 6, 1), date(2026, 9, 1)),), dict(), Topic.ORDER_DXA_VFA, "info", None, "RCOP-DMAB-1"),
    ("DMAB-2 switch", (dmab(date(2023, 6, 1), date(2026, 9, 1)),), dict(dxa=(dxa(-2.4, when=date(2026, 8, 1)),)), Topic.DENOSUMAB_TRANSITION, "info", "zoledronic-acid", "RCOP-DMAB-2"),
    ("DMAB-3 continue", (dmab(date(2023, 6, 1), date(2026, 9, 1)),), dict(dxa=(dxa(-2.5, when=date(2026, 8, 1)),)), Topic.CONTINUE_THERAPY, "info", None, "RCOP-DMAB-3"),
    ("DMAB-3 10 years", (dmab(date(2016, 6, 1), date(2026, 9, 1)),), dict(dxa=(dxa(-2.6),)), Topic.REFER_SECONDARY_CARE, "info", None, "RCOP-DMAB-3"),
    ("DMAB-4 plan", (dmab(date(2024, 6, 1), date(2026, 9, 1), date(2026, 10, 1)),), dict(), Topic.DENOSUMAB_TRANSITION, "info", "zoledronic-acid", "RCOP-DMAB-4"),
    # overdue: the injection while denosumab is still the recorded therapy, the follow-up drug once it was stopped
    ("DMAB-4 overdue", (dmab(date(2025, 1, 1), date(2026, 3, 1)),), dict(), Topic.DENOSUMAB_TRANSITION, "critical", "denosumab", "RCOP-DMAB-4"),
    ("DMAB-4 overdue stopped", (dmab(date(2025, 1, 1), date(2026, 3, 1), date(2026, 4, 1)),), dict(), Topic.DENOSUMAB_TRANSITION, "critical", "zoledronic-acid", "RCOP-DMAB-4"),
    ("DMAB-4 follow-up 12 months", (dmab(date(2024, 1, 1), date(2025, 6, 1), date(2025, 8, 1)), episode(ALN, date(2025, 11, 1))), dict(), Topic.FOLLOW_UP_DUE, "info", None, "RCOP-DMAB-4"),
    ("DMAB-5 plan", (dmab(date(2020, 6, 1), date(2026, 9, 1), date(2026, 10, 1)),), dict(), Topic.DENOSUMAB_TRANSITION, "info", "zoledronic-acid", "RCOP-DMAB-5"),
    ("DMAB-5 overdue", (dmab(date(2021, 1, 1), date(2026, 3, 1)),), dict(), Topic.DENOSUMAB_TRANSITION, "critical", "denosumab", "RCOP-DMAB-5"),
    ("DMAB injection past due, within the grace", (dmab(date(2025, 1, 1), date(2026, 5, 1)),), dict(), Topic.FOLLOW_UP_DUE, "warning", "denosumab", "RCOP-DMAB"),
    ("DMAB-5 follow-up 18 months, past due", SWITCHED_LONG, dict(), Topic.FOLLOW_UP_DUE, "warning", None, "RCOP-DMAB-5"),
    ("DMAB-5 repeat zoledronic acid past the grace", ONE_INFUSION, dict(), Topic.FOLLOW_UP_DUE, "critical", "zoledronic-acid", "RCOP-DMAB-5"),
    ("DMAB-5 repeat zoledronic acid due", RECENT_INFUSION, dict(), Topic.FOLLOW_UP_DUE, "warning", "zoledronic-acid", "RCOP-DMAB-5"),
    ("DMAB-4 follow-up stopped early", STOPPED_SHORT, dict(), Topic.DENOSUMAB_TRANSITION, "critical", "zoledronic-acid", "RCOP-DMAB-4"),
    ("DMAB-5 follow-up stopped early", STOPPED_LONG, dict(), Topic.DENOSUMAB_TRANSITION, "critical", "zoledronic-acid", "RCOP-DMAB-5"),
    ("DMAB-4 follow-up past due", OVERLAPPING, dict(), Topic.FOLLOW_UP_DUE, "warning", None, "RCOP-DMAB-4"),
    ("DMAB-4 raloxifene follow-up past due", RALOXIFENE, dict(), Topic.FOLLOW_UP_DUE, "warning", None, "RCOP-DMAB-4"),
    ("DMAB-6 restart", SWITCHED_LONG, dict(dxa=(dxa(-2.6, when=date(2026, 9, 1)),)), Topic.RESTART_THERAPY, "warning", "denosumab", "RCOP-DMAB-6"),
]


@pytest.mark.parametrize(("case", "therapies", "kw", "topic", "indicator", "drug", "node"), CASES, ids=[c[0] for c in CASES])
def test_node_outcome(case, therapies, kw, topic, indicator, drug, node):
    check(run(*therapies, **kw), topic, indicator, drug, node)


@pytest.mark.parametrize(
    ("last", "critical"),
    [(date(2026, 4, 25), False), (date(2026, 4, 24), True)],  # 6 months + 4 weeks ends 2026-11-22 / -21
)
def test_overdue_boundary_is_six_months_plus_four_weeks(last, critical):
    recs = run(dmab(date(2025, 1, 1), last))
    assert any(r.indicator.value == "critical" for r in recs) is critical


def test_overdue_is_one_choice_the_injection_first_and_never_raloxifene():
    """"Give the injection or start the follow-up now": one choice (options), the injection recommended while
    denosumab is still the recorded therapy; the follow-up bisphosphonates (never raloxifene) dated today, zoledronic
    acid as one infusion without its planned repeat (RCOP-DMAB-5 gives that its own card later)."""
    facts = make(68, therapies=(dmab(date(2021, 1, 1), date(2026, 3, 1)),), dxa=(dxa(-2.0),))
    rec = evaluate("rcop-2023", facts)[0]
    assert rec.indicator.value == "critical" and rec.options
    assert [(s.key, s.recommended, s.variant, s.start) for s in rec.suggestions] == [
        ("denosumab", True, None, TODAY),
        ("zoledronic-acid", False, "after-denosumab", TODAY),
        ("alendronic-acid", False, None, TODAY),
        ("risedronic-acid", False, None, TODAY),
    ]


def _schedule(s):
    """A suggestion as (variant, start, intent), followed by the planned order that comes with it."""
    return [(x.variant, x.start, x.intent) for x in (s, s.then) if x is not None]


def test_planned_transition_is_dated_six_months_after_the_last_injection():
    """RCOP-DMAB-5: infusion 1 six months after the last injection; infusion 2 a planned order 6 months later that
    comes with it (one choice orders the schedule)."""
    recs = run(dmab(date(2020, 6, 1), date(2026, 9, 1), date(2026, 10, 1)))
    rec = check(recs, Topic.DENOSUMAB_TRANSITION, "info", "zoledronic-acid", "RCOP-DMAB-5")
    assert [_schedule(s) for s in rec.suggestions] == [
        [("after-denosumab", date(2027, 3, 1), "proposal"), ("after-denosumab-repeat", date(2027, 9, 1), "plan")]]


def test_overdue_after_three_years_offers_zoledronic_acid_with_its_planned_second_infusion():
    """W1 (review 2): stopped after >= 3 years, overdue: the zoledronic acid of the choice is the RCOP-DMAB-5 schedule —
    one infusion today and the second, planned, 6 months later ("Na 6 maanden Lab + kliniek; Herhaal")."""
    rec = check(run(dmab(date(2021, 1, 1), date(2026, 3, 1), date(2026, 8, 31))), Topic.DENOSUMAB_TRANSITION, "critical",
                "zoledronic-acid", "RCOP-DMAB-5")
    zoledronic = next(s for s in rec.suggestions if s.key == "zoledronic-acid")
    assert rec.options and _schedule(zoledronic) == [("after-denosumab", TODAY, "proposal"), ("after-denosumab-repeat", date(2027, 5, 22), "plan")]


def test_overdue_after_under_three_years_offers_one_infusion_only():
    """RCOP-DMAB-4 has no repeat infusion."""
    rec = check(run(dmab(date(2025, 1, 1), date(2026, 3, 1), date(2026, 8, 31))), Topic.DENOSUMAB_TRANSITION, "critical",
                "zoledronic-acid", "RCOP-DMAB-4")
    assert _schedule(next(s for s in rec.suggestions if s.key == "zoledronic-acid")) == [("after-denosumab", TODAY, "proposal")]


@pytest.mark.parametrize(("end", "key"), [(None, "rcop.dmab.4.overdue"), (date(2026, 8, 31), "rcop.dmab.4.overdue-stopped")])
def test_overdue_says_denosumab_is_running_only_while_it_is(end, key):
    """W2 (review 2): "denosumab loopt nog" only while denosumab is the recorded therapy; stopped, the card says when it
    stopped without a follow-up drug and recommends that drug (the injection only if stopping was not intended)."""
    rec = check(run(dmab(date(2025, 1, 1), date(2026, 3, 1), end)), Topic.DENOSUMAB_TRANSITION, "critical",
                "denosumab" if end is None else "zoledronic-acid", "RCOP-DMAB-4")
    assert [r.message for r in rec.reasons] == [key]
    assert ("stopped", end) in rec.reasons[0].params or end is None


def test_a_planned_start_already_past_is_a_warning():
    """Last injection 2026-05-10: the follow-up drug was due 2026-11-10; within the grace, not yet critical."""
    rec = check(run(dmab(date(2024, 6, 1), date(2026, 5, 10), date(2026, 6, 1))), Topic.DENOSUMAB_TRANSITION, "warning",
                "zoledronic-acid", "RCOP-DMAB-4")
    assert rec.suggestions[0].start == TODAY


def test_follow_up_bisphosphonate_clears_the_safety_rule():
    recs = run(dmab(date(2021, 1, 1), date(2026, 3, 1), date(2026, 4, 1)), episode(ZOL, date(2026, 9, 1), doses=(date(2026, 9, 1),)))
    assert all(r.indicator.value != "critical" for r in recs)


@pytest.mark.parametrize(("start", "due"), [(date(2023, 11, 22), True), (date(2023, 11, 23), False)])
def test_three_year_boundary(start, due):
    recs = run(dmab(start, date(2026, 9, 1)))
    assert (Topic.TREATMENT_EVALUATION_DUE.value in topics(recs)) is due


def test_unknown_last_injection_asks_for_data():
    rec = check(run(episode(DMAB, date(2022, 1, 1))), Topic.DATA_NEEDED, "info", None, "RCOP-DMAB")
    assert "no-last-injection" in {g.code for g in rec.missing}


def _reason_keys(recs):
    return {r.message for rec in recs for r in rec.reasons}


def test_repeat_card_suggests_zoledronic_acid_and_the_lab_panel():
    """RCOP-DMAB-5 "Na 6 maanden Lab + kliniek; Herhaal altijd direct Zoledroninezuur": the infusion is still
    "current" (it covers a year), yet it is the suggestion; the lab panel comes with it."""
    rec = check(run(*RECENT_INFUSION), Topic.FOLLOW_UP_DUE, "warning", "zoledronic-acid", "RCOP-DMAB-5")
    assert [(s.kind.value, s.key, s.variant) for s in rec.suggestions] == [
        ("medication", "zoledronic-acid", "after-denosumab-repeat"), ("service", "lab-panel", None)]


@pytest.mark.parametrize(
    ("infusion", "due"),
    [(date(2026, 5, 22), True), (date(2026, 5, 23), False)],  # 6 months after the first infusion: 2026-11-22 / -23
)
def test_repeat_boundary_is_six_months_after_the_first_infusion(infusion, due):
    recs = run(dmab(date(2020, 1, 1), date(2025, 11, 22), date(2026, 5, 22)), episode(ZOL, infusion, doses=(infusion,)))
    assert ("rcop.dmab.5.repeat" in _reason_keys(recs)) is due
    assert all(r.indicator.value != "critical" for r in recs)


def test_second_infusion_ends_the_repeat_card():
    recs = run(dmab(date(2020, 1, 1), date(2024, 12, 1), date(2025, 6, 1)), episode(ZOL, date(2025, 6, 1), doses=(date(2025, 6, 1), date(2025, 12, 1))))
    assert "rcop.dmab.5.repeat" not in _reason_keys(recs)
    assert Topic.FOLLOW_UP_DUE.value not in topics(recs)


def test_no_repeat_card_after_under_three_years_of_denosumab():
    """RCOP-DMAB-4 has no repeat infusion: one zoledronic infusion, then DXA+VFA at 12 and 24 months."""
    recs = run(dmab(date(2024, 1, 1), date(2025, 6, 1), date(2025, 12, 1)), episode(ZOL, date(2025, 12, 1), doses=(date(2025, 12, 1),)))
    assert "rcop.dmab.5.repeat" not in _reason_keys(recs)
    assert recs == []


def test_repeat_and_eighteen_month_dxa_due_together_make_one_card():
    recs = run(dmab(date(2020, 1, 1), date(2025, 1, 1), date(2025, 6, 1)), episode(ZOL, date(2025, 3, 1), doses=(date(2025, 3, 1),)))
    rec = check(recs, Topic.FOLLOW_UP_DUE, "critical", "zoledronic-acid", "RCOP-DMAB-5")  # the repeat is past its grace
    assert {r.message for r in rec.reasons} == {"rcop.dmab.5.repeat", "rcop.dmab.5.follow-up"}
    assert {s.key for s in rec.suggestions} >= {"zoledronic-acid", "dxa-vfa"}


@pytest.mark.parametrize(
    ("end", "stopped"),
    [(date(2026, 11, 22), False), (date(2026, 11, 21), True)],  # ongoing while the episode end is today
)
def test_stopped_early_boundary_is_the_end_of_the_follow_up_drug(end, stopped):
    recs = run(dmab(date(2020, 1, 1), date(2025, 6, 1), date(2025, 12, 1)), episode(ALN, date(2025, 12, 1), end))
    assert (Topic.DENOSUMAB_TRANSITION.value in topics(recs)) is stopped


@pytest.mark.parametrize(
    ("exam", "stopped"),
    [(date(2026, 11, 1), False), (date(2026, 10, 31), True)],  # RCOP-DMAB-4: the 12-month DXA is due 2026-11-01
)
def test_stopped_early_ends_with_a_dxa_on_or_after_its_due_date(exam, stopped):
    recs = run(*STOPPED_SHORT, dxa=(dxa(-2.0, when=exam),))
    assert (Topic.DENOSUMAB_TRANSITION.value in topics(recs)) is stopped
    assert any(r.indicator.value == "critical" for r in recs) is stopped


@pytest.mark.parametrize(("therapies", "node", "dxa_due", "repeat"), [
    (STOPPED_SHORT, "RCOP-DMAB-4", date(2026, 11, 1), None),  # 12 months after 2025-11-01: past, `follow_up_dxa` asks
    (STOPPED_LONG, "RCOP-DMAB-5", date(2027, 6, 1), date(2027, 5, 22)),
])
def test_stopped_early_is_critical_and_one_choice_zoledronic_acid_first(therapies, node, dxa_due, repeat):
    """W3 (review 2): no antiresorptive since the follow-up drug stopped, 17 months after the last injection: critical.
    One choice: zoledronic acid today (with its planned RCOP-DMAB-5 repeat), or the stopped drug again only if it
    was not stopped for side effects or non-adherence; the follow-up DXA+VFA stays on the plan."""
    recs = by_topic(run(*therapies))
    rec = check(list(recs.values()), Topic.DENOSUMAB_TRANSITION, "critical", "zoledronic-acid", node)
    assert rec.options and drug_keys(rec) == ["zoledronic-acid", "alendronic-acid"]
    zoledronic, restart = rec.suggestions
    assert (zoledronic.start, zoledronic.variant) == (TODAY, "after-denosumab")
    assert (zoledronic.then.start if zoledronic.then else None) == repeat
    assert not restart.recommended and [c.message for c in restart.checks if c.node == node] == ["restart-if-tolerated"]
    dxa_step = recs[Topic.FOLLOW_UP_DUE]
    assert [(s.key, s.start) for s in dxa_step.suggestions] == [("dxa-vfa", None if dxa_due < TODAY else dxa_due)]


def test_stopped_early_within_four_weeks_is_a_warning():
    """The follow-up drug stopped less than 4 weeks ago (the safety rule's grace): a warning, not yet critical."""
    therapies = (dmab(date(2024, 1, 1), date(2025, 6, 1), date(2025, 8, 1)), episode(ALN, date(2026, 1, 1), date(2026, 11, 1)))
    check(run(*therapies), Topic.DENOSUMAB_TRANSITION, "warning", "zoledronic-acid", "RCOP-DMAB-4")


def test_follow_up_ongoing_at_the_last_injection_is_not_critical_and_adds_no_drug():
    """The reviewer's case: alendronic acid since 2025-05-01, last injection 2025-06-01, denosumab stopped."""
    recs = run(*OVERLAPPING)
    assert all(r.indicator.value != "critical" for r in recs)
    assert all(s.key != "risedronic-acid" for r in recs for s in r.suggestions)


@pytest.mark.parametrize(
    ("end", "key"),
    [(date(2025, 6, 1), "rcop.dmab.4.stopped"), (date(2025, 5, 31), "rcop.dmab.4.overdue-stopped")],  # ended on / the day before the last injection
)
def test_follow_up_boundary_is_ongoing_at_the_last_injection(end, key):
    """A follow-up drug ongoing at the last injection counts (stopped too early); one ended before it does not (the
    safety rule). Either way nothing covers the rebound now: critical."""
    recs = run(dmab(date(2023, 1, 1), date(2025, 6, 1), date(2025, 12, 1)), episode(ALN, date(2024, 1, 1), end))
    rec = by_topic(recs)[Topic.DENOSUMAB_TRANSITION]
    assert rec.indicator is Indicator.CRITICAL and key in {r.message for r in rec.reasons}


@pytest.mark.parametrize(("follow_up", "critical"), [(True, False), (False, True)])
def test_raloxifene_after_denosumab_clears_the_safety_rule(follow_up, critical):
    recs = run(*(RALOXIFENE if follow_up else RALOXIFENE[:1]))
    assert any(r.indicator.value == "critical" for r in recs) is critical


def test_jaw_osteonecrosis_with_the_repeat_infusion_due_offers_no_zoledronic_acid_and_refers():
    """The RCOP-DMAB-5 repeat infusion is due, but jaw osteonecrosis is on record: no zoledronic acid to click
    (GATE-ONJ); the plan refers, and the current zoledronic acid is a medication-safety finding."""
    onj = make(therapies=RECENT_INFUSION, contraindications=(coded("jaw-osteonecrosis"),))
    recs = by_topic(evaluate("rcop-2023", onj))
    assert drug_keys(recs[Topic.FOLLOW_UP_DUE]) == [] and {r.node for r in recs[Topic.FOLLOW_UP_DUE].blocked} == {"GATE-ONJ"}
    assert recs[Topic.MEDICATION_SAFETY].indicator is Indicator.CRITICAL
    assert "GATE-ONJ" in recs[Topic.REFER_SECONDARY_CARE].nodes


@pytest.mark.parametrize("finding", ["atypical-femoral-fracture", "jaw-osteonecrosis"])
@pytest.mark.parametrize("last", [date(2026, 5, 25), date(2026, 4, 1)])  # next injection due 2026-11-25 / overdue
def test_aff_or_onj_on_a_running_denosumab_waits_for_secondary_care_never_a_plain_stop(finding, last):
    """W25 (review 2): an AFF or ONJ while denosumab runs: one critical medication-safety finding — the next injection
    only after secondary care's review, this week (never "no denosumab", a plain stop) — and the referral in the plan;
    no drug to click, and no second card that offers or refuses the injection (even when it is overdue)."""
    facts = make(72, therapies=(episode(DMAB, date(2022, 1, 1), last=last),), contraindications=(coded(finding, date(2026, 10, 1)),))
    recs = by_topic(evaluate("rcop-2023", facts))
    safety = recs[Topic.MEDICATION_SAFETY]
    assert safety.indicator is Indicator.CRITICAL
    assert [r.message for r in safety.reasons] == ["net.contraindicated.denosumab-refer", f"gate.{finding}.on-denosumab"]
    assert Topic.DENOSUMAB_TRANSITION not in recs
    assert [s.key for s in recs[Topic.REFER_SECONDARY_CARE].suggestions] == ["referral-secondary-care"]
    assert all(not drug_keys(r) for r in recs.values())

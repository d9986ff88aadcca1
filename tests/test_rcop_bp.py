"""RCOP chart 3 (on a bisphosphonate: the 5/3-year evaluation, the switch box, drug holiday, after anabolics)."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings.facts import Agent, FractureSite
from pathways import evaluate
from pathways.recommendation import Topic
from tests.rcop_helpers import check, coded, dxa, episode, fracture, make, vf

ALN, ZOL = Agent.ALENDRONIC_ACID, Agent.ZOLEDRONIC_ACID
ZOL_3 = episode(ZOL, date(2023, 12, 1), doses=(date(2023, 12, 1), date(2024, 12, 1), date(2025, 12, 1)))
NEW_WRIST = fracture(FractureSite.WRIST, date(2026, 5, 1))


def run(*therapies, **kw):
    return evaluate("rcop-2023", make(72, therapies=therapies, **kw))


CASES = [
    ("BP-1 oral 5 years", (episode(ALN, date(2021, 11, 22)),), dict(), Topic.TREATMENT_EVALUATION_DUE, "info", None, "RCOP-BP-1"),
    ("BP-1 lab", (episode(ALN, date(2021, 1, 1)),), dict(), Topic.ORDER_LAB, "info", None, "RCOP-BP-1"),
    ("BP-1 DXA", (episode(ALN, date(2021, 1, 1)),), dict(), Topic.ORDER_DXA_VFA, "info", None, "RCOP-BP-1"),
    ("BP-1 zoledronic 3 infusions", (ZOL_3,), dict(), Topic.TREATMENT_EVALUATION_DUE, "info", None, "RCOP-BP-1"),
    ("BP-2 tablet side effects", (episode(ALN, date(2024, 1, 1)),), dict(intolerances=(coded("alendronic-acid"),)), Topic.SWITCH_THERAPY, "warning", "zoledronic-acid", "RCOP-BP-2"),
    ("BP-3 failure on tablets", (episode(ALN, date(2023, 1, 1)),), dict(fractures=(NEW_WRIST,)), Topic.SWITCH_THERAPY, "warning", "zoledronic-acid", "RCOP-BP-3"),
    ("BP-3 bone loss on tablets", (episode(ALN, date(2023, 1, 1)),), dict(dxa=(dxa(-2.0, bmd_change=-5.1),)), Topic.SWITCH_THERAPY, "warning", "zoledronic-acid", "RCOP-BP-3"),
    ("BP-4 failure on zoledronic", (ZOL_3,), dict(fractures=(NEW_WRIST,)), Topic.SWITCH_THERAPY, "warning", "denosumab", "RCOP-BP-4"),
    ("BP-4 anabolic", (ZOL_3,), dict(fractures=(vf(3, date(2026, 5, 1)),), dxa=(dxa(-2.0, -1.5),)), Topic.REFER_ANABOLIC, "warning", None, "RCOP-BP-4"),
    ("BP-5 stop", (episode(ALN, date(2021, 1, 1)),), dict(dxa=(dxa(-2.4, when=date(2026, 6, 1)),)), Topic.DRUG_HOLIDAY, "info", None, "RCOP-BP-5"),
    ("BP-5 follow-up due", (episode(ALN, date(2016, 1, 1), date(2021, 6, 1)),), dict(), Topic.FOLLOW_UP_DUE, "info", None, "RCOP-BP-5"),
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
                Topic.SWITCH_THERAPY, "warning", "denosumab", "RCOP-BP-4")
    assert "zoledronic-acid" not in [s.key for s in rec.suggestions]


def test_anabolic_followed_by_antiresorptive_is_quiet():
    recs = run(episode(Agent.TERIPARATIDE, date(2024, 1, 1), date(2026, 1, 1)), episode(ALN, date(2026, 1, 15)))
    assert recs == []


def test_holiday_follow_up_interval_is_three_years_after_zoledronic_acid():
    zol = episode(ZOL, date(2020, 1, 1), date(2024, 1, 1), doses=(date(2020, 1, 1), date(2021, 1, 1), date(2022, 1, 1)))
    rec = check(run(zol), Topic.DRUG_HOLIDAY, "info", None, "RCOP-BP-5")
    assert dict(rec.reasons[0].params)["until"] == date(2027, 1, 1)

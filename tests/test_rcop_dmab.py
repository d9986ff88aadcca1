"""RCOP chart 4 (on denosumab): evaluation at 3 years, the stop schedule and the overdue safety rule."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings.facts import Agent
from pathways import evaluate
from pathways.recommendation import Topic
from tests.rcop_helpers import check, dxa, episode, make, topics

DMAB, ZOL, ALN = Agent.DENOSUMAB, Agent.ZOLEDRONIC_ACID, Agent.ALENDRONIC_ACID


def run(*therapies, **kw):
    return evaluate("rcop-2023", make(68, therapies=therapies, **kw))


def dmab(start: date, last: date, end: date | None = None):
    return episode(DMAB, start, end, last=last)


SWITCHED_LONG = (dmab(date(2020, 1, 1), date(2025, 1, 1), date(2025, 6, 1)), episode(ZOL, date(2025, 3, 1), doses=(date(2025, 3, 1),)))

CASES = [
    ("DMAB-1 3 years", (dmab(date(2023, 6, 1), date(2026, 9, 1)),), dict(), Topic.TREATMENT_EVALUATION_DUE, "info", None, "RCOP-DMAB-1"),
    ("DMAB-1 DXA", (dmab(date(2023, 6, 1), date(2026, 9, 1)),), dict(), Topic.ORDER_DXA_VFA, "info", None, "RCOP-DMAB-1"),
    ("DMAB-2 switch", (dmab(date(2023, 6, 1), date(2026, 9, 1)),), dict(dxa=(dxa(-2.4, when=date(2026, 8, 1)),)), Topic.DENOSUMAB_TRANSITION, "info", "zoledronic-acid", "RCOP-DMAB-2"),
    ("DMAB-3 continue", (dmab(date(2023, 6, 1), date(2026, 9, 1)),), dict(dxa=(dxa(-2.5, when=date(2026, 8, 1)),)), Topic.CONTINUE_THERAPY, "info", None, "RCOP-DMAB-3"),
    ("DMAB-3 10 years", (dmab(date(2016, 6, 1), date(2026, 9, 1)),), dict(dxa=(dxa(-2.6),)), Topic.REFER_SECONDARY_CARE, "info", None, "RCOP-DMAB-3"),
    ("DMAB-4 plan", (dmab(date(2024, 6, 1), date(2026, 9, 1), date(2026, 10, 1)),), dict(), Topic.DENOSUMAB_TRANSITION, "info", "zoledronic-acid", "RCOP-DMAB-4"),
    ("DMAB-4 overdue", (dmab(date(2025, 1, 1), date(2026, 3, 1)),), dict(), Topic.DENOSUMAB_TRANSITION, "critical", "zoledronic-acid", "RCOP-DMAB-4"),
    ("DMAB-4 follow-up 12 months", (dmab(date(2024, 1, 1), date(2025, 6, 1), date(2025, 8, 1)), episode(ALN, date(2025, 11, 1))), dict(), Topic.FOLLOW_UP_DUE, "info", None, "RCOP-DMAB-4"),
    ("DMAB-5 plan", (dmab(date(2020, 6, 1), date(2026, 9, 1), date(2026, 10, 1)),), dict(), Topic.DENOSUMAB_TRANSITION, "info", "zoledronic-acid", "RCOP-DMAB-5"),
    ("DMAB-5 overdue", (dmab(date(2021, 1, 1), date(2026, 3, 1)),), dict(), Topic.DENOSUMAB_TRANSITION, "critical", "zoledronic-acid", "RCOP-DMAB-5"),
    ("DMAB-5 follow-up 18 months", SWITCHED_LONG, dict(), Topic.FOLLOW_UP_DUE, "info", None, "RCOP-DMAB-5"),
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


def test_overdue_is_first_and_suggests_bisphosphonates_only():
    recs = run(dmab(date(2021, 1, 1), date(2026, 3, 1)), dxa=(dxa(-2.0),))
    assert recs[0].indicator.value == "critical"
    assert [s.key for s in recs[0].suggestions] == ["zoledronic-acid", "alendronic-acid", "risedronic-acid"]


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

"""RCOP chart 2 (therapy-naive with risk factors, no recent fracture or glucocorticoids): nodes and boundaries."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings.facts import Agent, FractureSite
from pathways import evaluate
from pathways.recommendation import Topic
from tests.rcop_helpers import check, dxa, episode, fracture, glucocorticoid, make, score, topics, vf


def run(age=72, risk=4, **kw):
    return evaluate("rcop-2023", make(age, risk_score=score(risk), **kw))


CASES = [
    ("RF-1 lab", dict(), Topic.ORDER_LAB, "info", None, "RCOP-RF-1"),
    ("RF-1 lifestyle", dict(), Topic.LIFESTYLE_FALLS, "info", None, "RCOP-RF-1"),
    ("RF-2 no DXA", dict(), Topic.ORDER_DXA_VFA, "info", None, "RCOP-RF-2"),
    ("RF-3 >=70 T=-2.5", dict(age=70, dxa=(dxa(-2.5),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-RF-3"),
    ("RF-4 69 VF2", dict(age=69, dxa=(dxa(-2.5, -2.2),), fractures=(vf(2),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-RF-4"),
    ("RF-4 60 no VF", dict(age=60, dxa=(dxa(-2.7),)), Topic.SHARED_DECISION, "info", None, "RCOP-RF-4"),
    ("RF-5 T=-1.0 VF2", dict(dxa=(dxa(-1.0),), fractures=(vf(2),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-RF-5"),
    ("RF-5 T=-2.4 no VF", dict(dxa=(dxa(-2.4),)), Topic.NO_DRUG_THERAPY, "info", None, "RCOP-RF-5"),
    ("RF-6 T=-0.9 VF3", dict(dxa=(dxa(-0.9),), fractures=(vf(3),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-RF-6"),
    ("RF-6 T=-0.9 no VF", dict(dxa=(dxa(-0.9),)), Topic.NO_DRUG_THERAPY, "info", None, "RCOP-RF-6"),
    ("RF-7 anabolic", dict(dxa=(dxa(-2.8, -2.6),), fractures=(vf(3),)), Topic.REFER_ANABOLIC, "warning", None, "RCOP-RF-7"),
    ("RF-7 not met", dict(dxa=(dxa(-2.6, -2.0),), fractures=(vf(2),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-RF-7"),
]


@pytest.mark.parametrize(("case", "kw", "topic", "indicator", "drug", "node"), CASES, ids=[c[0] for c in CASES])
def test_node_outcome(case, kw, topic, indicator, drug, node):
    check(run(**kw), topic, indicator, drug, node)


def test_shared_decision_offers_the_regimen_without_a_first_choice():
    rec = check(run(age=65, dxa=(dxa(-3.0),)), Topic.SHARED_DECISION, "info", None, "RCOP-RF-4")
    assert [s.key for s in rec.suggestions] == ["alendronic-acid", "risedronic-acid", "zoledronic-acid", "denosumab"]


@pytest.mark.parametrize(
    ("kw", "applies"),
    [
        (dict(age=60), True),
        (dict(age=59), False),
        (dict(risk=3), False),
        (dict(fractures=(fracture(FractureSite.WRIST, date(2025, 6, 1)),)), False),  # recent fracture: chart 1
        (dict(fractures=(fracture(FractureSite.WRIST, date(2020, 6, 1)),)), True),  # old fracture: chart 2
        (dict(therapies=(episode(Agent.RALOXIFENE, date(2015, 1, 1), date(2016, 1, 1)),)), False),  # not therapy-naive
        (dict(glucocorticoids=(glucocorticoid(10, date(2026, 1, 1)),)), False),  # chart 5
    ],
)
def test_applicability(kw, applies):
    recs = run(**kw)
    assert any(n.startswith("RCOP-RF") for r in recs for n in r.nodes) is applies


def test_age_70_boundary_separates_therapy_from_shared_decision():
    assert Topic.START_ANTIRESORPTIVE.value in topics(run(age=70, dxa=(dxa(-2.6),)))
    assert Topic.SHARED_DECISION.value in topics(run(age=69, dxa=(dxa(-2.6),)))

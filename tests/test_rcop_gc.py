"""RCOP chart 5 (glucocorticoids >= 3 months): dose bands, age bands, the stop node and data gaps."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings.facts import Agent, FractureSite, Medication, Sex
from pathways import evaluate
from pathways.recommendation import Topic
from tests.rcop_helpers import by_topic, chart, check, coded, drug_keys, dxa, episode, fracture, glucocorticoid, make, src, topics, vf

LONG = date(2026, 5, 1)  # started > 3 months before today


def run(age=60, dose=10.0, start=LONG, end=None, sex=Sex.FEMALE, **kw):
    return evaluate("rcop-2023", make(age, sex, glucocorticoids=(glucocorticoid(dose, start, end),), **kw))


CASES = [
    ("GC-1 lab", dict(), Topic.ORDER_LAB, "info", None, "RCOP-GC-1"),
    ("GC-1 baseline DXA with therapy", dict(age=76), Topic.ORDER_DXA_VFA, "info", None, "RCOP-GC-1"),
    ("GC-2 <2.5 mg", dict(dose=2.4), Topic.LIFESTYLE_FALLS, "info", None, "RCOP-GC-2"),
    ("GC-3 2.5 mg T=-2.0", dict(dose=2.5, age=40, dxa=(dxa(-2.0),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-3"),
    ("GC-3 VF2 no DXA", dict(dose=5, fractures=(vf(2),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-3"),
    ("GC-3 no DXA", dict(dose=7.4), Topic.ORDER_DXA_VFA, "info", None, "RCOP-GC-3"),
    ("GC-3 T=-1.9", dict(dose=5, dxa=(dxa(-1.9),)), Topic.NO_DRUG_THERAPY, "info", None, "RCOP-GC-3"),
    ("GC-4 <40", dict(dose=5, age=39), Topic.CALCIUM_VITAMIN_D, "info", "colecalciferol-800", "RCOP-GC-4"),
    ("GC-5 age 75", dict(dose=7.5, age=75, dxa=(dxa(0.0),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-5"),
    ("GC-5 15 mg", dict(dose=15, age=50, dxa=(dxa(0.0),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-5"),
    ("GC-5 recent fracture", dict(age=55, fractures=(fracture(FractureSite.WRIST, date(2026, 1, 1)),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-5"),
    ("GC-5 T=-2.0", dict(age=55, dxa=(dxa(-2.0),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-5"),
    ("GC-5 postmenopausal no DXA", dict(age=60, dose=7.5), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-5"),
    ("GC-5 postmenopausal baseline DXA", dict(age=60, dose=7.5), Topic.ORDER_DXA_VFA, "info", None, "RCOP-GC-1"),
    ("GC-5 man 70", dict(age=70, sex=Sex.MALE, dose=7.5, dxa=(dxa(0.0),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-5"),
    ("GC-5 man 69 no DXA", dict(age=69, sex=Sex.MALE, dose=14.9), Topic.ORDER_DXA_VFA, "info", None, "RCOP-GC-5"),
    ("GC-5 man 69 T=-1.9", dict(age=69, sex=Sex.MALE, dose=14.9, dxa=(dxa(-1.9),)), Topic.NO_DRUG_THERAPY, "info", None, "RCOP-GC-5"),
    ("GC-5 man 69 T=-2.0", dict(age=69, sex=Sex.MALE, dose=14.9, dxa=(dxa(-2.0),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-5"),
    ("GC-6 49 VF2", dict(age=49, fractures=(vf(2),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-6"),
    ("GC-6 40 no DXA", dict(age=40), Topic.ORDER_DXA_VFA, "info", None, "RCOP-GC-6"),
    ("GC-6 T=-2.0", dict(age=45, dxa=(dxa(-2.0),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-6"),
    ("GC-6 T=-1.9", dict(age=45, dxa=(dxa(-1.9),)), Topic.NO_DRUG_THERAPY, "info", None, "RCOP-GC-6"),
    ("GC-7 <40", dict(age=39), Topic.LIFESTYLE_FALLS, "info", None, "RCOP-GC-7"),
    ("GC-7 fracture", dict(age=35, fractures=(fracture(FractureSite.WRIST, date(2026, 1, 1)),)), Topic.REFER_SECONDARY_CARE, "warning", None, "RCOP-GC-7"),
    ("GC-8 regimen", dict(age=76), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-8"),
]


@pytest.mark.parametrize(("case", "kw", "topic", "indicator", "drug", "node"), CASES, ids=[c[0] for c in CASES])
def test_node_outcome(case, kw, topic, indicator, drug, node):
    check(run(**kw), topic, indicator, drug, node)


def test_first_line_is_oral_bisphosphonates_only():
    facts = make(76, glucocorticoids=(glucocorticoid(10.0, LONG),))
    rec = check(chart(facts), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-8")
    assert [s.key for s in rec.suggestions] == ["alendronic-acid", "risedronic-acid"]


def test_disease_activity_is_an_assumption_of_gc5():
    rec = check(run(age=60, sex=Sex.MALE, dxa=(dxa(-1.0),)), Topic.NO_DRUG_THERAPY, "info", None, "RCOP-GC-5")
    assert "disease-activity-not-assessed" in {a.code for a in rec.assumptions}


def test_gc5_lists_the_features_and_the_group_that_make_therapy_start_now():
    """RCOP-GC-5 (revised reading): postmenopausal women and men >= 70 start now; the card names why."""
    rec = check(run(age=76, dose=20, dxa=(dxa(-2.1),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-5")
    why = next(r for r in rec.reasons if r.node == "RCOP-GC-5")
    assert dict(why.params) == {"features": ("age-75", "t-score-2", "dose-15"), "group": "postmenopausal"}


def test_gc5_switch_treats_everyone_and_is_named(monkeypatch):
    from pathways.rcop import gc

    monkeypatch.setattr(gc, "_CFG", {**gc._CFG, "treat_everyone_high_dose": True})
    rec = check(run(age=60, sex=Sex.MALE, dose=7.5, dxa=(dxa(-1.0),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-GC-5")
    assert dict(next(r for r in rec.reasons if r.node == "RCOP-GC-5").params)["group"] == "everyone"


@pytest.mark.parametrize(
    ("start", "end", "planned", "applies"),
    [
        (date(2026, 8, 24), None, None, True),  # 90 days so far
        (date(2026, 8, 25), None, None, False),  # 89 days
        (date(2026, 11, 1), None, 90, True),  # a new order planned for 3 months
        (date(2026, 1, 1), date(2026, 3, 1), None, False),  # stopped, not on therapy
    ],
)
def test_three_month_boundary(start, end, planned, applies):
    facts = make(60, glucocorticoids=(glucocorticoid(10, start, end, planned=planned),))
    recs = evaluate("rcop-2023", facts)
    assert any(n.startswith("RCOP-GC") for r in recs for n in r.nodes) is applies


def test_unreadable_dose_asks_for_data():
    recs = run(dose=None)
    rec = check(recs, Topic.DATA_NEEDED, "info", None, "RCOP-GC")
    assert "no-dose" in {g.code for g in rec.missing}


STOPPED = dict(start=date(2024, 1, 1), end=date(2026, 6, 1), therapies=(episode(Agent.ALENDRONIC_ACID, date(2024, 2, 1)),))


@pytest.mark.parametrize(
    ("kw", "topic", "outcome"),
    [
        (dict(fractures=(vf(2),)), Topic.CONTINUE_THERAPY, "rcop.gc.9.continue"),
        (dict(dxa=(dxa(-2.5, when=date(2026, 7, 1)),)), Topic.CONTINUE_THERAPY, "rcop.gc.9.continue"),
        (dict(dxa=(dxa(-2.4, when=date(2026, 7, 1)),)), Topic.DRUG_HOLIDAY, "rcop.gc.9.stop"),
        (dict(dxa=(dxa(-3.0, when=date(2026, 5, 1)),)), Topic.ORDER_DXA_VFA, "rcop.gc.9.dxa"),  # DXA before the stop
    ],
)
def test_gc9_after_stopping(kw, topic, outcome):
    recs = run(**STOPPED, **kw)
    rec = check(recs, topic, "info", None, "RCOP-GC-9")
    assert outcome in {r.message for r in rec.reasons}


def test_gc_with_recent_fracture_merges_with_chart_1():
    """Charts 1 and 5 both apply: one card per topic, reasons of both charts on the therapy card."""
    recs = run(age=72, dxa=(dxa(-2.6),), fractures=(fracture(FractureSite.WRIST, date(2026, 9, 1)),))
    rec = check(recs, Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-FX-7")
    assert {"RCOP-GC-5", "RCOP-GC-8"} <= set(rec.nodes)
    assert len(recs) == len(topics(recs))


def test_a_patient_already_on_therapy_gets_no_second_drug():
    """RCOP-GC-8 on top of current alendronic acid: continue it, never start risedronic acid as well."""
    recs = run(dxa=(dxa(-2.6),), therapies=(episode(Agent.ALENDRONIC_ACID, date(2025, 1, 1)),))
    rec = check(recs, Topic.CONTINUE_THERAPY, "info", None, "RCOP-GC-8")
    assert "rcop.therapy.already-treated" in {r.message for r in rec.reasons}
    assert Topic.START_ANTIRESORPTIVE not in topics(recs)


def test_second_line_when_neither_first_line_drug_is_tolerated():
    facts = make(60, glucocorticoids=(glucocorticoid(10.0, LONG),), dxa=(dxa(-2.2),),
                 intolerances=(coded("alendronic-acid"), coded("risedronic-acid")))
    rec = check(chart(facts), Topic.START_ANTIRESORPTIVE, "warning", "zoledronic-acid", "RCOP-GC-8")
    assert drug_keys(rec) == ["zoledronic-acid", "denosumab"]
    assert drug_keys(by_topic(evaluate("rcop-2023", facts))[Topic.START_ANTIRESORPTIVE]) == ["zoledronic-acid"]


def test_gc9_never_stops_denosumab():
    """"Therapie kan stoppen" is not for denosumab (RCOP-DMAB: never just stop)."""
    on_denosumab = episode(Agent.DENOSUMAB, date(2025, 1, 1), last=date(2026, 7, 1), doses=(date(2026, 1, 1), date(2026, 7, 1)))
    recs = run(start=date(2025, 1, 1), end=date(2026, 3, 1), therapies=(on_denosumab,), dxa=(dxa(-1.8, when=date(2026, 6, 1)),))
    assert Topic.DRUG_HOLIDAY not in topics(recs)


def test_palliative_care_replaces_chart_5_with_one_no_drug_therapy_card():
    recs = run(dxa=(dxa(-2.6),), limited_life_expectancy=coded("palliative-care"))
    assert topics(recs) == {Topic.NO_DRUG_THERAPY}
    assert recs[0].reasons[0].message == "rcop.life-expectancy"


@pytest.mark.parametrize(("fracture_t", "expected", "absent"), [
    (-1.5, Topic.START_ANTIRESORPTIVE, Topic.NO_DRUG_THERAPY),  # FX-8 "no drug therapy" vs GC-5 therapy
    (-2.6, Topic.REFER_ANABOLIC, Topic.START_ANTIRESORPTIVE),  # FX-10 anabolic referral vs GC-8 alendronic acid
])
def test_two_charts_never_contradict_each_other(fracture_t, expected, absent):
    vfs = (vf(3),) if expected is Topic.REFER_ANABOLIC else ()
    recs = run(fractures=(fracture(FractureSite.WRIST, date(2026, 3, 1)), *vfs), dxa=(dxa(fracture_t),))
    assert expected in topics(recs) and absent not in topics(recs)


def test_supplemented_patient_on_low_dose_gets_no_calcium_card_and_no_lab():
    """RCOP-GC-2: lifestyle and calcium/vitamin D only — the seed names no Lab there; a supplement is already taken."""
    supplement = Medication("calcium-vitamin-d", "calcium/colecalciferol", date(2025, 1, 1), None, src("MedicationStatement", "cad"))
    recs = run(dose=2.0, medications=(supplement,), labs=())
    assert topics(recs) == {Topic.LIFESTYLE_FALLS}

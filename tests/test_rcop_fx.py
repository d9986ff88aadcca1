"""RCOP chart 1 (first evaluation after a fracture, therapy-naive): every node and its boundaries."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_mappings.facts import Agent, Assumption, FractureSite, Measured, Medication, Sex
from pathways import evaluate
from pathways.rcop import anabolic
from pathways.lab import ITEMS
from pathways.recommendation import Topic
from tests.rcop_helpers import chart, check, coded, drug_keys, dxa, episode, fracture, make, recommended_drug, src, topics, vf

HIP = fracture(FractureSite.HIP, date(2026, 9, 1))
WRIST = fracture(FractureSite.WRIST, date(2026, 9, 1))


def run(age=70, sex=Sex.FEMALE, fractures=(WRIST,), **kw):
    return evaluate("rcop-2023", make(age, sex, fractures=fractures, **kw))


CASES = [
    # (case, facts kwargs, topic, indicator, recommended drug, node)
    ("FX-1 work-up", dict(), Topic.ORDER_LAB, "info", None, "RCOP-FX-1"),
    ("FX-1 lifestyle", dict(), Topic.LIFESTYLE_FALLS, "info", None, "RCOP-FX-1"),
    ("FX-1 calcium", dict(), Topic.CALCIUM_VITAMIN_D, "info", "colecalciferol-800", "RCOP-FX-1"),
    ("FX-2 hip >=75 therapy", dict(age=75, fractures=(HIP,)), Topic.START_ANTIRESORPTIVE, "warning", "zoledronic-acid", "RCOP-FX-2"),
    ("FX-2 hip >=75 DXA", dict(age=75, fractures=(HIP,)), Topic.ORDER_DXA_VFA, "info", None, "RCOP-FX-2"),
    ("FX-3 hip T=-1.0", dict(fractures=(HIP,), dxa=(dxa(-1.0),)), Topic.START_ANTIRESORPTIVE, "warning", "zoledronic-acid", "RCOP-FX-3"),
    ("FX-4 hip T>-1 VF2", dict(fractures=(HIP, vf(2)), dxa=(dxa(-0.9),)), Topic.START_ANTIRESORPTIVE, "warning", "zoledronic-acid", "RCOP-FX-4"),
    ("FX-4 hip T>-1 no VF", dict(fractures=(HIP, vf(1)), dxa=(dxa(-0.9),)), Topic.NO_DRUG_THERAPY, "info", None, "RCOP-FX-4"),
    ("FX-5 hip <75 no DXA", dict(age=74, fractures=(HIP,)), Topic.ORDER_DXA_VFA, "info", None, "RCOP-FX-5"),
    ("FX-6 non-hip no DXA", dict(), Topic.ORDER_DXA_VFA, "info", None, "RCOP-FX-6"),
    ("FX-7 T=-2.5", dict(dxa=(dxa(-2.5),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-FX-7"),
    ("FX-8 T=-1.0 VF2", dict(fractures=(WRIST, vf(2)), dxa=(dxa(-1.0),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-FX-8"),
    ("FX-8 T=-2.4 no VF", dict(dxa=(dxa(-2.4),)), Topic.NO_DRUG_THERAPY, "info", None, "RCOP-FX-8"),
    ("FX-9 T=-0.9 VF3", dict(fractures=(WRIST, vf(3)), dxa=(dxa(-0.9),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-FX-9"),
    ("FX-9 T=-0.9 no VF", dict(dxa=(dxa(-0.9),)), Topic.NO_DRUG_THERAPY, "info", None, "RCOP-FX-9"),
    ("FX-10 romosozumab", dict(fractures=(WRIST, vf(2)), dxa=(dxa(-2.8, -2.6),)), Topic.REFER_ANABOLIC, "warning", None, "RCOP-FX-10"),
    ("FX-10 not met", dict(fractures=(WRIST, vf(2)), dxa=(dxa(-2.6, -2.2),)), Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-FX-10"),
    ("FX-10 hip regimen when not met", dict(fractures=(HIP, vf(2)), dxa=(dxa(-2.6, -2.2),)), Topic.START_ANTIRESORPTIVE, "warning", "zoledronic-acid", "RCOP-FX-10"),
]


@pytest.mark.parametrize(("case", "kw", "topic", "indicator", "drug", "node"), CASES, ids=[c[0] for c in CASES])
def test_node_outcome(case, kw, topic, indicator, drug, node):
    """Each RCOP-FX node gives its topic, indicator and 1st-choice drug, and cites itself."""
    check(run(**kw), topic, indicator, drug, node)


def test_hip_over_75_without_dxa_offers_both_dxa_and_therapy_with_feasibility_assumption():
    recs = run(age=80, fractures=(HIP,))
    therapy = check(recs, Topic.START_ANTIRESORPTIVE, "warning", "zoledronic-acid", "RCOP-FX-2")
    assert "dxa-vfa-feasibility-unknown" in {a.code for a in therapy.assumptions}
    assert "life-expectancy-over-12-months" in {a.code for a in therapy.assumptions}


def test_hip_regimen_order_is_zoledronic_then_oral_then_denosumab():
    rec = check(chart(make(fractures=(HIP,), dxa=(dxa(-2.0),))), Topic.START_ANTIRESORPTIVE, "warning", "zoledronic-acid", "RCOP-FX-3")
    assert [s.key for s in rec.suggestions] == ["zoledronic-acid", "alendronic-acid", "risedronic-acid", "denosumab"]


def test_with_the_first_choice_passing_the_gates_the_alternatives_are_not_offered():
    """At most one drug on the plan: the guideline's alternatives are named in the text, not offered as orders."""
    rec = check(run(fractures=(HIP,), dxa=(dxa(-2.0),)), Topic.START_ANTIRESORPTIVE, "warning", "zoledronic-acid", "RCOP-FX-3")
    assert drug_keys(rec) == ["zoledronic-acid"]


def test_intolerant_first_choice_is_skipped():
    """A drug with an intolerance on record is never suggested; the next one becomes 1st choice."""
    rec = check(
        run(dxa=(dxa(-3.0),), intolerances=(coded("alendronic-acid"),)),
        Topic.START_ANTIRESORPTIVE, "warning", "risedronic-acid", "RCOP-FX-7",
    )
    assert "alendronic-acid" not in [s.key for s in rec.suggestions]


def _referred_agents(rec) -> tuple[str, ...]:
    return dict(next(r for r in rec.reasons if r.message == "rcop.anabolic.met").params)["agents"]


def test_man_gets_teriparatide_but_never_romosozumab():
    """The referral names teriparatide; romosozumab's criterion is "bij vrouwen": a man does not meet it, so it is
    neither named nor offered as excluded."""
    recs = run(sex=Sex.MALE, fractures=(WRIST, vf(2), vf(2, n=1)), dxa=(dxa(-2.0, -2.0),))
    rec = check(recs, Topic.REFER_ANABOLIC, "warning", None, "RCOP-FX-10")
    assert [s.key for s in rec.suggestions] == ["referral-secondary-care"] and _referred_agents(rec) == (Agent.TERIPARATIDE,)
    assert not rec.blocked


def test_romosozumab_never_with_myocardial_infarction():
    recs = run(fractures=(WRIST, vf(2)), dxa=(dxa(-2.8, -2.6),), contraindications=(coded("myocardial-infarction"),))
    rec = check(recs, Topic.START_ANTIRESORPTIVE, "warning", "alendronic-acid", "RCOP-FX-10")
    assert ("GATE-CV", "gate.cardiovascular") in {(r.node, r.message) for r in rec.reasons}
    assert Topic.REFER_ANABOLIC.value not in topics(recs)


def test_romosozumab_with_stroke_falls_back_to_teriparatide():
    recs = run(fractures=(WRIST, vf(3)), dxa=(dxa(-2.8, -2.6),), contraindications=(coded("stroke"),))
    rec = check(recs, Topic.REFER_ANABOLIC, "warning", None, "RCOP-FX-10")
    assert _referred_agents(rec) == (Agent.TERIPARATIDE,)


@pytest.mark.parametrize(
    ("age", "fracture_date", "applies"),
    [
        (50, date(2026, 9, 1), True),
        (49, date(2026, 9, 1), False),
        (70, date(2024, 11, 23), True),  # a day under 24 months
        (70, date(2024, 11, 22), False),  # exactly 24 months: not "< 24 maanden"
    ],
)
def test_age_50_and_24_month_boundaries(age, fracture_date, applies):
    recs = run(age=age, fractures=(fracture(FractureSite.WRIST, fracture_date),))
    assert (Topic.ORDER_DXA_VFA.value in topics(recs)) is applies
    assert bool(recs) is applies


def test_on_therapy_is_not_a_first_evaluation():
    recs = run(therapies=(episode(Agent.ALENDRONIC_ACID, date(2025, 1, 1)),))
    assert not any(n.startswith("RCOP-FX") for r in recs for n in r.nodes)


def test_excluded_fracture_does_not_count():
    assert run(fractures=(fracture(FractureSite.OTHER, date(2026, 9, 1), counted=False),)) == []


def test_limited_life_expectancy_says_why_the_chart_does_not_apply():
    recs = run(dxa=(dxa(-3.0),), limited_life_expectancy=coded("palliative-care"))
    check(recs, Topic.NO_DRUG_THERAPY, "info", None, "RCOP-FX")
    assert topics(recs) == {Topic.NO_DRUG_THERAPY.value}


def test_unknown_age_with_recent_fracture_asks_for_the_birth_date():
    recs = run(age=None)
    rec = check(recs, Topic.DATA_NEEDED, "info", None, "RCOP-FX")
    assert "no-birthdate" in {g.code for g in rec.missing}


@settings(deadline=None)
@given(st.floats(min_value=-5.0, max_value=2.0, allow_nan=False).map(lambda t: round(t, 1)))
def test_non_hip_t_score_bands(t):
    """Non-hip fracture without VFs: therapy exactly when T <= -2.5, otherwise no drug therapy (FX-8 / FX-9)."""
    recs = run(dxa=(dxa(t),))
    rec = next(r for r in recs if r.topic in (Topic.START_ANTIRESORPTIVE, Topic.NO_DRUG_THERAPY))
    expected = "RCOP-FX-7" if t <= -2.5 else "RCOP-FX-8" if t <= -1.0 else "RCOP-FX-9"
    assert rec.nodes == (expected,)
    assert (recommended_drug(rec) == "alendronic-acid") is (t <= -2.5)


@settings(deadline=None)
@given(st.floats(min_value=-5.0, max_value=2.0, allow_nan=False).map(lambda t: round(t, 1)))
def test_hip_t_score_bands(t):
    """Hip fracture without VFs: zoledronic acid exactly when T <= -1.0 (FX-3), else no drug therapy (FX-4)."""
    recs = run(fractures=(HIP,), dxa=(dxa(t),))
    rec = next(r for r in recs if r.topic in (Topic.START_ANTIRESORPTIVE, Topic.NO_DRUG_THERAPY))
    assert rec.nodes == (("RCOP-FX-3",) if t <= -1.0 else ("RCOP-FX-4",))
    assert (recommended_drug(rec) == "zoledronic-acid") is (t <= -1.0)


def test_jaw_osteonecrosis_leaves_no_antiresorptive_to_click_and_refers():
    """GATE-ONJ: therapy is indicated, but no antiresorptive is a suggestion; the plan refers instead (warning:
    the first choice is blocked, the patient is not exposed)."""
    recs = run(dxa=(dxa(-3.0),), contraindications=(coded("jaw-osteonecrosis"),))
    rec = check(recs, Topic.START_ANTIRESORPTIVE, "warning", None, "RCOP-FX-7")
    assert drug_keys(rec) == [] and {r.node for r in rec.blocked} == {"GATE-ONJ"}
    assert check(recs, Topic.REFER_SECONDARY_CARE, "warning", None, "GATE-ONJ")


@settings(deadline=None)
@given(
    lowest=st.integers(min_value=-40, max_value=0).map(lambda t: t / 10),
    hip=st.integers(min_value=-40, max_value=0).map(lambda t: t / 10),
    grades=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=3),
    sex=st.sampled_from([Sex.FEMALE, Sex.MALE]),
)
def test_anabolic_criteria_match_the_chart_text(lowest, hip, grades, sex):
    """RCOP-FX-10 refers exactly when teriparatide's or (women only) romosozumab's criteria hold."""
    lowest = min(lowest, hip)
    vfs = tuple(vf(g, n=i) for i, g in enumerate(grades))
    recs = run(sex=sex, fractures=(WRIST, *vfs), dxa=(dxa(lowest, hip),))
    g2, g3 = sum(g >= 2 for g in grades), sum(g == 3 for g in grades)
    teriparatide = lowest <= -1.5 and (g3 >= 1 or g2 >= 2)
    romosozumab = sex is Sex.FEMALE and ((hip <= -2.0 and g2 >= 2) or (hip <= -2.5 and g2 >= 1))
    referred = Topic.REFER_ANABOLIC.value in topics(recs)
    therapy_indicated = lowest <= -2.5 or g2 >= 1
    assert referred is (therapy_indicated and (teriparatide or romosozumab))



def _panel(when: date) -> tuple[tuple[str, Measured], ...]:
    concepts = [c for item in ITEMS.values() for c in item[:1] if c != "vitamin-d"]
    return tuple((c, Measured(1.0, "1", when, src("Observation", c, when))) for c in concepts)


def _vitamin_d(when: date) -> Measured:
    return Measured(30.0, "ng/mL", when, src("Observation", "25-oh-d", when))


@pytest.mark.parametrize(
    ("lab_date", "lab_card"),
    [(date(2026, 8, 22), False), (date(2026, 8, 21), True)],  # exactly 3 months before today / one day older
)
def test_lab_card_is_left_out_only_when_the_whole_panel_is_recent(lab_date, lab_card):
    assert (Topic.ORDER_LAB in topics(run(labs=_panel(lab_date), vitamin_d=_vitamin_d(lab_date)))) is lab_card


def test_one_missing_panel_member_still_orders_the_panel():
    when = date(2026, 10, 1)
    assert Topic.ORDER_LAB in topics(run(labs=_panel(when)[1:], vitamin_d=_vitamin_d(when)))


@pytest.mark.parametrize(("end", "calcium_card"), [(None, False), (date(2026, 1, 1), True)])
def test_calcium_card_only_without_a_current_supplement(end, calcium_card):
    supplement = Medication("calcium-vitamin-d", "calcium/colecalciferol", date(2025, 1, 1), end, src("MedicationStatement", "cad"))
    assert (Topic.CALCIUM_VITAMIN_D in topics(run(medications=(supplement,)))) is calcium_card


def test_a_resource_specific_assumption_is_stated_only_where_that_resource_is_shown():
    """An unverified fracture code is stated on the cards that use the fracture; one about an unused lab is not."""
    on_fracture = Assumption("unverified-code", (("coding", "icd-10|S52"), ("reference", WRIST.source.reference)))
    on_lab = Assumption("unverified-code", (("coding", "http://loinc.org|2885-2"), ("reference", "Observation/tp")))
    recs = run(assumptions=(on_fracture, on_lab))
    assert all(on_fracture in r.assumptions and on_lab not in r.assumptions for r in recs if r.topic is not Topic.DATA_NEEDED)
    assert recs


@pytest.mark.parametrize(("course_end", "eligible"), [(None, ()), (date(2020, 1, 1), ()), (date(2027, 1, 1), ())])
def test_teriparatide_taken_or_completed_is_not_offered_again(course_end, eligible):
    """"Teriparatide 2 jaar" is given once (ANABOLIC, RCOP-BP-4): ongoing or completed, it is not offered again."""
    course = episode(Agent.TERIPARATIDE, date(2018, 1, 1), course_end)
    facts = make(fractures=(WRIST, vf(3)), dxa=(dxa(-2.0, -1.5),), therapies=(course,))
    assert anabolic.check(facts).eligible == eligible
    assert anabolic.check(make(fractures=(WRIST, vf(3)), dxa=(dxa(-2.0, -1.5),))).eligible == (Agent.TERIPARATIDE,)


def test_anabolic_check_ignores_a_dxa_older_than_the_charts_accept():
    """A 2014 DXA is "no DXA" for chart 1 (RCOP-FX-2), so it cannot meet the ANABOLIC T-score criteria either."""
    recs = run(age=80, fractures=(HIP, vf(3)), dxa=(dxa(-3.0, when=date(2014, 6, 1)),))
    assert {Topic.START_ANTIRESORPTIVE, Topic.ORDER_DXA_VFA} <= topics(recs)
    assert Topic.REFER_ANABOLIC not in topics(recs)

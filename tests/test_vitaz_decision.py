"""vitaz-2025 decision table (VITAZ-1..8, 7b) and the antiresorptive options: every node and its boundaries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from fhir_mappings.facts import Agent, DxaKind, DxaMeasurement, DxaSite, FractureSite, Measured, Sex
from pathways import evaluate
from pathways.recommendation import Topic
from tests.rcop_helpers import by_topic, check, coded, drug_keys, dxa, episode, fracture, make, src

RA = (coded("rheumatoid-arthritis"),)
WRIST = fracture(FractureSite.WRIST, date(2026, 4, 1))
FIVE = ["zoledronic-acid", "alendronic-acid", "denosumab", "risedronic-acid", "raloxifene"]


def frax(major: float | None, hip: float | None, when: date = date(2026, 6, 1)) -> dict:
    out = {}
    if major is not None:
        out["frax_major"] = Measured(major, "%", when, src("Observation", "frax-major", when))
    if hip is not None:
        out["frax_hip"] = Measured(hip, "%", when, src("Observation", "frax-hip", when))
    return out


def with_z(exam, z: float):
    m = DxaMeasurement(DxaSite.LUMBAR_SPINE, DxaKind.Z_SCORE, z, exam.date, src("Observation", "z", exam.date))
    return replace(exam, lowest_z=m)


def run(age=67, sex=Sex.FEMALE, **kw):
    kw.setdefault("risk_factors", RA)
    kw.setdefault("postmenopausal", {Sex.FEMALE: age >= 55, Sex.MALE: False}.get(sex))
    return evaluate("vitaz-2025", make(age, sex, **kw))


CASES = [
    # (case, facts kwargs, topic, indicator, recommended drug, node)
    ("VITAZ-1 lab", dict(dxa=(dxa(-2.7),)), Topic.ORDER_LAB, "info", None, "VITAZ-1"),
    ("VITAZ-2 no DXA", dict(), Topic.ORDER_DXA_VFA, "info", None, "VITAZ-2"),
    ("VITAZ-2 DXA 25 months old", dict(dxa=(dxa(-0.5, when=date(2024, 10, 22)),)), Topic.ORDER_DXA_VFA, "info", None, "VITAZ-2"),
    ("VITAZ-3 Z = -2", dict(dxa=(with_z(dxa(-0.5), -2.0),)), Topic.REFER_ENDOCRINOLOGY, "warning", None, "VITAZ-3"),
    ("VITAZ-4 T = -0.9", dict(dxa=(dxa(-0.9),)), Topic.NO_DRUG_THERAPY, "info", None, "VITAZ-4"),
    ("VITAZ-4 general measures", dict(dxa=(dxa(-0.9),)), Topic.LIFESTYLE_FALLS, "info", None, "VITAZ-4"),
    ("VITAZ-5 T = -1.0 no FRAX", dict(dxa=(dxa(-1.0),)), Topic.ASSESS_FRAX, "info", None, "VITAZ-5"),
    ("VITAZ-5 FRAX below", dict(dxa=(dxa(-2.4),), **frax(19.9, 2.9)), Topic.NO_DRUG_THERAPY, "info", None, "VITAZ-5"),
    ("VITAZ-5 hip only below", dict(dxa=(dxa(-2.4),), **frax(None, 2.0)), Topic.ASSESS_FRAX, "info", None, "VITAZ-5"),
    ("VITAZ-6 major 20", dict(dxa=(dxa(-2.4),), **frax(20.0, 1.0)), Topic.START_ANTIRESORPTIVE, "warning", None, "VITAZ-6"),
    ("VITAZ-6 hip 3 at 69", dict(age=69, dxa=(dxa(-1.5),), **frax(5, 3.0)), Topic.START_ANTIRESORPTIVE, "warning", None, "VITAZ-6"),
    ("VITAZ-5 hip 4.9 at 70", dict(age=70, dxa=(dxa(-1.5),), **frax(5, 4.9)), Topic.NO_DRUG_THERAPY, "info", None, "VITAZ-5"),
    ("VITAZ-6 hip 5 at 70", dict(age=70, dxa=(dxa(-1.5),), **frax(5, 5.0)), Topic.START_ANTIRESORPTIVE, "warning", None, "VITAZ-6"),
    ("VITAZ-6 fracture", dict(dxa=(dxa(-1.5),), fractures=(WRIST,)), Topic.START_ANTIRESORPTIVE, "warning", None, "VITAZ-6"),
    ("VITAZ-7 T = -2.5", dict(dxa=(dxa(-2.5),)), Topic.START_ANTIRESORPTIVE, "warning", None, "VITAZ-7"),
    ("VITAZ-7 fracture, T normal", dict(dxa=(dxa(-0.5),), fractures=(WRIST,)), Topic.START_ANTIRESORPTIVE, "warning", None, "VITAZ-7"),
    ("VITAZ-7 fracture, no DXA", dict(fractures=(WRIST,)), Topic.START_ANTIRESORPTIVE, "warning", None, "VITAZ-7"),
    ("VITAZ-7 extra options", dict(dxa=(dxa(-2.5),)), Topic.START_ANTIRESORPTIVE, "warning", None, "VITAZ-10"),
    ("VITAZ-8 man", dict(sex=Sex.MALE, dxa=(dxa(-2.5),)), Topic.START_ANTIRESORPTIVE, "warning", None, "VITAZ-8"),
    ("VITAZ-8 sex unknown", dict(sex=Sex.UNKNOWN, dxa=(dxa(-2.5),)), Topic.START_ANTIRESORPTIVE, "warning", None, "VITAZ-8"),
    ("VITAZ-7b premenopausal", dict(age=40, dxa=(with_z(dxa(-2.6), -1.5),)), Topic.REFER_SECONDARY_CARE, "warning", None, "VITAZ-7b"),
    ("VITAZ-7b Z -2.1", dict(age=40, dxa=(with_z(dxa(-2.6), -2.1),)), Topic.REFER_ENDOCRINOLOGY, "warning", None, "VITAZ-7b"),
    ("VITAZ-7b osteopenia + fracture", dict(age=52, postmenopausal=False, dxa=(dxa(-1.5),), fractures=(WRIST,)),
     Topic.REFER_SECONDARY_CARE, "warning", None, "VITAZ-7b"),
    ("VITAZ-7b menopause unknown", dict(age=50, postmenopausal=None, dxa=(dxa(-2.7),)), Topic.REFER_SECONDARY_CARE, "warning", None, "VITAZ-7b"),
]


@pytest.mark.parametrize(("case", "kw", "topic", "indicator", "drug", "node"), CASES, ids=[c[0] for c in CASES])
def test_node_outcome(case, kw, topic, indicator, drug, node):
    """Each VITAZ node gives its topic and indicator, ranks no drug, and cites itself."""
    check(run(**kw), topic, indicator, drug, node)


def test_options_follow_the_guideline_order_and_none_is_ranked():
    rec = by_topic(run(dxa=(dxa(-2.7),)))[Topic.START_ANTIRESORPTIVE]
    assert drug_keys(rec) == FIVE
    assert rec.options and not any(s.recommended for s in rec.suggestions)


def test_raloxifene_for_a_man_or_unknown_sex_is_left_to_the_gate_which_names_it():
    for sex in (Sex.MALE, Sex.UNKNOWN):
        rec = by_topic(run(sex=sex, dxa=(dxa(-2.7),)))[Topic.START_ANTIRESORPTIVE]
        assert "raloxifene" not in drug_keys(rec)
        assert ("GATE-RALOXIFENE", "raloxifene") in {(r.node, dict(r.params).get("agent")) for r in rec.blocked}


def test_an_intolerance_is_named_by_its_gate_and_the_guideline_other_options_stay():
    """vitaz-2025 does not rule out every tablet for an intolerance of one: GATE-INTOLERANCE removes alendronic acid
    and says why; risedronic acid stays an option, none is ranked, denosumab carries its note for a younger man."""
    rec = by_topic(run(age=55, sex=Sex.MALE, dxa=(dxa(-2.8),), intolerances=(coded("alendronic-acid"),)))[Topic.START_ANTIRESORPTIVE]
    assert drug_keys(rec) == ["zoledronic-acid", "denosumab", "risedronic-acid"]
    assert not any(s.recommended for s in rec.suggestions)
    assert ("GATE-INTOLERANCE", "alendronic-acid") in {(r.node, dict(r.params).get("agent")) for r in rec.blocked}
    assert "vitaz.therapy.denosumab-younger" in {r.message for r in rec.reasons}


def test_the_one_option_the_gates_leave_is_recommended():
    intolerant = tuple(coded(a) for a in ("alendronic-acid", "risedronic-acid", "zoledronic-acid"))
    rec = by_topic(run(sex=Sex.MALE, dxa=(dxa(-2.8),), intolerances=intolerant))[Topic.START_ANTIRESORPTIVE]
    assert drug_keys(rec) == ["denosumab"] and rec.suggestions[0].recommended


def test_options_waiting_for_the_lab_do_not_make_a_first_choice():
    """The guideline ranks none: zoledronic acid and denosumab wait for the lab (single high-impact doses), the tablets
    stay offered with what to check first, and no drug is recommended."""
    rec = by_topic(run(dxa=(dxa(-2.7),), labs=(), vitamin_d=None, weight=None))[Topic.START_ANTIRESORPTIVE]
    assert drug_keys(rec) == ["alendronic-acid", "risedronic-acid", "raloxifene"]
    assert not any(s.recommended for s in rec.suggestions) and rec.options
    assert {dict(r.params)["agent"] for r in rec.blocked if r.message == "gate.pending"} == {"zoledronic-acid", "denosumab"}


def test_at_60_denosumab_is_no_longer_argued_against():
    rec = by_topic(run(age=60, sex=Sex.MALE, dxa=(dxa(-2.8),)))[Topic.START_ANTIRESORPTIVE]
    assert "vitaz.therapy.denosumab" in {r.message for r in rec.reasons}
    assert "vitaz.therapy.denosumab-younger" not in {r.message for r in rec.reasons}


@pytest.mark.parametrize(("case", "kw", "waiting"), [
    ("VITAZ-4 T = -0.9", dict(dxa=(dxa(-0.9),)), Topic.NO_DRUG_THERAPY),
    ("VITAZ-5 FRAX below", dict(dxa=(dxa(-2.4),), **frax(19.9, 2.9)), Topic.NO_DRUG_THERAPY),
], ids=lambda c: c if isinstance(c, str) else "")
def test_no_drug_waits_for_the_vfa_when_the_vertebrae_are_unknown(case, kw, waiting):
    """guidelines.md "VF status known": a BMD without VFA or spine X-ray never yields "no drug therapy" — a vertebral
    fracture is a fragility fracture; the VFA is ordered and the decision waits for it."""
    recs = by_topic(run(spine_imaging=(), **kw))
    assert waiting not in recs
    vfa = recs[Topic.ORDER_DXA_VFA]
    assert [s.key for s in vfa.suggestions] == ["vfa"] and vfa.reasons[0].message == "vitaz.vf.unknown"


def test_frax_is_asked_with_the_vfa_alongside():
    recs = by_topic(run(spine_imaging=(), dxa=(dxa(-1.5),)))
    assert {Topic.ASSESS_FRAX, Topic.ORDER_DXA_VFA} <= set(recs) and Topic.NO_DRUG_THERAPY not in recs


def test_a_vertebral_fracture_on_record_is_a_fragility_fracture_not_a_question():
    vertebra = fracture(FractureSite.VERTEBRA, date(2026, 3, 1), grade=1)
    recs = by_topic(run(spine_imaging=(), dxa=(dxa(-0.5),), fractures=(vertebra,)))
    assert Topic.START_ANTIRESORPTIVE in recs and Topic.ORDER_DXA_VFA not in recs


def test_frax_hip_threshold_follows_the_age_on_the_frax_date():
    """Hip FRAX 3 %: raised at 69 (threshold 3 %); not for a patient who is 71 today but was 70 when FRAX was
    calculated (threshold 5 %)."""
    facts = dict(age=69, dxa=(dxa(-1.5),), **frax(5, 3.0, date(2026, 6, 1)))
    assert Topic.START_ANTIRESORPTIVE in by_topic(run(**facts))
    older = dict(age=71, dxa=(dxa(-1.5),), **frax(5, 3.0, date(2025, 6, 1)))  # 70 on the FRAX date: 5 %
    assert Topic.NO_DRUG_THERAPY in by_topic(run(**older))


def test_frax_older_than_24_months_is_asked_again():
    recs = run(dxa=(dxa(-1.5),), **frax(30, 10, date(2024, 11, 1)))
    assert Topic.ASSESS_FRAX in by_topic(recs)
    assert by_topic(recs)[Topic.ASSESS_FRAX].links == ("frax-be",)


def test_previously_treated_patient_goes_through_the_table_with_the_earlier_drug_shown():
    stopped = episode(Agent.ALENDRONIC_ACID, date(2018, 1, 1), date(2023, 1, 1))
    rec = by_topic(run(dxa=(dxa(-2.7),), therapies=(stopped,)))[Topic.START_ANTIRESORPTIVE]
    assert "fact.therapy" in {e.label for e in rec.evidence}


def test_palliative_care_gets_no_fracture_prevention():
    recs = run(dxa=(dxa(-3.0),), limited_life_expectancy=coded("palliative-care"))
    assert [r.topic for r in recs] == [Topic.NO_DRUG_THERAPY]
    assert recs[0].reasons[0].message == "vitaz.life-expectancy"

"""VITAZ-9 / Appendix 5: each reimbursement criterion met, not met and unknown; a referral, never a one-click anabolic."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings.facts import Agent, FractureSite, Sex
from pathways import evaluate
from pathways.recommendation import SuggestionKind, Topic
from pathways.vitaz import reimbursement
from pathways.vitaz.reimbursement import Status
from tests.rcop_helpers import by_topic, coded, dxa, episode, fracture, glucocorticoid, make, vf

RECENT_DXA = dxa(-2.8, -2.6, when=date(2026, 8, 1))
OLD_DXA = dxa(-2.8, when=date(2025, 12, 1))


def facts(age=72, sex=Sex.FEMALE, **kw):
    kw.setdefault("postmenopausal", sex is Sex.FEMALE)
    return make(age, sex, **kw)


def status(criteria, key: str) -> Status:
    return next(c.status for c in criteria if c.key == key)


ROMOSOZUMAB = [
    # (case, facts, criterion, status)
    ("woman after menopause", facts(), "romosozumab.sex", Status.MET),
    ("man", facts(sex=Sex.MALE), "romosozumab.sex", Status.NOT_MET),
    ("woman before menopause", facts(age=45, postmenopausal=False), "romosozumab.sex", Status.NOT_MET),
    ("menopause unknown", facts(age=50, postmenopausal=None), "romosozumab.sex", Status.UNKNOWN),
    ("vertebral fracture grade 2, 8 months", facts(fractures=(vf(2, date(2026, 3, 1)),)), "romosozumab.fracture", Status.MET),
    ("vertebral fracture grade 1", facts(fractures=(vf(1, date(2026, 3, 1)),)), "romosozumab.fracture", Status.NOT_MET),
    ("vertebral fracture ungraded", facts(fractures=(fracture(FractureSite.VERTEBRA, date(2026, 3, 1)),)),
     "romosozumab.fracture", Status.UNKNOWN),
    ("pelvis fracture", facts(fractures=(fracture(FractureSite.PELVIS, date(2026, 3, 1)),)), "romosozumab.fracture", Status.MET),
    ("hip fracture 25 months ago", facts(fractures=(fracture(FractureSite.HIP, date(2024, 10, 1)),)),
     "romosozumab.fracture", Status.NOT_MET),
    ("wrist fracture at 75", facts(age=76, fractures=(fracture(FractureSite.WRIST, date(2026, 3, 1)),)),
     "romosozumab.fracture", Status.MET),
    ("wrist fracture at 74", facts(age=75, fractures=(fracture(FractureSite.WRIST, date(2025, 12, 1)),)),
     "romosozumab.fracture", Status.NOT_MET),
    ("T -2.8 on a 4-month-old BMD", facts(dxa=(RECENT_DXA,)), "romosozumab.bmd-or-vf", Status.MET),
    ("T -2.5 is not below -2.5", facts(dxa=(dxa(-2.5, when=date(2026, 8, 1)),)), "romosozumab.bmd-or-vf", Status.NOT_MET),
    ("BMD 12 months old", facts(dxa=(OLD_DXA,)), "romosozumab.bmd-or-vf", Status.UNKNOWN),
    ("no BMD, prior vertebral fracture grade 3", facts(fractures=(vf(3),)), "romosozumab.bmd-or-vf", Status.MET),
    ("no BMD, no vertebral fracture", facts(), "romosozumab.bmd-or-vf", Status.UNKNOWN),
    ("no MI or stroke", facts(), "romosozumab.no-ischaemic-event", Status.MET),
    ("stroke", facts(contraindications=(coded("stroke"),)), "romosozumab.no-ischaemic-event", Status.NOT_MET),
]

TERIPARATIDE = [
    ("T -2.8 recent", facts(dxa=(RECENT_DXA,)), "teriparatide.bmd", Status.MET),
    ("no BMD", facts(), "teriparatide.bmd", Status.UNKNOWN),
    ("two grade-2 fractures", facts(fractures=(vf(2), vf(2, n=1))), "teriparatide.vertebral-fractures", Status.MET),
    ("one grade-2 fracture", facts(fractures=(vf(2),)), "teriparatide.vertebral-fractures", Status.NOT_MET),
    ("one graded, one ungraded", facts(fractures=(vf(2), fracture(FractureSite.VERTEBRA, date(2020, 1, 1)))),
     "teriparatide.vertebral-fractures", Status.UNKNOWN),
    ("one fracture, glucocorticoid-induced", facts(fractures=(vf(2),), glucocorticoids=(glucocorticoid(10, date(2023, 1, 1), date(2023, 6, 1)),)),
     "teriparatide.vertebral-fractures", Status.MET),
    ("12 months of alendronic acid", facts(therapies=(episode(Agent.ALENDRONIC_ACID, date(2024, 1, 1), date(2025, 1, 1)),)),
     "teriparatide.prior-treatment", Status.MET),
    ("11 months of raloxifene", facts(therapies=(episode(Agent.RALOXIFENE, date(2024, 1, 1), date(2024, 12, 1)),)),
     "teriparatide.prior-treatment", Status.NOT_MET),
    ("12 months of denosumab does not count", facts(therapies=(episode(Agent.DENOSUMAB, date(2023, 1, 1), date(2024, 6, 1)),)),
     "teriparatide.prior-treatment", Status.NOT_MET),
]


@pytest.mark.parametrize(("case", "f", "key", "expected"), ROMOSOZUMAB, ids=[c[0] for c in ROMOSOZUMAB])
def test_romosozumab_criterion(case, f, key, expected):
    assert status(reimbursement.romosozumab(f), key) is expected


@pytest.mark.parametrize(("case", "f", "key", "expected"), TERIPARATIDE, ids=[c[0] for c in TERIPARATIDE])
def test_teriparatide_criterion(case, f, key, expected):
    assert status(reimbursement.teriparatide(f), key) is expected


def test_all_met_is_a_referral_with_every_criterion_as_evidence():
    recs = evaluate("vitaz-2025", facts(fractures=(vf(2, date(2026, 3, 1)),), dxa=(RECENT_DXA,)))
    rec = by_topic(recs)[Topic.REFER_ANABOLIC]
    assert Topic.START_ANTIRESORPTIVE not in by_topic(recs)
    assert [s.key for s in rec.suggestions] == ["referral-secondary-care"]
    assert not [s for s in rec.suggestions if s.kind is SuggestionKind.MEDICATION]
    lines = {e.label: e.value for e in rec.evidence if e.label.startswith("vitaz.criterion.")}
    assert len(lines) == 7 and lines["vitaz.criterion.romosozumab.sex"].startswith("{met}")
    assert dict(rec.reasons[1].params)["agents"] == ("romosozumab",)


def test_romosozumab_never_for_a_man_or_after_a_stroke():
    for f in (facts(sex=Sex.MALE, fractures=(vf(2, date(2026, 3, 1)),), dxa=(RECENT_DXA,)),
              facts(fractures=(vf(2, date(2026, 3, 1)),), dxa=(RECENT_DXA,), contraindications=(coded("stroke"),))):
        recs = by_topic(evaluate("vitaz-2025", f))
        assert Topic.REFER_ANABOLIC not in recs
        assert "vitaz.9.not-met" in {r.message for r in recs[Topic.START_ANTIRESORPTIVE].reasons}


def test_unknown_criteria_order_the_bmd_before_any_antiresorptive():
    """Review 2 W10: Appendix 5 possibly met with a BMD older than 6 months — the BMD with VFA is ordered and no
    antiresorptive is one click away (the referral comes before one is started)."""
    rec = by_topic(evaluate("vitaz-2025", facts(fractures=(fracture(FractureSite.PELVIS, date(2026, 2, 1)),), dxa=(OLD_DXA,))))
    assert Topic.START_ANTIRESORPTIVE not in rec
    order = rec[Topic.ORDER_DXA_VFA]
    assert order.indicator.value == "warning"
    assert [(s.key, s.recommended) for s in order.suggestions] == [("dxa-vfa", True)]
    wait = next(r for r in order.reasons if r.message == "vitaz.9.wait")
    assert wait.node == "VITAZ-9" and dict(wait.params)["agents"] == ("romosozumab",)


def test_an_ungraded_vertebral_fracture_asks_for_its_grade_before_any_antiresorptive():
    """Review 2 W10: the data-needed card names the grade and the agent that waits for it."""
    f = facts(fractures=(fracture(FractureSite.VERTEBRA, date(2026, 3, 1)),), dxa=(RECENT_DXA,))
    rec = by_topic(evaluate("vitaz-2025", f))
    assert Topic.START_ANTIRESORPTIVE not in rec
    needed = rec[Topic.DATA_NEEDED]
    assert "no-genant-grade" in {g.code for g in needed.missing}
    grade = next(r for r in needed.reasons if r.message == "vitaz.9.grade-needed")
    assert dict(grade.params)["agents"] == ("romosozumab",)


def test_a_wrist_fracture_before_75_is_the_reason_romosozumab_is_not_met():
    """Review 2 W18: not "no such fracture" while the wrist fracture is on the card: its age is the reason."""
    criterion = next(c for c in reimbursement.romosozumab(facts(age=75, fractures=(fracture(FractureSite.WRIST, date(2025, 12, 1)),)))
                     if c.key == "romosozumab.fracture")
    assert criterion.status is Status.NOT_MET
    assert "{wrist}" in criterion.detail and "{at-age}" in criterion.detail
    assert dict(criterion.params)["age"] == 74


def test_vertebral_fractures_without_a_vfa_are_unknown_not_absent():
    """Review 2 W18: no VFA or spine X-ray on record — "0 vertebral fractures" is unknown, not "not met"."""
    criterion = next(c for c in reimbursement.teriparatide(facts(dxa=(RECENT_DXA,), spine_imaging=())) if c.key == "teriparatide.vertebral-fractures")
    assert criterion.status is Status.UNKNOWN and "{no-vfa}" in criterion.detail


def test_an_anabolic_drug_a_gate_rules_out_is_discussed_through_a_referral():
    """Review 2 W27: "bespreek met de tweede lijn" comes with the referral to order."""
    f = facts(age=70, sex=Sex.MALE, fractures=(vf(2), vf(3, n=1)), dxa=(dxa(-2.7, when=date(2026, 9, 1)),),
              therapies=(episode(Agent.ALENDRONIC_ACID, date(2021, 1, 1), date(2025, 6, 1)),),
              contraindications=(coded("paget-disease"),))
    rec = by_topic(evaluate("vitaz-2025", f))
    assert Topic.START_ANTIRESORPTIVE in rec
    refer = rec[Topic.REFER_SECONDARY_CARE]
    assert [(s.key, s.recommended) for s in refer.suggestions] == [("referral-secondary-care", True)]
    assert "VITAZ-9" in refer.nodes


def test_teriparatide_for_a_man_after_bisphosphonate_years():
    f = facts(age=70, sex=Sex.MALE, fractures=(vf(2), vf(3, n=1)), dxa=(dxa(-2.7, when=date(2026, 9, 1)),),
              therapies=(episode(Agent.ALENDRONIC_ACID, date(2021, 1, 1), date(2025, 6, 1)),))
    rec = by_topic(evaluate("vitaz-2025", f))[Topic.REFER_ANABOLIC]
    assert dict(rec.reasons[1].params)["agents"] == ("teriparatide",)


def test_no_fracture_no_anabolic_question():
    start = by_topic(evaluate("vitaz-2025", facts(dxa=(RECENT_DXA,), risk_factors=(coded("copd"),))))[Topic.START_ANTIRESORPTIVE]
    assert "VITAZ-9" not in start.nodes
    assert not [e for e in start.evidence if e.label.startswith("vitaz.criterion.")]

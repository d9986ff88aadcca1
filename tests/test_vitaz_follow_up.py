"""vitaz-2025 Appendix 4 doses, the care-team steps, the follow-up calendar (VITAZ-FU-1..3) and switching (VITAZ-FU-5)."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings.facts import Adherence, Agent, Measured, Medication, Sex
from pathways import evaluate
from pathways.recommendation import Topic
from pathways.vitaz import follow_up
from tests.rcop_helpers import by_topic, coded, drug_keys, dxa, episode, make, src

RA = (coded("rheumatoid-arthritis"),)


def measured(value: float, unit: str, when: date = date(2026, 10, 1)) -> Measured:
    return Measured(value, unit, when, src("Observation", f"m-{value}", when))


def supplements(**kw) -> list[str]:
    """The supplement keys of the calcium-vitamin-d recommendation ([] when there is none)."""
    rec = by_topic(evaluate("vitaz-2025", make(70, Sex.FEMALE, risk_factors=RA, postmenopausal=True, dxa=(dxa(-2.7),), **kw)))
    return [s.key for s in rec[Topic.CALCIUM_VITAMIN_D].suggestions] if Topic.CALCIUM_VITAMIN_D in rec else []


@pytest.mark.parametrize(("kw", "expected"), [
    (dict(vitamin_d=measured(29.9, "ng/mL")), ["colecalciferol-800"]),
    (dict(vitamin_d=measured(30.0, "ng/mL")), []),
    (dict(vitamin_d=measured(19.9, "ng/mL")), ["colecalciferol-25000"]),
    (dict(vitamin_d=measured(20.0, "ng/mL")), ["colecalciferol-800"]),
    (dict(vitamin_d=measured(10, "ng/mL", date(2025, 10, 1))), []),  # 13 months old: the dose waits for the lab
    (dict(dairy_portions=measured(1, "/d")), ["calcium-carbonate-1000"]),
    (dict(dairy_portions=measured(2, "/d")), ["calcium-carbonate-500"]),
    (dict(dairy_portions=measured(3, "/d")), ["calcium-carbonate-500"]),
    (dict(dairy_portions=measured(4, "/d")), []),
    (dict(vitamin_d=measured(25, "ng/mL"), dairy_portions=measured(1, "/d")), ["colecalciferol-800", "calcium-carbonate-1000"]),
], ids=["D 29.9", "D 30", "D 19.9", "D 20", "D old", "dairy 1", "dairy 2", "dairy 3", "dairy 4", "both"])
def test_appendix_4_doses(kw, expected):
    assert supplements(**kw) == expected


def test_unknown_intake_and_vitamin_d_are_asked_for_with_the_carbonate_equivalence():
    rec = by_topic(evaluate("vitaz-2025", make(70, risk_factors=RA, dxa=(dxa(-0.5),), vitamin_d=None)))[Topic.CALCIUM_VITAMIN_D]
    assert not rec.suggestions
    assert [r.message for r in rec.reasons] == [
        "vitaz.supplements.vitamin-d-unknown", "vitaz.supplements.calcium-ask", "vitaz.supplements.carbonate",
    ]


def test_already_supplemented_needs_no_card_unless_vitamin_d_stays_low():
    taking = (Medication("calcium-vitamin-d", "calcium/D3", date(2025, 1, 1), None, src("MedicationStatement", "cad")),)
    assert supplements(medications=taking) == []
    rec = by_topic(evaluate("vitaz-2025", make(70, risk_factors=RA, dxa=(dxa(-0.5),), medications=taking,
                                                vitamin_d=measured(25, "ng/mL"))))[Topic.CALCIUM_VITAMIN_D]
    assert [r.message for r in rec.reasons] == ["vitaz.supplements.low-despite-supplement"]


def test_a_deficiency_despite_a_supplement_gets_the_loading_dose():
    """Review 2 W16: 18 ng/ml on a supplement is a deficiency (< 20 ng/ml) as without one: 25,000 IU weekly."""
    taking = (Medication("calcium-vitamin-d", "calcium/D3", date(2025, 1, 1), None, src("MedicationStatement", "cad")),)
    assert supplements(medications=taking, vitamin_d=measured(18, "ng/mL")) == ["colecalciferol-25000"]
    rec = by_topic(evaluate("vitaz-2025", make(70, risk_factors=RA, dxa=(dxa(-0.5),), medications=taking,
                                                vitamin_d=measured(18, "ng/mL"))))[Topic.CALCIUM_VITAMIN_D]
    why = rec.reasons[0]
    assert why.message == "vitaz.supplements.deficient-despite-supplement" and dict(why.params)["deficient"] == 20.0


def test_a_vitamin_d_only_supplement_still_asks_for_the_calcium_intake():
    taking = (Medication("calcium-vitamin-d", "D3", date(2025, 1, 1), None, src("MedicationStatement", "d3"), ("vitamin-d",)),)
    rec = by_topic(evaluate("vitaz-2025", make(70, risk_factors=RA, dxa=(dxa(-0.5),), medications=taking)))[Topic.CALCIUM_VITAMIN_D]
    assert [r.message for r in rec.reasons] == ["vitaz.supplements.calcium-ask", "vitaz.supplements.carbonate"]
    assert supplements(medications=taking, dairy_portions=measured(1, "/d")) == ["calcium-carbonate-1000"]


def test_care_team_steps_follow_the_record():
    low_bmi = measured(17.5, "kg/m2")
    meds = (Medication("benzodiazepines", "lorazepam", date(2025, 1, 1), None, src("MedicationStatement", "bzd")),)
    rec = by_topic(evaluate("vitaz-2025", make(60, risk_factors=(coded("frailty"),), bmi=low_bmi, medications=meds,
                                                dxa=(dxa(-0.5),))))[Topic.LIFESTYLE_FALLS]
    assert {r.message for r in rec.reasons} == {
        "vitaz.general.lifestyle", "vitaz.team.pharmacist", "vitaz.team.pharmacist-fall-risk",
        "vitaz.team.physiotherapist", "vitaz.team.ergotherapist", "vitaz.team.dietitian",
    }
    assert not rec.suggestions


def on(start: date, agent: Agent = Agent.ALENDRONIC_ACID, **kw):
    kw.setdefault("risk_factors", RA)
    return evaluate("vitaz-2025", make(70, therapies=(episode(agent, start),), **kw))


NO_RESULTS = dict(labs=(), vitamin_d=None)  # no lab result since the start


@pytest.mark.parametrize(("start", "kw", "node", "indicator"), [
    (date(2026, 8, 22), NO_RESULTS, "VITAZ-FU-1", "info"),  # exactly 3 months
    (date(2026, 7, 22), NO_RESULTS, "VITAZ-FU-1", "info"),  # exactly 4 months: not yet past due
    (date(2026, 7, 21), NO_RESULTS, "VITAZ-FU-1", "warning"),
    (date(2025, 11, 22), NO_RESULTS, "VITAZ-FU-2", "info"),
    (date(2025, 9, 21), NO_RESULTS, "VITAZ-FU-2", "warning"),  # 1 year + 2 months + a day
    (date(2021, 11, 22), dict(labs=(("creatinine", Measured(0.9, "mg/dL", date(2026, 11, 1), src())),)), "VITAZ-FU-3", "info"),
    (date(2021, 9, 21), dict(labs=(("creatinine", Measured(0.9, "mg/dL", date(2026, 9, 1), src())),)), "VITAZ-FU-3", "warning"),
])
def test_follow_up_due_and_past_due(start, kw, node, indicator):
    rec = by_topic(on(start, **kw))[Topic.FOLLOW_UP_DUE]
    assert node in rec.nodes and rec.indicator.value == indicator


@pytest.mark.parametrize(("start", "kw"), [
    (date(2026, 8, 23), {}),  # a day short of 3 months
    (date(2026, 7, 1), dict(NO_RESULTS, vitamin_d=measured(31, "ng/mL", date(2026, 9, 1)))),  # FU-1 done
    (date(2025, 11, 22), dict(NO_RESULTS, labs=(("calcium", Measured(9.5, "mg/dL", date(2026, 9, 22), src())),))),  # FU-2 done
    (date(2021, 6, 1), dict(labs=(("calcium", Measured(9.5, "mg/dL", date(2026, 6, 15), src())),),
                            dxa=(dxa(-2.0, when=date(2025, 12, 1)),))),  # FU-3 done by a DXA after 4.5 years
])
def test_follow_up_not_due_or_done(start, kw):
    assert Topic.FOLLOW_UP_DUE not in by_topic(on(start, **kw))


def test_a_switch_does_not_restart_the_five_year_clock():
    facts = make(70, risk_factors=RA, therapies=(
        episode(Agent.ALENDRONIC_ACID, date(2021, 11, 1), date(2024, 1, 1)), episode(Agent.DENOSUMAB, date(2024, 2, 1)),
    ))
    assert follow_up.course_start(facts, facts.therapies[-1]) == date(2021, 11, 1)
    assert "VITAZ-FU-3" in by_topic(evaluate("vitaz-2025", facts))[Topic.FOLLOW_UP_DUE].nodes


def pdc(agent: Agent, proportion: float) -> Adherence:
    return Adherence(agent, proportion, date(2026, 1, 1), date(2026, 11, 22), (src("MedicationDispense", "d"),))


@pytest.mark.parametrize(("kw", "switch"), [
    (dict(adherence=(pdc(Agent.ALENDRONIC_ACID, 0.79),)), True),
    (dict(adherence=(pdc(Agent.ALENDRONIC_ACID, 0.80),)), False),
    (dict(adherence=(pdc(Agent.ALENDRONIC_ACID, 0.95),), non_adherence=coded("non-adherence", date(2026, 9, 1))), False),
    (dict(non_adherence=coded("non-adherence", date(2026, 9, 1))), True),
    (dict(non_adherence=coded("non-adherence", date(2024, 9, 1))), False),  # recorded before this drug started
    (dict(intolerances=(coded("alendronic-acid"),)), True),
], ids=["PDC 79 %", "PDC 80 %", "PDC outweighs a record", "recorded", "recorded before the start", "side effects"])
def test_fu_5_switching(kw, switch):
    recs = by_topic(on(date(2025, 3, 1), **kw))
    assert (Topic.SWITCH_THERAPY in recs) is switch
    if switch:
        rec = recs[Topic.SWITCH_THERAPY]
        assert "alendronic-acid" not in drug_keys(rec) and rec.options and not any(s.recommended for s in rec.suggestions)
        assert any(dict(r.params).get("agent") == "alendronic-acid" for r in rec.reasons)


def test_switching_from_denosumab_says_it_is_never_simply_stopped():
    recs = by_topic(on(date(2024, 1, 1), Agent.DENOSUMAB, sex=Sex.MALE, adherence=(pdc(Agent.DENOSUMAB, 0.7),)))
    rec = recs[Topic.SWITCH_THERAPY]
    assert "vitaz.fu.5.denosumab" in {r.message for r in rec.reasons}
    assert drug_keys(rec) == ["zoledronic-acid", "alendronic-acid", "risedronic-acid"]

"""RCOP chart 3 — "Evaluatie patiënt op therapie na: Alendroninezuur/Risedroninezuur 5 jaar, Zoledroninezuur
3 jaar" (`RCOP-BP`), with its "Indicatie voor switch" box and the follow-up after anabolic therapy.

Interpretation: the switch box (RCOP-BP-2..4) is read as applying to anyone on a bisphosphonate, not only at
the 5/3-year evaluation — side effects and therapy failure do not wait for it.

When a cycle is complete, when the evaluation is open or done, and what a restart does to the count are
readings of the chart kept in pathways/rcop/cycles.py, with their numbers in rcop-2023.toml [bp]
(`zoledronic_infusion_months`, `evaluation_dxa_window_months`, `restart_gap_months`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fhir_mappings.facts import (
    ANABOLICS,
    DxaExam,
    ANTIRESORPTIVES,
    BISPHOSPHONATES,
    Agent,
    PatientFacts,
    TherapyEpisode,
)
from pathways import evidence, routines
from pathways.rcop.common import (
    Context,
    anabolic_referral,
    drugs,
    due_indicator,
    goal_not_reached,
    lab_order,
    order_dxa,
    reason,
    service,
    vf_status,
    vf_unanswered,
)
from pathways.rcop.config import VF_THERAPY_GRADE, regimen, section
from pathways.rcop.cycles import (
    cycle_years,
    cycles_done,
    evaluation,
    evaluation_dxa,
    follow_up_years,
    oral,
)
from pathways.recommendation import Indicator, Recommendation, Suggestion, SuggestionKind, Topic
from pathways.safety.net import therapy_failure

CHART = "RCOP-BP"
_CFG = section("bp")


def bp_1(ctx: Context, agent: Agent, due: date) -> list[Recommendation]:
    """RCOP-BP-1 — "Klinische risicofactoren, Lab, DXA+VFA voor beslissing stoppen/continueren/switchen van
    therapie", while the evaluation is open: no DXA+VFA counts for it yet (cycles.evaluation_dxa), so one is
    ordered."""
    why = reason("RCOP-BP-1", agent=agent.value, years=cycle_years(agent))
    evaluation = ctx.rec(Topic.TREATMENT_EVALUATION_DUE, due_indicator(ctx.facts, due), why)
    return [evaluation, *lab_order(ctx, "RCOP-BP-1"), order_dxa(ctx, "RCOP-BP-1", "dxa")]


def bp_2(ctx: Context, agent: Agent) -> list[Recommendation]:
    """RCOP-BP-2 — "Bijwerkingen tabletten: naar drank of parenteraal": one choice. The parenteral drugs first (the
    first recommended): the commonest side effect, upper-GI irritation, is not helped by a solution; alendronic acid
    as an oral solution (coded as such) for swallowing problems. The intolerance on record is shown."""
    parenteral = drugs(ctx.facts, regimen("tablet_side_effects"))
    solution = Suggestion(SuggestionKind.MEDICATION, Agent.ALENDRONIC_ACID.value, recommended=False, variant="oral-solution")
    shown = tuple(evidence.coded("fact.intolerance", i) for i in ctx.facts.intolerances if i.code == agent.value)
    ctx = replace(ctx, evidence=(*ctx.evidence, *shown))
    return [ctx.rec(Topic.SWITCH_THERAPY, Indicator.WARNING, reason("RCOP-BP-2", agent=agent.value), suggestions=(*parenteral, solution),
                    options=True)]


def after_evaluation(ctx: Context, node: str, agent: Agent, agents: tuple[Agent, ...]) -> tuple[Suggestion, ...]:
    """The switch's drugs: none recommended before the re-evaluation the safety net asks for (adherence, lab,
    DXA+VFA), each saying which drug stops."""
    then = (reason(node, key="after-evaluation", agent=agent.value),)
    return tuple(replace(s, checks=then) for s in drugs(ctx.facts, agents, recommend_first=False))


def bp_3(ctx: Context, agent: Agent) -> list[Recommendation]:
    """RCOP-BP-3 — "Therapiefalen van tabletten naar zoledroninezuur of denosumab"."""
    options = after_evaluation(ctx, "RCOP-BP-3", agent, regimen("tablet_failure"))
    return [ctx.rec(Topic.SWITCH_THERAPY, Indicator.WARNING, reason("RCOP-BP-3", agent=agent.value), suggestions=options, alert=True,
                    options=True)]


def bp_4(ctx: Context) -> list[Recommendation]:
    """RCOP-BP-4 — "Therapiefalen van zoledroninezuur naar denosumab of botvormende medicatie" ("Redenen voor
    switch naar botvormende medicatie: therapiefalen en" the ANABOLIC criteria)."""
    failure = reason("RCOP-BP-4")
    referral, notes = anabolic_referral(ctx, (failure,), "RCOP-BP-4")
    if referral is not None:
        return [referral]
    options = after_evaluation(ctx, "RCOP-BP-4", Agent.ZOLEDRONIC_ACID, regimen("zoledronic_failure"))
    return [ctx.rec(Topic.SWITCH_THERAPY, Indicator.WARNING, failure, *notes, suggestions=options, alert=True, options=True)]


def bp_5(ctx: Context, agent: Agent, exam: DxaExam) -> list[Recommendation]:
    """RCOP-BP-5 — "T-scores >-2.5, geen botverlies >5% tov baseline en geen nieuwe fracturen/prevalente WF of
    risicofactoren" -> "Stop bisfosfonaat"; follow-up DXA+VFA after 2 (alendronic/risedronic acid) or 3 years
    (zoledronic acid), then every 2-3 years."""
    years = follow_up_years(agent)
    ctx = replace(ctx, evidence=(*ctx.evidence, *evidence.bone_loss_unassessed(exam)))
    follow_up = replace(service("dxa-vfa"), start=routines.add_months(ctx.facts.today, 12 * years), intent="plan")
    return [ctx.rec(Topic.DRUG_HOLIDAY, Indicator.INFO, reason("RCOP-BP-5", agent=agent.value, years=years), suggestions=(follow_up,))]


def bp_6(ctx: Context, last: TherapyEpisode, findings: tuple[str, ...]) -> list[Recommendation]:
    """RCOP-BP-6 — during a drug holiday, "Indien: T-score <=-2.5 of botverlies >5% tov baseline of nieuwe
    fractuur of nieuwe risicofactoren" -> "Herstart therapie" (the previous drug first)."""
    options = drugs(ctx.facts, (last.agent, *regimen("non_hip")))
    why = reason("RCOP-BP-6", findings=findings)
    return [ctx.rec(Topic.RESTART_THERAPY, Indicator.WARNING, why, suggestions=options)]


def bp_7(ctx: Context, agent: Agent) -> list[Recommendation]:
    """RCOP-BP-7 — "Anders continueer: Alendroninezuur/Risedroninezuur 5 jaar, Zoledroninezuur 3 jaar"."""
    return [ctx.rec(Topic.CONTINUE_THERAPY, Indicator.INFO, reason("RCOP-BP-7", agent=agent.value, years=cycle_years(agent)))]


def bp_8(ctx: Context, agent: Agent) -> list[Recommendation]:
    """RCOP-BP-8 — "Na maximaal 2 behandelcycli van 3-5 jaar" -> "Therapie 2e lijn"."""
    why = reason("RCOP-BP-8", agent=agent.value, cycles=_CFG["max_cycles"])
    return [ctx.rec(Topic.REFER_SECONDARY_CARE, Indicator.INFO, why, suggestions=(service("referral-secondary-care"),))]


def bp_9(ctx: Context, course: TherapyEpisode) -> list[Recommendation]:
    """RCOP-BP-9 — after "Romosozumab 1 jaar" / "Teriparatide 2 jaar": "Start voor minimaal 2 jr
    botafbraakremmende medicatie" — saying how long the patient has been without one since the course ended."""
    today = ctx.facts.today
    gap = routines.whole_months(course.end, today) if course.end is not None and course.end < today else 0
    if gap:  # the course is over and nothing followed it: the months without an antiresorptive are named
        why = reason("RCOP-BP-9", "gap", agent=course.agent.value, stopped=course.end, months=gap)
    else:
        why = reason("RCOP-BP-9", agent=course.agent.value)
    return [ctx.rec(Topic.START_ANTIRESORPTIVE, Indicator.WARNING, why, suggestions=drugs(ctx.facts, regimen("non_hip")))]


def _on_therapy(ctx: Context, episode: TherapyEpisode) -> list[Recommendation]:
    """The switch box first; at the 5/3-year evaluation of the current course (counted again from a restart),
    RCOP-BP-1 while it is open — with the referral when it is the `max_cycles`th — then only the decision
    (switch / stop / continue / refer) on the DXA that counts for it (rcop-2023.toml [bp])."""
    facts, agent = ctx.facts, episode.agent
    failed = therapy_failure(facts, episode)
    if oral(agent) and agent in routines.intolerant_agents(facts):
        switch = bp_2(ctx, agent)
    elif failed:
        switch = bp_3(ctx, agent) if oral(agent) else bp_4(ctx)
    else:
        switch = []
    current = evaluation(facts, agent)
    if current is None:
        return switch
    last_cycle = current.cycles >= _CFG["max_cycles"]
    exam = evaluation_dxa(facts, current.due)
    if exam is None:
        return bp_1(ctx, agent, current.due) + (switch or (bp_8(ctx, agent) if last_cycle else []))
    if switch:
        return switch
    # "new" fractures / risk factors: since the restart for a restarted course, else since the first bisphosphonate
    start = current.course_start if current.restarted else min(e.start for e in routines.episodes(facts, BISPHOSPHONATES))
    if not goal_not_reached(facts, exam, start, bone_loss_percent=_CFG["bone_loss_percent"], prevalent_vf=True):
        if vf_status(facts) is not routines.VfStatus.NO:  # "geen prevalente WF" needs the VFA: no holiday before it
            return vf_unanswered(ctx, "RCOP-BP-5")
        return bp_5(ctx, agent, exam) + lab_order(ctx, "RCOP-BP-1")
    return bp_8(ctx, agent) if last_cycle else bp_7(ctx, agent)


def _holiday(ctx: Context, last: TherapyEpisode) -> list[Recommendation]:
    """After a stop (RCOP-BP-5): restart on a trigger (RCOP-BP-6), else the follow-up DXA+VFA when it is due."""
    facts = ctx.facts
    exam = routines.latest_dxa(facts, since=last.end)
    findings = goal_not_reached(facts, exam, last.end, bone_loss_percent=_CFG["bone_loss_percent"])
    if findings:
        return bp_6(ctx, last, findings)
    next_dxa = routines.add_months(max(last.end, exam.date if exam else last.end), 12 * follow_up_years(last.agent))
    if next_dxa <= facts.today:
        follow_up = reason("RCOP-BP-5", "follow-up", agent=last.agent.value, years=follow_up_years(last.agent))
        return [ctx.rec(Topic.FOLLOW_UP_DUE, due_indicator(facts, next_dxa), follow_up, suggestions=(service("dxa-vfa"),))]
    return [ctx.rec(Topic.DRUG_HOLIDAY, Indicator.INFO, reason("RCOP-BP-5", "holiday", until=next_dxa))]


def _after_anabolic(ctx: Context) -> list[Recommendation]:
    """An anabolic course that is over (ended, or its 1/2 years reached) with no antiresorptive started since."""
    facts, months = ctx.facts, _CFG["anabolic_months"]
    for course in routines.episodes(facts, ANABOLICS):
        finished = course.end is not None and course.end <= facts.today
        if not finished and routines.add_months(course.start, months[course.agent.value]) > facts.today:
            continue
        if not any(e.start >= course.start for e in routines.episodes(facts, ANTIRESORPTIVES)):
            return bp_9(ctx, course)
    return []


def evaluate(facts: PatientFacts) -> list[Recommendation]:
    """Chart 3 for a patient on (or on a holiday from) a bisphosphonate, or after anabolic therapy; else []."""
    ev = tuple(x for e in facts.therapies for x in evidence.therapy(e)) + evidence.dxa(facts)
    ctx = Context(facts, ev + evidence.vertebral(facts, VF_THERAPY_GRADE) + evidence.fractures(routines.counted_fractures(facts)))
    recs = _after_anabolic(ctx)
    current = sorted(routines.ongoing(facts, BISPHOSPHONATES), key=lambda e: e.start)
    if current:
        return recs + _on_therapy(ctx, current[-1])
    bisphosphonates = routines.episodes(facts, BISPHOSPHONATES)
    if bisphosphonates and not routines.ongoing(facts, ANTIRESORPTIVES | ANABOLICS):
        last = max(bisphosphonates, key=lambda e: e.end)
        if cycles_done(facts, last.agent) >= 1:
            recs += _holiday(ctx, last)
    return recs

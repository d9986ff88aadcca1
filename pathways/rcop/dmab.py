"""RCOP chart 4 — "Evaluatie patient op therapie op Denosumab na 3 jaar" (`RCOP-DMAB`).

Safety rule (guidelines.md, both guidelines): denosumab must never just stop. Last injection more than
6 months + 4 weeks ago and no follow-up drug on record -> critical (rebound vertebral fractures). The follow-up
drugs are data (rcop-2023.toml [dmab] `follow_up_agents`, Interpretation): the agents of the stop regimens.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from fhir_mappings.facts import BISPHOSPHONATES, Agent, DataGap, DxaExam, PatientFacts, TherapyEpisode
from pathways import evidence, routines
from pathways.rcop.common import (
    Context,
    data_needed,
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
from pathways.recommendation import Indicator, Reason, Recommendation, Suggestion, SuggestionKind, Topic, merge

CHART = "RCOP-DMAB"
_CFG = section("dmab")
DENOSUMAB = (Agent.DENOSUMAB,)
FOLLOW_UP_AGENTS = tuple(Agent(a) for a in _CFG["follow_up_agents"])
REPEAT_AGENT = Agent(_CFG["repeat_agent"])


@dataclass(frozen=True)
class DenosumabUse:
    """Denosumab on record: first start, last injection, and whether 3 / 10 years of use are reached."""

    start: date
    last_injection: date
    long_term: bool  # >= 3 years: RCOP-DMAB-5 rather than -4
    max_reached: bool  # >= 10 years: RCOP-DMAB-3 -> secondary care

    @classmethod
    def of(cls, start: date, last_injection: date, today: date) -> DenosumabUse:
        covered = min(today, next_dose(last_injection))
        return cls(
            start,
            last_injection,
            routines.reached(start, covered, _CFG["evaluation_years"]),
            routines.reached(start, covered, _CFG["max_years"]),
        )

    @property
    def stop_node(self) -> str:
        """RCOP-DMAB-4 for < 3 years of denosumab, RCOP-DMAB-5 for >= 3 years."""
        return "RCOP-DMAB-5" if self.long_term else "RCOP-DMAB-4"

    @property
    def stop_regimen(self) -> tuple[Agent, ...]:
        return regimen("denosumab_stop_long" if self.long_term else "denosumab_stop_short")


def next_dose(last_injection: date) -> date:
    """"6 maanden na laatste injectie": when the next injection, or the follow-up drug, is due."""
    return routines.add_months(last_injection, _CFG["interval_months"])


def overdue(facts: PatientFacts, last_injection: date) -> bool:
    """Last injection more than 6 months + 4 weeks ago (the safety rule's grace period)."""
    return facts.today > next_dose(last_injection) + timedelta(weeks=_CFG["grace_weeks"])


def injection_late(ctx: Context, last_injection: date) -> list[Recommendation]:
    """The next injection is past its date but within the 4 weeks' grace (past it: the safety rule, critical): a
    planned dose past due is a warning ("gepland ...: geef de injectie nu")."""
    due = next_dose(last_injection)
    if due >= ctx.facts.today:
        return []
    why = reason("RCOP-DMAB", key="rcop.dmab.injection-late", due=due, last=last_injection)
    injection = Suggestion(SuggestionKind.MEDICATION, Agent.DENOSUMAB.value, recommended=True, start=ctx.facts.today)
    return [ctx.rec(Topic.FOLLOW_UP_DUE, Indicator.WARNING, why, suggestions=(injection,))]


def dmab_1(ctx: Context, evaluation_from: date, use: DenosumabUse) -> list[Recommendation]:
    """RCOP-DMAB-1 — "Klinische risicofactoren, Lab, DXA+VFA voor beslissing stoppen/continueren/switchen", decided
    before the next injection; past due (a warning) while no DXA since the 3 years were reached."""
    due = next_dose(use.last_injection)
    if due <= ctx.facts.today:  # the injection due now is given as planned; the evaluation decides the one after
        why = reason("RCOP-DMAB-1", "give-first", years=_CFG["evaluation_years"], due=due, next=next_dose(due))
    else:
        why = reason("RCOP-DMAB-1", years=_CFG["evaluation_years"], next=due)
    if routines.latest_dxa(ctx.facts, since=evaluation_from) is not None:
        return [ctx.rec(Topic.TREATMENT_EVALUATION_DUE, Indicator.INFO, why), *lab_order(ctx, "RCOP-DMAB-1")]
    due = ctx.rec(Topic.TREATMENT_EVALUATION_DUE, due_indicator(ctx.facts, evaluation_from), why)
    return [due, *lab_order(ctx, "RCOP-DMAB-1"), order_dxa(ctx, "RCOP-DMAB-1", "dxa")]


def dmab_2(ctx: Context, use: DenosumabUse, exam: DxaExam) -> list[Recommendation]:
    """RCOP-DMAB-2 — "T-scores >-2.5, geen botverlies >5% tov baseline + geen nieuwe fracturen of risicofactoren"
    -> "Switch naar Bisfosfonaat", timed by RCOP-DMAB-4/5 (6 months after the last injection)."""
    start = next_dose(use.last_injection)
    ctx = replace(ctx, evidence=(*ctx.evidence, *evidence.vertebral(ctx.facts, VF_THERAPY_GRADE)))  # stopping turns on it
    if vf_status(ctx.facts) is not routines.VfStatus.NO:  # stopping is a reassuring branch: not before the VFA
        return [replace(r, reasons=(*r.reasons, reason("RCOP-DMAB-2", "vf-first", due=start))) for r in vf_unanswered(ctx, "RCOP-DMAB-2")]
    reasons = (reason("RCOP-DMAB-2"), reason(use.stop_node, "plan", start=start))
    ctx = replace(ctx, evidence=(*ctx.evidence, *evidence.bone_loss_unassessed(exam)))
    suggestions = timed(ctx, use, use.stop_regimen, max(start, ctx.facts.today))
    return [ctx.rec(Topic.DENOSUMAB_TRANSITION, Indicator.INFO, *reasons, suggestions=suggestions)]


def dmab_3(ctx: Context, use: DenosumabUse) -> list[Recommendation]:
    """RCOP-DMAB-3 — treatment goal not reached: continue denosumab ("Levenslang", "Na maximaal 10 jaar" ->
    "Therapie 2e lijn")."""
    if use.max_reached:
        why = reason("RCOP-DMAB-3", "refer", years=_CFG["max_years"])
        return [ctx.rec(Topic.REFER_SECONDARY_CARE, Indicator.INFO, why, suggestions=(service("referral-secondary-care"),))]
    return [ctx.rec(Topic.CONTINUE_THERAPY, Indicator.INFO, reason("RCOP-DMAB-3", next=next_dose(use.last_injection)))]


def dmab_stop(ctx: Context, use: DenosumabUse) -> list[Recommendation]:
    """RCOP-DMAB-4 — "Stop behandelschema bij <3 jaar gebruik: Behandel 6 maanden na laatste injectie direct met
    Zoledroninezuur of Alendroninezuur*"; RCOP-DMAB-5 — ">=3 jaar: ... direct met Zoledroninezuur tenzij redenen
    voor Alendroninezuur*" ("*3e en 4e keuze Risedronaat, Raloxifeen"). Overdue without one -> critical."""
    last, today = use.last_injection, ctx.facts.today
    if overdue(ctx.facts, last):
        # "give the injection or start the follow-up now": one choice; the injection first while denosumab is still
        # the recorded therapy (nobody decided to stop), else the follow-up drug
        bisphosphonates = tuple(a for a in use.stop_regimen if a in BISPHOSPHONATES)
        injection = Suggestion(SuggestionKind.MEDICATION, Agent.DENOSUMAB.value, start=today)
        follow_up = timed(ctx, use, bisphosphonates, today)
        ongoing = bool(routines.ongoing(ctx.facts, DENOSUMAB))
        first = injection if ongoing else follow_up[0] if follow_up else injection
        choice = tuple(replace(s, recommended=s is first) for s in (injection, *follow_up))
        if ongoing:
            why = reason(use.stop_node, "overdue", last=last, due=next_dose(last))
        else:  # stopped without a follow-up drug: never "denosumab is still running"
            stopped = max(e.end for e in routines.episodes(ctx.facts, DENOSUMAB) if e.end is not None)
            why = reason(use.stop_node, "overdue-stopped", last=last, due=next_dose(last), stopped=stopped)
        return [ctx.rec(Topic.DENOSUMAB_TRANSITION, Indicator.CRITICAL, why, suggestions=choice, options=True)]
    start = next_dose(last)
    why = reason(use.stop_node, "plan", start=start)
    indicator = Indicator.WARNING if start < today else Indicator.INFO  # a planned start already past
    return [ctx.rec(Topic.DENOSUMAB_TRANSITION, indicator, why, suggestions=timed(ctx, use, use.stop_regimen, max(start, today)))]


def timed(ctx: Context, use: DenosumabUse, agents: tuple[Agent, ...], start: date) -> tuple[Suggestion, ...]:
    """The follow-up drugs as orders dated `start` ("6 maanden na laatste injectie"). Zoledronic acid is one
    infusion, not the yearly regimen; after >= 3 years (RCOP-DMAB-5) its repeat 6 months later is a planned order,
    given after "Lab + kliniek", that comes with the first infusion (one choice orders the schedule)."""
    out: list[Suggestion] = []
    for s in drugs(ctx.facts, agents):
        if s.key != REPEAT_AGENT.value:
            out.append(replace(s, start=start))
            continue
        repeat = None
        if use.long_term:
            repeat = replace(s, recommended=False, start=routines.add_months(start, _CFG["repeat_months"]),
                             variant="after-denosumab-repeat", intent="plan")
        out.append(replace(s, start=start, variant="after-denosumab", then=repeat))
    return tuple(out)


def follow_up_episodes(facts: PatientFacts, last_injection: date) -> tuple[TherapyEpisode, ...]:
    """Episodes of a follow-up agent ongoing at, or starting after, the last injection; earliest start first."""
    found = (e for e in routines.episodes(facts, FOLLOW_UP_AGENTS) if e.end is None or e.end >= last_injection)
    return tuple(sorted(found, key=lambda e: e.start))


def dxa_months(use: DenosumabUse) -> list[int]:
    """Follow-up DXA+VFA months after the start of the follow-up drug: RCOP-DMAB-4 (12, 24) or -5 (18)."""
    return _CFG["follow_up_dxa_months_long" if use.long_term else "follow_up_dxa_months_short"]


def repeat_suggestions(ctx: Context, use: DenosumabUse) -> tuple[Suggestion, ...]:
    """The repeat infusion (recommended) and, unless recent, the lab panel ("Na 6 maanden Lab + kliniek").

    The repeat agent is usually still "current" (an infusion covers a year), so `drugs()` would leave it out:
    only an intolerance does; then the stop regimen ("of zet de Alendroninezuur door") is offered instead."""
    facts = ctx.facts
    if REPEAT_AGENT in routines.intolerant_agents(facts):
        medication = timed(ctx, use, tuple(a for a in use.stop_regimen if a is not REPEAT_AGENT), facts.today)
    else:
        medication = (Suggestion(SuggestionKind.MEDICATION, REPEAT_AGENT.value, recommended=True, variant="after-denosumab-repeat",
                                 start=facts.today),)
    lab = tuple(s for r in lab_order(ctx, use.stop_node) for s in r.suggestions)
    return (*medication, *lab)


def dmab_5_repeat(ctx: Context, follow_ups: tuple[TherapyEpisode, ...], use: DenosumabUse) -> list[Recommendation]:
    """RCOP-DMAB-5 — "Na 6 maanden Lab + kliniek; Herhaal altijd direct Zoledroninezuur": 6 months after the
    first follow-up infusion with no second one (and no switch to another follow-up drug since) -> warning."""
    infused = [e for e in follow_ups if e.agent is REPEAT_AGENT]
    if not use.long_term or not infused:
        return []
    infusions = [d for d in routines.administrations(ctx.facts, REPEAT_AGENT) if d >= infused[0].start] or [infused[0].start]
    switched = any(e.agent is not REPEAT_AGENT and e.start > infusions[0] for e in follow_ups)
    due = routines.add_months(infusions[0], _CFG["repeat_months"])
    if len(infusions) > 1 or switched or due > ctx.facts.today:
        return []
    why = reason("RCOP-DMAB-5", "repeat", infusion=infusions[0], due=due)
    late = ctx.facts.today > due + timedelta(weeks=_CFG["grace_weeks"])  # rebound risk once the grace is over
    indicator = Indicator.CRITICAL if late else Indicator.WARNING
    return [ctx.rec(Topic.FOLLOW_UP_DUE, indicator, why, suggestions=repeat_suggestions(ctx, use))]


def stopped_early(
    ctx: Context, follow_ups: tuple[TherapyEpisode, ...], use: DenosumabUse, started: date
) -> list[Recommendation]:
    """RCOP-DMAB-4/5 — the daily follow-up drug ("zet de Alendroninezuur door") is no longer taken and the first
    follow-up DXA+VFA (12 / 18 months after its start) has not been done: no antiresorptive covers the rebound
    (critical once the grace is over). One choice: zoledronic acid now (its RCOP-DMAB-5 repeat planned with it), or
    the stopped drug again only if it was not stopped for side effects or non-adherence; the DXA+VFA stays planned
    (rcop-2023.toml [dmab], Interpretation)."""
    facts = ctx.facts
    if routines.ongoing(facts, FOLLOW_UP_AGENTS):
        return []
    last = max(follow_ups, key=lambda e: (e.end, e.start))
    decision = routines.add_months(started, dxa_months(use)[0])
    if last.agent is REPEAT_AGENT or routines.latest_dxa(facts, since=decision) is not None:
        return []
    months = routines.whole_months(use.last_injection, facts.today)
    why = reason(use.stop_node, "stopped", agent=last.agent.value, stopped=last.end, dxa=decision, last=use.last_injection, months=months)
    condition = (Reason(use.stop_node, "restart-if-tolerated"),)
    restart = tuple(replace(s, recommended=False, start=facts.today, checks=condition) for s in drugs(facts, (last.agent,)))
    choice = (*timed(ctx, use, (REPEAT_AGENT,), facts.today), *restart)
    exposed = facts.today > last.end + timedelta(weeks=_CFG["grace_weeks"])
    indicator = Indicator.CRITICAL if exposed else Indicator.WARNING
    recs = [ctx.rec(Topic.DENOSUMAB_TRANSITION, indicator, why, suggestions=choice, options=True)]
    if decision > facts.today:  # once past due, `follow_up_dxa` asks for it
        dxa = replace(service("dxa-vfa"), start=decision, intent="plan")
        recs.append(ctx.rec(Topic.FOLLOW_UP_DUE, Indicator.INFO, reason(use.stop_node, "follow-up-planned", due=decision), suggestions=(dxa,)))
    return recs


def follow_up_dxa(ctx: Context, follow_up: TherapyEpisode, use: DenosumabUse, started: date) -> list[Recommendation]:
    """RCOP-DMAB-4 "12 en 24 maanden" / RCOP-DMAB-5 "18 maanden na start vervolgbehandeling: follow up met
    DXA+VFA", the first one due without a DXA since."""
    facts = ctx.facts
    for months in dxa_months(use):
        due = routines.add_months(started, months)
        if due <= facts.today and routines.latest_dxa(facts, since=due) is None:
            why = reason(use.stop_node, "follow-up", months=months, agent=follow_up.agent.value, due=due)
            return [ctx.rec(Topic.FOLLOW_UP_DUE, due_indicator(facts, due), why, suggestions=(service("dxa-vfa"),))]
    return []


def dmab_6(ctx: Context, follow_ups: tuple[TherapyEpisode, ...], use: DenosumabUse) -> list[Recommendation]:
    """RCOP-DMAB-6 — after the switch, "Herstart therapie indien: T-score <=-2.5 of botverlies >5% tov baseline
    of nieuwe fractuur of nieuwe risicofactoren"; otherwise the follow-up of RCOP-DMAB-4/5: the repeat infusion,
    a follow-up drug stopped too early, and the DXA+VFA follow-up (12 and 24 months, or 18 months) when due —
    one card per topic."""
    facts = ctx.facts
    follow_up = follow_ups[0]
    started = max(follow_up.start, use.last_injection)
    exam = routines.latest_dxa(facts, since=started)
    findings = goal_not_reached(facts, exam, started, bone_loss_percent=_CFG["bone_loss_percent"])
    if findings:
        # "Herstart therapie" or "Continueer [the follow-up drug] bij nog niet behaald behandeldoel": one choice
        why = reason("RCOP-DMAB-6", findings=findings)
        options = drugs(facts, (*DENOSUMAB, follow_up.agent))
        return [ctx.rec(Topic.RESTART_THERAPY, Indicator.WARNING, why, suggestions=options, options=len(options) > 1)]
    recs = [
        *dmab_5_repeat(ctx, follow_ups, use),
        *stopped_early(ctx, follow_ups, use, started),
        *follow_up_dxa(ctx, follow_up, use, started),
    ]
    return merge(recs)


def evaluate(facts: PatientFacts) -> list[Recommendation]:
    """Chart 4 for anyone with denosumab on record: evaluation at 3 years, the stop schedule, the safety rule."""
    episodes = routines.episodes(facts, DENOSUMAB)
    if not episodes:
        return []
    ev = tuple(x for e in facts.therapies for x in evidence.therapy(e)) + evidence.dxa(facts)
    ctx = Context(facts, ev)
    last_injection = routines.last_administration(facts, Agent.DENOSUMAB)
    if last_injection is None:
        gap = DataGap("no-last-injection", reference=episodes[-1].sources[-1].reference if episodes[-1].sources else None)
        return [data_needed(ctx, CHART, gap)] if routines.ongoing(facts, DENOSUMAB) else []
    use = DenosumabUse.of(min(e.start for e in episodes), last_injection, facts.today)
    follow_ups = follow_up_episodes(facts, last_injection)
    if follow_ups:
        return dmab_6(ctx, follow_ups, use)
    if not routines.ongoing(facts, DENOSUMAB) or overdue(facts, last_injection):
        return dmab_stop(ctx, use)
    late = injection_late(ctx, last_injection)
    if not use.long_term:
        return late
    evaluation_from = routines.add_months(use.start, 12 * _CFG["evaluation_years"])
    recs = late + dmab_1(ctx, evaluation_from, use)
    exam = routines.latest_dxa(facts, since=evaluation_from)
    if exam is None:
        return recs
    if goal_not_reached(facts, exam, use.start, bone_loss_percent=_CFG["bone_loss_percent"]):
        return recs + dmab_3(ctx, use)
    return recs + dmab_2(ctx, use, exam)

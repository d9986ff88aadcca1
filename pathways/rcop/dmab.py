"""RCOP chart 4 — "Evaluatie patient op therapie op Denosumab na 3 jaar" (`RCOP-DMAB`).

Safety rule (guidelines.md, both guidelines): denosumab must never just stop. Last injection more than
6 months + 4 weeks ago and no follow-up bisphosphonate on record -> critical (rebound vertebral fractures).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fhir_mappings.facts import BISPHOSPHONATES, Agent, DataGap, PatientFacts, TherapyEpisode
from pathways import routines
from pathways.rcop import evidence
from pathways.rcop.common import Context, data_needed, drugs, goal_not_reached, lab_order, order_dxa, reason, service
from pathways.rcop.config import VF_THERAPY_GRADE, regimen, section
from pathways.recommendation import Indicator, Recommendation, Topic

CHART = "RCOP-DMAB"
_CFG = section("dmab")
DENOSUMAB = (Agent.DENOSUMAB,)


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


def dmab_1(ctx: Context, evaluation_from: date) -> list[Recommendation]:
    """RCOP-DMAB-1 — "Klinische risicofactoren, Lab, DXA+VFA voor beslissing stoppen/continueren/switchen"."""
    due = ctx.rec(Topic.TREATMENT_EVALUATION_DUE, Indicator.INFO, reason("RCOP-DMAB-1", years=_CFG["evaluation_years"]))
    recs = [due, *lab_order(ctx, "RCOP-DMAB-1")]
    if routines.latest_dxa(ctx.facts, since=evaluation_from) is None:
        recs.append(order_dxa(ctx, "RCOP-DMAB-1", "dxa"))
    return recs


def dmab_2(ctx: Context, use: DenosumabUse) -> list[Recommendation]:
    """RCOP-DMAB-2 — "T-scores >-2.5, geen botverlies >5% tov baseline + geen nieuwe fracturen of risicofactoren"
    -> "Switch naar Bisfosfonaat", timed by RCOP-DMAB-4/5 (6 months after the last injection)."""
    reasons = (reason("RCOP-DMAB-2"), reason(use.stop_node, "plan", start=next_dose(use.last_injection)))
    return [ctx.rec(Topic.DENOSUMAB_TRANSITION, Indicator.INFO, *reasons, suggestions=drugs(ctx.facts, use.stop_regimen))]


def dmab_3(ctx: Context, use: DenosumabUse) -> list[Recommendation]:
    """RCOP-DMAB-3 — treatment goal not reached: continue denosumab ("Levenslang", "Na maximaal 10 jaar" ->
    "Therapie 2e lijn")."""
    if use.max_reached:
        why = reason("RCOP-DMAB-3", "refer", years=_CFG["max_years"])
        return [ctx.rec(Topic.REFER_SECONDARY_CARE, Indicator.INFO, why, suggestions=(service("referral-secondary-care"),))]
    return [ctx.rec(Topic.CONTINUE_THERAPY, Indicator.INFO, reason("RCOP-DMAB-3"))]


def dmab_stop(ctx: Context, use: DenosumabUse) -> list[Recommendation]:
    """RCOP-DMAB-4 — "Stop behandelschema bij <3 jaar gebruik: Behandel 6 maanden na laatste injectie direct met
    Zoledroninezuur of Alendroninezuur*"; RCOP-DMAB-5 — ">=3 jaar: ... direct met Zoledroninezuur tenzij redenen
    voor Alendroninezuur*" ("*3e en 4e keuze Risedronaat, Raloxifeen"). Overdue without one -> critical."""
    last = use.last_injection
    if overdue(ctx.facts, last):
        bisphosphonates = tuple(a for a in use.stop_regimen if a in BISPHOSPHONATES)
        why = reason(use.stop_node, "overdue", last=last, due=next_dose(last))
        return [ctx.rec(Topic.DENOSUMAB_TRANSITION, Indicator.CRITICAL, why, suggestions=drugs(ctx.facts, bisphosphonates))]
    why = reason(use.stop_node, "plan", start=next_dose(last))
    return [ctx.rec(Topic.DENOSUMAB_TRANSITION, Indicator.INFO, why, suggestions=drugs(ctx.facts, use.stop_regimen))]


def dmab_6(ctx: Context, follow_up: TherapyEpisode, use: DenosumabUse) -> list[Recommendation]:
    """RCOP-DMAB-6 — after the switch, "Herstart therapie indien: T-score <=-2.5 of botverlies >5% tov baseline
    of nieuwe fractuur of nieuwe risicofactoren"; otherwise the DXA+VFA follow-up of RCOP-DMAB-4 (12 and 24
    months) or RCOP-DMAB-5 (18 months) when due."""
    facts = ctx.facts
    exam = routines.latest_dxa(facts, since=follow_up.start)
    findings = goal_not_reached(facts, exam, follow_up.start, bone_loss_percent=_CFG["bone_loss_percent"])
    if findings:
        why = reason("RCOP-DMAB-6", findings=findings)
        return [ctx.rec(Topic.RESTART_THERAPY, Indicator.WARNING, why, suggestions=drugs(facts, DENOSUMAB))]
    key = "follow_up_dxa_months_long" if use.long_term else "follow_up_dxa_months_short"
    for months in _CFG[key]:
        due = routines.add_months(follow_up.start, months)
        if due <= facts.today and routines.latest_dxa(facts, since=due) is None:
            why = reason(use.stop_node, "follow-up", months=months, agent=follow_up.agent.value)
            return [ctx.rec(Topic.FOLLOW_UP_DUE, Indicator.INFO, why, suggestions=(service("dxa-vfa"),))]
    return []


def evaluate(facts: PatientFacts) -> list[Recommendation]:
    """Chart 4 for anyone with denosumab on record: evaluation at 3 years, the stop schedule, the safety rule."""
    episodes = routines.episodes(facts, DENOSUMAB)
    if not episodes:
        return []
    ev = tuple(x for e in facts.therapies for x in evidence.therapy(e)) + evidence.dxa(facts)
    ctx = Context(facts, ev + evidence.vertebral(facts, VF_THERAPY_GRADE))
    last_injection = routines.last_administration(facts, Agent.DENOSUMAB)
    if last_injection is None:
        gap = DataGap("no-last-injection", reference=episodes[-1].sources[-1].reference if episodes[-1].sources else None)
        return [data_needed(ctx, CHART, gap)] if routines.ongoing(facts, DENOSUMAB) else []
    use = DenosumabUse.of(min(e.start for e in episodes), last_injection, facts.today)
    follow_ups = [e for e in routines.episodes(facts, BISPHOSPHONATES) if e.start >= last_injection]
    if follow_ups:
        return dmab_6(ctx, min(follow_ups, key=lambda e: e.start), use)
    if not routines.ongoing(facts, DENOSUMAB) or overdue(facts, last_injection):
        return dmab_stop(ctx, use)
    if not use.long_term:
        return []
    evaluation_from = routines.add_months(use.start, 12 * _CFG["evaluation_years"])
    recs = dmab_1(ctx, evaluation_from)
    exam = routines.latest_dxa(facts, since=evaluation_from)
    if exam is None:
        return recs
    if goal_not_reached(facts, exam, use.start, bone_loss_percent=_CFG["bone_loss_percent"]):
        return recs + dmab_3(ctx, use)
    return recs + dmab_2(ctx, use)

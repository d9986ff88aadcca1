"""Therapy once VITAZ-6/7/8 indicate it: "Anti-resorptieve therapie" with the guideline's options, "Anabole therapie
(Appendix 5)" only via secondary care (VITAZ-9), and the "Extra therapeutische opties" (VITAZ-10).

"- Zoledronaat IV (5 mg/jaar) - Alendronaat PO (70 mg/week) - Denosumab SC (60 mg/6 maand)° - Risedronaat PO
(35 mg/week) - Raloxifeen PO (60 mg/dag)"; "° te mijden bij jongere patiënt (rebound)". The guideline ranks none.
"""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings.facts import ANABOLICS, ORAL_BISPHOSPHONATES, Agent, PatientFacts, Sex
from pathways import routines
from pathways.context import drugs, reason, service
from pathways.recommendation import Evidence, Indicator, Reason, Recommendation, Suggestion, Topic
from pathways.vitaz import reimbursement
from pathways.vitaz.common import Context
from pathways.vitaz.config import regimen, section

_CFG = section("therapy")
REGIMEN = regimen("antiresorptive")


def raloxifene_allowed(facts: PatientFacts) -> bool:
    """"Raloxifeen" is for women after the menopause only (VITAZ-8: not for men; sex or menopause unknown: not offered)."""
    return facts.sex is Sex.FEMALE and facts.postmenopausal is True


def younger(facts: PatientFacts) -> bool:
    """"te mijden bij jongere patiënt": under `denosumab_younger_age` (vitaz-2025.toml [therapy])."""
    return facts.age is not None and facts.age < _CFG["denosumab_younger_age"]


def options(facts: PatientFacts, node: str) -> tuple[tuple[Suggestion, ...], tuple[Reason, ...]]:
    """The antiresorptive options the record allows, in the guideline's order, none ranked; and why some are left out.

    One option is marked recommended only when it is the single one left that nothing in the record argues against
    (vitaz-2025.toml [therapy])."""
    agents, notes = list(REGIMEN), []
    if not raloxifene_allowed(facts):
        agents.remove(Agent.RALOXIFENE)
        notes.append(reason(node, key="vitaz.therapy.no-raloxifene", sex=facts.sex.value))
    intolerant = routines.intolerant_agents(facts) & ORAL_BISPHOSPHONATES
    if intolerant:
        agents = [a for a in agents if a not in ORAL_BISPHOSPHONATES]
        notes.append(reason(node, key="vitaz.therapy.no-tablets", agents=tuple(sorted(a.value for a in intolerant))))
    offered = drugs(facts, agents, recommend_first=False)
    if any(s.key == Agent.DENOSUMAB for s in offered):
        notes.append(reason(node, key="vitaz.therapy.denosumab-younger" if younger(facts) else "vitaz.therapy.denosumab"))
    plain = [s for s in offered if not (s.key == Agent.DENOSUMAB and younger(facts))]
    if len(plain) == 1:
        offered = tuple(replace(s, recommended=s is plain[0]) for s in offered)
        notes.append(reason(node, key="vitaz.therapy.single-option", agent=plain[0].key))
    return offered, tuple(notes)


def vitaz_9(
    ctx: Context, indication: tuple[Reason, ...]
) -> tuple[Recommendation | None, tuple[Reason, ...], tuple[Evidence, ...]]:
    """VITAZ-9 — "Anabole therapie (Appendix 5)": "Romosozumab SC (2 x 105 mg/maand gedurende 1 jaar) Krachtigere en
    snellere werking"; "Teriparatide SC (20 mg/dag gedurende 9 maand)"; "zo voldaan aan terugbetaling en enkel via
    tweede lijn".

    The dose is 20 µg (the seed's "mg" is a unit error) and the 9 months are shown as the source states them
    (guidelines.md). Considered for a patient with a fracture on record, each reimbursement criterion an evidence
    line. Returns the `refer-anabolic` recommendation when an agent's criteria are all met (a referral, never a
    one-click anabolic), else the note for the antiresorptive card; and the criteria lines."""
    facts = ctx.facts
    if not routines.counted_fractures(facts):
        return None, (), ()
    given = {e.agent for e in routines.episodes(facts, ANABOLICS)} | routines.intolerant_agents(facts)
    checks = {Agent.ROMOSOZUMAB: reimbursement.romosozumab(facts), Agent.TERIPARATIDE: reimbursement.teriparatide(facts)}
    lines = tuple(c.evidence for criteria in checks.values() for c in criteria)
    eligible = tuple(a.value for a, criteria in checks.items() if reimbursement.all_met(criteria) and a not in given)
    if eligible:
        why = (*indication, reason("VITAZ-9", "met", agents=eligible), *(reason("VITAZ-9", a) for a in eligible), vitaz_10())
        referral = Context(facts, (*ctx.evidence, *lines), ctx.assumptions).rec(
            Topic.REFER_ANABOLIC, Indicator.WARNING, *why, suggestions=(service("referral-secondary-care"),)
        )
        return referral, (), lines
    open_ = tuple(a.value for a, criteria in checks.items() if reimbursement.undecided(criteria) and a not in given)
    return None, (reason("VITAZ-9", "undecided", agents=open_) if open_ else reason("VITAZ-9", "not-met"),), lines


def vitaz_10() -> Reason:
    """VITAZ-10 — "Extra therapeutische opties: Multidisciplinaire osteoporose revalidatie en educatieprogramma VITAZ
    (TREV); LOEP" — with every therapy start (no order: the programmes are named, the GP refers)."""
    return reason("VITAZ-10")


def start(ctx: Context, indication: tuple[Reason, ...]) -> list[Recommendation]:
    """Therapy is indicated (for a patient on no osteoporosis drug today): the anabolic referral when Appendix 5 is
    met, else the antiresorptive options, with the VITAZ-9 criteria and VITAZ-10's extra options."""
    referral, anabolic_note, lines = vitaz_9(ctx, indication)
    if referral is not None:
        return [referral]
    offered, notes = options(ctx.facts, indication[0].node)
    ctx = Context(ctx.facts, (*ctx.evidence, *lines), ctx.assumptions)
    why = (*indication, *notes, *anabolic_note, vitaz_10())
    return [ctx.rec(Topic.START_ANTIRESORPTIVE, Indicator.WARNING, *why, suggestions=offered, options=True)]

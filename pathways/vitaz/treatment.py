"""Therapy once VITAZ-6/7/8 indicate it: "Anti-resorptieve therapie" with the guideline's options, "Anabole therapie
(Appendix 5)" only via secondary care (VITAZ-9), and the "Extra therapeutische opties" (VITAZ-10).

"- Zoledronaat IV (5 mg/jaar) - Alendronaat PO (70 mg/week) - Denosumab SC (60 mg/6 maand)° - Risedronaat PO
(35 mg/week) - Raloxifeen PO (60 mg/dag)"; "° te mijden bij jongere patiënt (rebound)". The guideline ranks none.
"""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings.facts import ANABOLICS, Agent, DataGap, PatientFacts, Sex
from pathways import routines
from pathways.context import drugs, reason, service
from pathways.recommendation import Evidence, Indicator, Reason, Recommendation, Suggestion, Topic
from pathways.safety.gates import screen
from pathways.vitaz import reimbursement
from pathways.vitaz.common import Context
from pathways.vitaz.config import regimen, section

_CFG = section("therapy")
REGIMEN = regimen("antiresorptive")


def younger(facts: PatientFacts) -> bool:
    """"te mijden bij jongere patiënt": under `denosumab_younger_age` (vitaz-2025.toml [therapy])."""
    return facts.age is not None and facts.age < _CFG["denosumab_younger_age"]


def options(facts: PatientFacts, node: str) -> tuple[tuple[Suggestion, ...], tuple[Reason, ...]]:
    """The antiresorptive options in the guideline's order, none ranked, and the guideline's note on denosumab.

    A drug a safety gate rules out (raloxifene for a man, a drug not tolerated, ...) is left to the gates, which
    name the reason on the card; one left that passes every gate is then the one recommended."""
    offered = drugs(facts, REGIMEN, recommend_first=False)
    if not any(s.key == Agent.DENOSUMAB for s in offered):
        return offered, ()
    key = "vitaz.therapy.denosumab-younger" if younger(facts) else "vitaz.therapy.denosumab"
    return offered, (reason(node, key=key),)


def vitaz_9(
    ctx: Context, indication: tuple[Reason, ...]
) -> tuple[Recommendation | None, tuple[Reason, ...], tuple[Evidence, ...], tuple[Reason, ...]]:
    """VITAZ-9 — "Anabole therapie (Appendix 5)": "Romosozumab SC (2 x 105 mg/maand gedurende 1 jaar) Krachtigere en
    snellere werking"; "Teriparatide SC (20 mg/dag gedurende 9 maand)"; "zo voldaan aan terugbetaling en enkel via
    tweede lijn".

    The dose is 20 µg (the seed's "mg" is a unit error) and the 9 months are shown as the source states them
    (guidelines.md). Considered for a patient with a fracture on record, each reimbursement criterion an evidence
    line. Returns the `refer-anabolic` recommendation when an agent's criteria are all met and its safety gates
    pass (a referral, never a one-click anabolic), else the note for the antiresorptive card ("wait" when the criteria
    may be met once the data is complete); the criteria lines;
    and the gate findings of an agent whose criteria are met but that a gate rules out."""
    facts = ctx.facts
    if not routines.counted_fractures(facts):
        return None, (), (), ()
    given = {e.agent for e in routines.episodes(facts, ANABOLICS)}
    checks = {Agent.ROMOSOZUMAB: reimbursement.romosozumab(facts), Agent.TERIPARATIDE: reimbursement.teriparatide(facts)}
    lines = tuple(c.evidence for criteria in checks.values() for c in criteria)
    met = (a for a, criteria in checks.items() if reimbursement.all_met(criteria) and a not in given)
    eligible, excluded = screen(facts, met)
    if eligible:
        names = tuple(a.value for a in eligible)
        why = (*indication, reason("VITAZ-9", "met", agents=names), *(reason("VITAZ-9", a) for a in names), vitaz_10())
        refer = (service("referral-secondary-care"),)
        referral = ctx.adding(*lines).rec(Topic.REFER_ANABOLIC, Indicator.WARNING, *why, suggestions=refer)
        return replace(referral, blocked=excluded), (), lines, ()
    open_ = tuple(a.value for a, criteria in checks.items() if reimbursement.undecided(criteria) and a not in given)
    if open_:
        note = reason("VITAZ-9", "wait", agents=open_)
    else:
        note = reason("VITAZ-9", "excluded" if excluded else "not-met")
    return None, (note,), lines, excluded


def vitaz_10() -> Reason:
    """VITAZ-10 — "Extra therapeutische opties: Multidisciplinaire osteoporose revalidatie en educatieprogramma VITAZ
    (TREV); LOEP" — with every therapy start (no order: the programmes are named, the GP refers)."""
    return reason("VITAZ-10")


def start(ctx: Context, indication: tuple[Reason, ...]) -> list[Recommendation]:
    """Therapy is indicated (for a patient on no osteoporosis drug today): the anabolic referral when Appendix 5 is
    met, else the antiresorptive options, with the VITAZ-9 criteria and VITAZ-10's extra options."""
    referral, anabolic_note, lines, excluded = vitaz_9(ctx, indication)
    if referral is not None:
        return [referral]
    waiting = _wait_for_criteria(ctx.adding(*lines), indication, anabolic_note)
    if waiting:
        return waiting
    offered, notes = options(ctx.facts, indication[0].node)
    why = (*indication, *notes, *anabolic_note, vitaz_10())
    rec = ctx.adding(*lines).rec(Topic.START_ANTIRESORPTIVE, Indicator.WARNING, *why, suggestions=offered, options=True)
    return [replace(rec, blocked=excluded), *_discuss(ctx, excluded)]


def _wait_for_criteria(ctx: Context, indication: tuple[Reason, ...], note: tuple[Reason, ...]) -> list[Recommendation]:
    """Appendix 5 possibly met, with data missing that the GP can obtain: no antiresorptive one click away (the
    referral comes before one is started, VITAZ-9), but what completes the criteria — a BMD of at most 6 months, with
    the VFA that counts the vertebral fractures; the grade of a vertebral fracture; the sex ([] when none is
    undecided)."""
    if not note or note[0].message != "vitaz.9.wait":
        return []
    facts = ctx.facts
    why = (*note, *indication, vitaz_10())  # the wait first: it is what the card asks for
    order = None if reimbursement.bmd_recent(facts) else service("dxa-vfa")
    if order is None and not reimbursement.spine_imaged(facts):
        order = service("vfa")
    needed = [(reason("VITAZ-9", "grade-needed", **dict(note[0].params)),
               DataGap("no-genant-grade", reference=f.source.reference if f.source else None))
              for f in reimbursement.ungraded_vertebral(facts)]
    if facts.sex not in (Sex.FEMALE, Sex.MALE):
        needed.append((reason("VITAZ-9", "sex-needed"), DataGap("no-sex", reference=f"Patient/{facts.patient_id}")))
    recs = [ctx.rec(Topic.ORDER_DXA_VFA, Indicator.WARNING, *why, suggestions=(order,))] if order else []
    if needed or not recs:
        asks = tuple(dict.fromkeys(r for r, _ in needed))
        recs.append(ctx.rec(Topic.DATA_NEEDED, Indicator.WARNING, *(() if recs else why), *asks, missing=[g for _, g in needed]))
    return recs


def _discuss(ctx: Context, excluded: tuple[Reason, ...]) -> list[Recommendation]:
    """The criteria of an anabolic agent are met but a gate rules it out: "bespreek met de tweede lijn" is a
    referral the GP can order, not a sentence only."""
    if not excluded:
        return []
    refer = (service("referral-secondary-care"),)
    return [ctx.rec(Topic.REFER_SECONDARY_CARE, Indicator.WARNING, reason("VITAZ-9", "excluded-refer"), suggestions=refer)]

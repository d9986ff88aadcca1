"""Follow-up once therapy runs — "Opvolging Osteoporose en therapietrouw na opstarten van therapie" (VITAZ-FU-1..3)
and switching for non-adherence or side effects (VITAZ-FU-5).

VITAZ-FU-4 ("Kaaknecrose EN/OF atypische femurfractuur EN/OF fragiliteitsfractuur < 6 maanden") is the safety net's
(jaw osteonecrosis, atypical femoral fracture, therapy failure on therapy hold in every patient-view service); it
cites VITAZ-FU-4 for this guideline. A follow-up that is due is the plan (`info`); one that is past due a `warning`.
Windows: vitaz-2025.toml [follow_up].
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from fhir_mappings.facts import ANABOLICS, ANTIRESORPTIVES, Agent, PatientFacts, TherapyEpisode
from pathways import evidence, lab, routines
from pathways.context import lab_order, reason, service
from pathways.recommendation import Evidence, Indicator, Num, Recommendation, Suggestion, SuggestionKind, Topic
from pathways.vitaz import treatment
from pathways.vitaz.common import Context
from pathways.vitaz.config import section
from pathways.vitaz.measures import general_measures

_CFG = section("follow_up")
_PANEL = frozenset(concept for concepts in lab.ITEMS.values() for concept in concepts)
OSTEOPOROSIS_DRUGS = ANTIRESORPTIVES | ANABOLICS


def current_episode(facts: PatientFacts) -> TherapyEpisode | None:
    """The osteoporosis drug taken today that was started last (None: not on therapy)."""
    taking = routines.ongoing(facts, OSTEOPOROSIS_DRUGS)
    return max(taking, key=lambda e: e.start) if taking else None


def course_start(facts: PatientFacts, episode: TherapyEpisode) -> date:
    """Start of the current course: earlier osteoporosis drugs that end less than `course_gap_days` before the next
    one starts belong to it (a switch does not restart the yearly and 5-year clock)."""
    start = episode.start
    gap = timedelta(days=_CFG["course_gap_days"])
    for e in sorted(routines.episodes(facts, OSTEOPOROSIS_DRUGS), key=lambda e: e.start, reverse=True):
        if e.start < start and (e.end is None or e.end + gap >= start):
            start = e.start
    return start


def _indicator(today: date, late_after: date) -> Indicator:
    return Indicator.WARNING if today > late_after else Indicator.INFO


def fu_1(ctx: Context, episode: TherapyEpisode) -> list[Recommendation]:
    """VITAZ-FU-1 — "NA 3 MAAND": "Evalueer therapietrouw en eventuele bijwerkingen EN bepaal Vitamine D".

    Done by a 25-OH-D result from 2 months after the start on (guidelines.md: "between 2 and 5 months"; a later
    result shows it was done late). Visits are not in the record, so only the result counts."""
    facts, start = ctx.facts, episode.start
    due, late = routines.add_months(start, _CFG["fu1_due_months"]), routines.add_months(start, _CFG["fu1_late_months"])
    if not due <= facts.today < routines.add_months(start, _CFG["fu1_until_months"]):
        return []
    measured = facts.vitamin_d is not None and facts.vitamin_d.date is not None
    if measured and facts.vitamin_d.date >= routines.add_months(start, _CFG["fu1_done_from_months"]):
        return []
    indicator = _indicator(facts.today, late)
    why = reason("VITAZ-FU-1", "late" if indicator is Indicator.WARNING else None, agent=episode.agent.value, due=due)
    measure = Suggestion(SuggestionKind.SERVICE, "lab-panel", recommended=True, items=("vitamin-d",))
    lab_step = ctx.rec(Topic.ORDER_LAB, Indicator.INFO, reason("VITAZ-FU-1", "lab"), suggestions=(measure,))
    return [ctx.rec(Topic.FOLLOW_UP_DUE, indicator, why), lab_step]


def fu_2(ctx: Context, start: date) -> list[Recommendation]:
    """VITAZ-FU-2 — "NA 1 JAAR EN NADIEN JAARLIJKS": "Valrisico bepaling; Geef leefstijladvies; Osteoporose labo;
    Calcium en vitamine D supplementen; Evalueer therapietrouw" — each year ± 2 months, done by a lab result of the
    panel from the window's start on; the lab is the plan's lab step (the panel items without a recent result)."""
    facts, margin = ctx.facts, _CFG["fu2_margin_months"]
    year = 1
    while routines.add_months(start, 12 * (year + 1) - margin) <= facts.today:
        year += 1
    due = routines.add_months(start, 12 * year)
    opens = routines.add_months(due, -margin)
    if facts.today < opens or routines.labs_since(facts, opens) & _PANEL:
        return []
    indicator = _indicator(facts.today, routines.add_months(due, margin))
    why = reason("VITAZ-FU-2", "late" if indicator is Indicator.WARNING else None, years=year, due=due)
    lab_step = lab_order(ctx, reason("VITAZ-FU-2", "lab"))
    return [ctx.rec(Topic.FOLLOW_UP_DUE, indicator, why), *lab_step, *general_measures(ctx, "VITAZ-FU-2")]


def fu_3(ctx: Context, start: date) -> list[Recommendation]:
    """VITAZ-FU-3 — "NA 5 JAAR": "Controle BMD met VFA"; "VERWIJZING/EVALUATIE tweedelijns: optimalisatie beleid
    (o.a. beslissing drug holiday)" — due at 5 years, done by a DXA after 4.5 years. Both are recommended: the
    referral is its own step, not an option beside the DXA."""
    facts = ctx.facts
    due = routines.add_months(start, 12 * _CFG["fu3_years"])
    if facts.today < due or routines.latest_dxa(facts, since=routines.add_months(start, _CFG["fu3_done_from_months"])):
        return []
    indicator = _indicator(facts.today, routines.add_months(due, _CFG["fu3_margin_months"]))
    why = reason("VITAZ-FU-3", "late" if indicator is Indicator.WARNING else None, years=_CFG["fu3_years"], due=due)
    refer = reason("VITAZ-FU-3", "refer", years=_CFG["fu3_years"])
    return [ctx.rec(Topic.FOLLOW_UP_DUE, indicator, why, suggestions=(service("dxa-vfa"),)),
            ctx.rec(Topic.REFER_SECONDARY_CARE, indicator, refer, suggestions=(service("referral-secondary-care"),))]


def _non_adherence(facts: PatientFacts, episode: TherapyEpisode) -> Evidence | None:
    """"Therapieontrouw": days covered below `adherence_below` where dispenses or administrations show them, otherwise
    a non-adherence record dated on or after the start of the current drug."""
    measured = next((a for a in facts.adherence if a.agent is episode.agent), None)
    if measured is not None:
        if measured.proportion >= _CFG["adherence_below"]:
            return None
        source = measured.sources[-1] if measured.sources else None
        params = (("percent", Num(measured.proportion * 100)), ("start", measured.start), ("end", measured.end))
        return Evidence("vitaz.fact.days-covered", "{percent} % ({start} – {end})", source, params)
    record = facts.non_adherence
    if record is None or (record.date is not None and record.date < episode.start):
        return None
    return Evidence("vitaz.fact.non-adherence", "{recorded}", record.source)


def fu_5(ctx: Context, episode: TherapyEpisode) -> list[Recommendation]:
    """VITAZ-FU-5 — "Therapieontrouw EN/OF onverdraagbare bijwerkingen: Overweeg overschakeling naar een ander
    therapeutisch agens of doseerschema": the other options of the guideline (none ranked), saying which drug stops.
    Side effects = an intolerance of the current drug on record. Denosumab is never simply stopped."""
    facts, agent = ctx.facts, episode.agent
    found = _non_adherence(facts, episode)
    side_effects = agent in routines.intolerant_agents(facts)
    if found is None and not side_effects:
        return []
    why = []
    if found is not None:
        ctx = ctx.adding(found)
        why.append(reason("VITAZ-FU-5", "non-adherence", agent=agent.value))
    if side_effects:
        why.append(reason("VITAZ-FU-5", "side-effects", agent=agent.value))
    offered, notes = treatment.options(facts, "VITAZ-FU-5")
    if agent is Agent.DENOSUMAB:
        why.append(reason("VITAZ-FU-5", "denosumab"))
        offered = _after_denosumab(facts, offered)
    return [ctx.rec(Topic.SWITCH_THERAPY, Indicator.WARNING, *why, *notes, suggestions=offered, options=True)]


def _after_denosumab(facts: PatientFacts, offered: tuple[Suggestion, ...]) -> tuple[Suggestion, ...]:
    """"Denosumab nooit zomaar stoppen": the next drug starts `denosumab_next_months` after the last injection (today
    when that has passed)."""
    last = routines.last_administration(facts, Agent.DENOSUMAB)
    if last is None:
        return offered
    start = max(routines.add_months(last, _CFG["denosumab_next_months"]), facts.today)
    return tuple(replace(s, start=start) for s in offered)


def evaluate(ctx: Context, episode: TherapyEpisode) -> list[Recommendation]:
    """The calendar from the therapy start, and switching when the record shows why."""
    start = course_start(ctx.facts, episode)
    ctx = ctx.adding(*evidence.therapy(episode))
    return [*fu_5(ctx, episode), *fu_1(ctx, episode), *fu_2(ctx, start), *fu_3(ctx, start)]

"""ORDER-GC — a systemic glucocorticoid expected to run >= 3 months: the guideline's glucocorticoid rules applied
prospectively with the new dose, said as one `glucocorticoid-bone-protection` card.

"Expected >= 3 months" is the course the draft belongs to: the draft's own expected days (supply x repeats, bounds,
quantity at the dose, validity) plus the days so far of a course it continues. A patient already protected — an
osteoporosis drug taken now or ordered in another draft — gets no card.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from fhir_mappings.facts import ANABOLICS, ANTIRESORPTIVES, Agent, DraftOrder, GlucocorticoidEpisode, PatientFacts
from pathways import evidence, routines, safety
from pathways.orders.config import section
from pathways.orders.context import Orders, draft_evidence, reason
from pathways import vitaz
from pathways.rcop import gc as rcop_gc
from pathways.recommendation import Num, Recommendation, Suggestion, SuggestionKind, Topic, merge

_CFG = section("gc")
_COURSE = section("course")
_STEPS = tuple(Topic(t) for t in _CFG["steps"])
_ACTIONS = frozenset(Topic(t) for t in _CFG["actions"])
_AGENTS = frozenset(a.value for a in Agent)

Chart = Callable[[PatientFacts], list[Recommendation]]
# rcop-2023: RCOP-GC with the new dose. vitaz-2025: the course makes the patient one of the guideline's population
# (Appendix 1 "corticosteroïden"), so VITAZ-1's work-up (lab, BMD with VFA), Appendix 4's supplements and, with the
# BMD known, the decision table; its drug options are not ranked, so no drug is offered here.
CHARTS: dict[str, Chart] = {"rcop-2023": rcop_gc.evaluate, "vitaz-2025": vitaz.evaluate}


def prospective(facts: PatientFacts, draft: DraftOrder) -> GlucocorticoidEpisode:
    """The course as it will be once the draft is signed: a course taken now (or stopped at most `continue_gap_days`
    before the draft) continues with the draft's dose, for the draft's expected days."""
    episode = draft.glucocorticoid
    gap = _COURSE["continue_gap_days"]
    running = [e for e in facts.glucocorticoids if not e.draft and (e.end is None or (draft.start - e.end).days <= gap)]
    start = min((e.start for e in running), default=episode.start)
    planned = (episode.planned_days or 0) + (episode.start - start).days
    return replace(episode, start=start, end=None, planned_days=planned or None, draft=False)


def protected(orders: Orders) -> bool:
    """Bone protection in place: an osteoporosis drug taken now, or ordered in one of this call's drafts."""
    drugs = ANTIRESORPTIVES | ANABOLICS
    return bool(routines.current_agents(orders.facts) & drugs) or any(d.agent in drugs for d in orders.drafts)


def _drug(s: Suggestion) -> bool:
    """An osteoporosis drug (a supplement is not one)."""
    return s.kind is SuggestionKind.MEDICATION and s.key in _AGENTS


def _fold(orders: Orders, draft: DraftOrder, course: GlucocorticoidEpisode, recs: list[Recommendation]) -> Recommendation | None:
    """The chart's steps as one card: the ORDER-GC finding first, then the steps in the order they are done; each
    suggestion keeps the topic it counts under, and one osteoporosis drug at most is offered: the guideline's first
    choice (where it ranks none, the card says therapy is indicated and the prescriber chooses)."""
    steps = sorted((r for r in recs if r.topic in _STEPS), key=lambda r: _STEPS.index(r.topic))
    if not any(r.topic in _ACTIONS for r in steps):
        return None
    days = routines.glucocorticoid_days(course, orders.facts.today)
    dose = course.prednisone_mg_per_day
    head = (reason("ORDER-GC", "orders.gc", dose=Num(dose, 0 if dose == round(dose) else 1), days=days) if dose is not None
            else reason("ORDER-GC", "orders.gc.dose-unknown", days=days))
    first = next((s for r in steps for s in r.suggestions if _drug(s) and s.recommended), None)
    suggestions = tuple(replace(s, topic=r.topic) for r in steps for s in r.suggestions if not _drug(s) or s == first)
    options = tuple(dict.fromkeys(s.key for r in steps for s in r.suggestions if _drug(s)))
    choose = (reason("ORDER-GC", "orders.gc.choose", agents=options),) if options and first is None else ()
    base = orders.finding("ORDER-GC", max((r.indicator for r in steps), key=lambda i: i.rank), head,
                          evidence=(evidence.glucocorticoid(course),))
    return replace(
        base,
        reasons=tuple(dict.fromkeys((head, *(x for r in steps for x in r.reasons), *choose))),
        evidence=tuple(dict.fromkeys((draft_evidence(draft, "glucocorticoids"), *base.evidence, *(e for r in steps for e in r.evidence)))),
        assumptions=tuple(dict.fromkeys(a for r in steps for a in r.assumptions)),
        suggestions=suggestions,
        blocked=tuple(dict.fromkeys(b for r in steps for b in r.blocked)),
    )


def order_gc(orders: Orders) -> list[Recommendation]:
    """ORDER-GC for each evaluated glucocorticoid draft of >= 3 months (one card, by topic merge)."""
    chart = CHARTS.get(orders.guideline)
    if chart is None or protected(orders):
        return []
    found = []
    for draft in orders.evaluated:
        if draft.glucocorticoid is None:
            continue
        course = prospective(orders.facts, draft)
        if routines.glucocorticoid_days(course, orders.facts.today) < _CFG["min_days"]:
            continue
        ended = tuple(e for e in orders.facts.glucocorticoids if e.end is not None and e.end < orders.facts.today)
        facts = replace(orders.facts, glucocorticoids=(*ended, course))
        folded = _fold(orders, draft, course, safety.gated(orders.guideline, facts, merge(chart(facts))))
        if folded is not None:
            found.append(folded)
    return found

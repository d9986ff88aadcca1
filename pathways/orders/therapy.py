"""An antiresorptive ordered on top of therapy, or beyond its evaluation.

ORDER-DUP — "a second antiresorptive while one is active (e.g. alendronic acid + denosumab) -> warn: duplicate therapy",
also across drafts (`order-safety`). The antiresorptives and the planned transition after denosumab (a bisphosphonate
>= 5 months after the last injection) are the safety net's (NET-DUPLICATE); two drafts of one drug are a double order.
ORDER-DURATION — "bisphosphonate beyond 5 years oral / 3 years IV -> evaluation due (RCOP-BP)"
(`treatment-evaluation-due`), while the course's evaluation is open (pathways/rcop/cycles.py).
"""

from __future__ import annotations

from fhir_mappings.facts import BISPHOSPHONATES, Agent, DraftOrder, PatientFacts, TherapyEpisode
from pathways import evidence, lab, routines
from pathways.orders.config import section
from pathways.orders.context import Orders, delete, reason
from pathways.rcop import cycles
from pathways.recommendation import Indicator, Recommendation, Suggestion, SuggestionKind
from pathways.safety.config import agents, section as safety_section
from pathways.safety.net import current_episodes

_NET = safety_section("net")
_DUPLICABLE = agents(_NET["antiresorptives"])
_DURATION = section("duration")


def _transition(facts: PatientFacts, draft: DraftOrder) -> bool:
    """A bisphosphonate starting >= `transition_min_months` after the last denosumab injection: the planned switch."""
    last = routines.last_administration(facts, Agent.DENOSUMAB)
    return (draft.agent in BISPHOSPHONATES and last is not None
            and draft.start >= routines.add_months(last, _NET["transition_min_months"]))


def _beside(facts: PatientFacts, draft: DraftOrder) -> tuple[TherapyEpisode, ...]:
    """The other antiresorptives the patient takes while the draft would start."""
    return tuple(e for e in current_episodes(facts) if e.agent in _DUPLICABLE and e.agent is not draft.agent
                 and not (e.agent is Agent.DENOSUMAB and _transition(facts, draft)))


def order_dup(orders: Orders) -> list[Recommendation]:
    facts, found = orders.facts, []
    pairs: dict[frozenset[str], tuple[DraftOrder, DraftOrder]] = {}
    for draft in (d for d in orders.evaluated if d.agent in _DUPLICABLE):
        agent = draft.agent.value
        taken = _beside(facts, draft)
        if taken:
            why = reason("ORDER-DUP", "orders.dup.current", agent=agent, taken=tuple(e.agent.value for e in taken))
            shown = tuple(x for e in taken for x in evidence.therapy(e))
            found.append(orders.finding("ORDER-DUP", Indicator.WARNING, why, drafts=((draft, agent),), evidence=shown,
                                        suggestions=(delete(draft, agent),)))
        for other in orders.drafts:
            if other is not draft and other.agent in _DUPLICABLE:
                pairs.setdefault(frozenset((draft.reference, other.reference)), (draft, other))
    for first, second in pairs.values():
        same = first.agent is second.agent
        key = "orders.dup.same" if same else "orders.dup.drafts"
        why = reason("ORDER-DUP", key, agents=tuple(sorted({first.agent.value, second.agent.value})))
        both = ((first, first.agent.value), (second, second.agent.value))
        found.append(orders.finding("ORDER-DUP", Indicator.WARNING, why, drafts=both,  # "keep one": never delete both
                                    suggestions=tuple(delete(d, name) for d, name in both), choose=True))
    return found


def order_duration(orders: Orders) -> list[Recommendation]:
    facts, found = orders.facts, []
    cited = _DURATION["nodes"][orders.guideline]
    for draft in (d for d in orders.evaluated if d.agent in BISPHOSPHONATES):
        due = cycles.evaluation(facts, draft.agent)
        if due is None or cycles.evaluation_dxa(facts, due.due) is not None:
            continue
        agent, years = draft.agent.value, cycles.cycle_years(draft.agent)
        reasons = (reason("ORDER-DURATION", "orders.duration", agent=agent, years=years, due=due.due),)
        if cited.get("years", years) == years:
            reasons += (reason(cited["node"], cited["message"], agent=agent, years=years),)
        shown = tuple(x for e in routines.episodes(facts, (draft.agent,)) for x in evidence.therapy(e)) + evidence.dxa(facts)
        items = lab.items_due(facts)
        orderables = (Suggestion(SuggestionKind.SERVICE, "dxa-vfa", recommended=True),
                      *((Suggestion(SuggestionKind.SERVICE, "lab-panel", recommended=True, items=items),) if items else ()))
        found.append(orders.finding("ORDER-DURATION", Indicator.WARNING, *reasons, drafts=((draft, agent),), evidence=shown,
                                    suggestions=orderables))
    return found

"""Denosumab at order entry (`order-safety`).

ORDER-DMAB — a denosumab draft: "a younger patient (premenopausal woman, or under 60) -> warn of rebound and the need
for an exit plan; overdue injection -> critical" (the RCOP-DMAB safety rule: the last injection more than 6 months +
4 weeks ago and no follow-up bisphosphonate since).
ORDER-DMAB-STOP — "a bisphosphonate ordered for a patient on denosumab: check timing: start 6 months after the last
injection (RCOP-DMAB-4/5)".
"""

from __future__ import annotations

from datetime import timedelta

from fhir_mappings.facts import BISPHOSPHONATES, Agent, DraftOrder, Sex
from pathways import evidence, routines
from pathways.orders.config import section
from pathways.orders.context import Orders, reason, update
from pathways.rcop import dmab
from pathways.rcop.config import section as rcop_section
from pathways.recommendation import Indicator, Recommendation
from pathways.safety.config import section as safety_section

_CFG = section("denosumab")
_TRANSITION_MONTHS = safety_section("net")["transition_min_months"]
_GRACE = timedelta(weeks=rcop_section("dmab")["grace_weeks"])


def _younger(orders: Orders) -> bool | None:
    """"Te mijden bij jongere patiënt": under `younger_age`, or a woman before the menopause; None: age unknown."""
    facts = orders.facts
    if facts.sex is Sex.FEMALE and facts.postmenopausal is False:
        return True
    return None if facts.age is None else facts.age < _CFG["younger_age"]


def _dmab(orders: Orders, draft: DraftOrder) -> list[Recommendation]:
    facts, agent = orders.facts, draft.agent.value
    found = []
    last = routines.last_administration(facts, Agent.DENOSUMAB)
    if last is not None and dmab.overdue(facts, last) and not dmab.follow_up_episodes(facts, last):
        why = reason("ORDER-DMAB", "orders.dmab.overdue", last=last, due=dmab.next_dose(last))
        shown = tuple(x for e in routines.episodes(facts, (Agent.DENOSUMAB,)) for x in evidence.therapy(e))
        start = (update(draft, start=facts.today),) if draft.start > facts.today else ()
        found.append(orders.finding("ORDER-DMAB", Indicator.CRITICAL, why, drafts=((draft, agent),), evidence=shown, suggestions=start))
    younger = _younger(orders)
    if younger:
        why = reason("ORDER-DMAB", "orders.dmab.younger", younger=_CFG["younger_age"])
        found.append(orders.finding("ORDER-DMAB", Indicator.WARNING, why, drafts=((draft, agent),), evidence=evidence.age(facts)))
    elif younger is None and orders.sign:
        found.append(orders.finding("ORDER-DMAB", Indicator.INFO, reason("ORDER-DMAB", "orders.dmab.age-unknown", younger=_CFG["younger_age"]), drafts=((draft, agent),)))
    return found


def order_dmab(orders: Orders) -> list[Recommendation]:
    return [f for d in orders.evaluated if d.agent is Agent.DENOSUMAB for f in _dmab(orders, d)]


def _stop(orders: Orders, draft: DraftOrder) -> list[Recommendation]:
    """The bisphosphonate's start against the last injection: not before 5 months after it (a duplicate otherwise),
    nor later than 6 months + 4 weeks after it (the rebound window); the draft is moved to the due day (or today)."""
    facts, agent = orders.facts, draft.agent.value
    episodes = routines.episodes(facts, (Agent.DENOSUMAB,))
    last = routines.last_administration(facts, Agent.DENOSUMAB)
    if last is None or last < routines.add_months(facts.today, -_CFG["recent_months"]) or dmab.follow_up_episodes(facts, last):
        return []  # not on denosumab any more, or the follow-up drug is already taken
    due = dmab.next_dose(last)
    use = dmab.DenosumabUse.of(min(e.start for e in episodes), last, facts.today)
    chart = (reason(use.stop_node, "orders.dmab-stop.chart"),) if orders.guideline in _CFG["chart_nodes"] else ()
    shown = tuple(x for e in episodes for x in evidence.therapy(e))
    if draft.start < routines.add_months(last, _TRANSITION_MONTHS):
        why = reason("ORDER-DMAB-STOP", "orders.dmab-stop.early", agent=agent, last=last, due=due)
    elif draft.start > due + _GRACE:
        why = reason("ORDER-DMAB-STOP", "orders.dmab-stop.late", agent=agent, last=last, due=due)
        due = max(due, facts.today)
    else:
        return []
    return [orders.finding("ORDER-DMAB-STOP", Indicator.WARNING, why, *chart, drafts=((draft, agent),), evidence=shown,
                           suggestions=(update(draft, start=due),))]


def order_dmab_stop(orders: Orders) -> list[Recommendation]:
    if any(d.agent is Agent.DENOSUMAB for d in orders.drafts):
        return []  # denosumab is being continued: a bisphosphonate beside it is a duplicate (ORDER-DUP), not a transition
    return [f for d in orders.evaluated if d.agent in BISPHOSPHONATES for f in _stop(orders, d)]

"""Anabolic drugs at order entry (`order-safety`). The contraindications are the gates' (GATE-CV: myocardial
infarction or stroke -> critical; a man or a woman before the menopause -> not indicated; GATE-TERIPARATIDE: the
lifetime maximum reached -> critical), cited with their row by pathways/orders/gates.py. Here:

ORDER-ROMO — "`vitaz-2025` reimbursement criteria check; 12 months maximum, then antiresorptive".
ORDER-TPTD — "reimbursement criteria (`vitaz-2025`) or anabolic criteria (`rcop-2023`); at most 24 months in a
lifetime (SmPC; `vitaz-2025` cards also quote the source's '9 maand'); antiresorptive afterwards".
A criterion the record cannot decide is said on order-sign only.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from fhir_mappings.facts import Agent, DraftOrder, PatientFacts
from pathways import evidence, routines
from pathways.orders.config import section
from pathways.orders.context import Orders, delete, reason, update
from pathways.rcop import anabolic as rcop_anabolic
from pathways.rcop.config import T
from pathways.recommendation import Evidence, Indicator, Reason, Recommendation
from pathways.vitaz import reimbursement

_ROMO = section("romosozumab")
_ANABOLIC = section("anabolic")
_TPTD = section("teriparatide")
_MONTH_DAYS = 365.25 / 12


class Criteria(StrEnum):
    MET = "met"
    NOT_MET = "not-met"
    UNKNOWN = "unknown"


# guideline -> agent -> (the criteria's verdict, the facts it rests on)
Check = Callable[[PatientFacts], tuple[Criteria, tuple[Evidence, ...]]]


def rcop_teriparatide(facts: PatientFacts) -> tuple[Criteria, tuple[Evidence, ...]]:
    """ANABOLIC (rcop-2023): lowest T <= -1.5 and (>= 1 VF grade 3 or >= 2 VF grade >= 2), on a DXA the charts
    decide on; without one the criteria are unknown."""
    shown = evidence.dxa(facts) + evidence.vertebral(facts, 2)
    if rcop_anabolic.teriparatide_criteria(facts):
        return Criteria.MET, shown
    if routines.latest_dxa(facts, since=routines.add_months(facts.today, -T["dxa_valid_months"])) is None:
        return Criteria.UNKNOWN, shown
    return Criteria.NOT_MET, shown


def _appendix5(criteria: tuple[reimbursement.Criterion, ...]) -> tuple[Criteria, tuple[Evidence, ...]]:
    """vitaz-2025 Appendix 5 for one drug, its criteria as the facts used. Romosozumab's "enkel postmenopauzale
    vrouwen" and "contra-indicatie: ischemische events" are GATE-CV's findings (orders.toml [anabolic]): not said
    twice."""
    judged = tuple(c for c in criteria if c.key not in _ANABOLIC["said_by_gates"])
    shown = tuple(c.evidence for c in judged)
    if reimbursement.all_met(judged):
        return Criteria.MET, shown
    return (Criteria.UNKNOWN if reimbursement.undecided(judged) else Criteria.NOT_MET), shown


CRITERIA: dict[str, dict[Agent, Check]] = {
    "rcop-2023": {Agent.TERIPARATIDE: rcop_teriparatide},
    "vitaz-2025": {Agent.ROMOSOZUMAB: lambda facts: _appendix5(reimbursement.romosozumab(facts)),
                   Agent.TERIPARATIDE: lambda facts: _appendix5(reimbursement.teriparatide(facts))},
}


def _months_used(facts: PatientFacts, agent: Agent) -> float:
    return sum(e.duration_days(facts.today) for e in routines.episodes(facts, (agent,))) / _MONTH_DAYS


def _criteria(orders: Orders, draft: DraftOrder, row: str) -> list[Recommendation]:
    check = CRITERIA.get(orders.guideline, {}).get(draft.agent)
    if check is None:
        return []
    verdict, shown = check(orders.facts)
    agent = draft.agent.value
    key = f"orders.{row.removeprefix('ORDER-').lower()}.{orders.guideline}.{verdict.value}"
    if verdict is Criteria.NOT_MET:
        return [orders.finding(row, Indicator.WARNING, reason(row, key, agent=agent), drafts=((draft, agent),), evidence=shown)]
    if verdict is Criteria.UNKNOWN and orders.sign:
        return [orders.finding(row, Indicator.INFO, reason(row, key, agent=agent), drafts=((draft, agent),), evidence=shown)]
    return []


def _duration(orders: Orders, draft: DraftOrder, row: str, maximum: int, *notes: Reason, gated: bool = False) -> list[Recommendation]:
    """The course would pass its maximum: months used so far plus the draft's expected months. With `gated`, a
    maximum already reached is the gate's finding (GATE-TERIPARATIDE), not said twice."""
    used = _months_used(orders.facts, draft.agent)
    planned = (draft.expected_days or 0) / _MONTH_DAYS
    if used + planned <= maximum + 0.5 or (gated and used >= maximum):  # half a month: rounding of supply durations
        return []
    agent, left = draft.agent.value, int(maximum - used + 0.5)
    key = f"orders.{row.removeprefix('ORDER-').lower()}.max" + ("" if round(used) else ".first")  # none used yet
    why = reason(row, key, agent=agent, months=maximum, used=round(used), planned=round(planned), left=max(left, 0))
    shown = tuple(x for e in routines.episodes(orders.facts, (draft.agent,)) for x in evidence.therapy(e))
    fix = update(draft, months=left) if left >= 1 else delete(draft, agent, recommended=True)  # the course cut to its maximum
    return [orders.finding(row, Indicator.WARNING, why, *notes, drafts=((draft, agent),), evidence=shown, suggestions=(fix,))]


def order_romo(orders: Orders) -> list[Recommendation]:
    found = []
    for draft in (d for d in orders.evaluated if d.agent is Agent.ROMOSOZUMAB):
        found += _criteria(orders, draft, "ORDER-ROMO") + _duration(orders, draft, "ORDER-ROMO", _ROMO["max_months"])
    return found


def order_tptd(orders: Orders) -> list[Recommendation]:
    found = []
    source = _TPTD["source_months"].get(orders.guideline)
    notes = (reason("ORDER-TPTD", "orders.tptd.source-months", months=source),) if source else ()
    for draft in (d for d in orders.evaluated if d.agent is Agent.TERIPARATIDE):
        these = _criteria(orders, draft, "ORDER-TPTD") + _duration(orders, draft, "ORDER-TPTD", _TPTD["max_months"], *notes, gated=True)
        if these:  # "antiresorptive afterwards", said with a finding about the course
            these.append(orders.finding("ORDER-TPTD", Indicator.INFO, reason("ORDER-TPTD", "orders.tptd.after")))
        found += these
    return found

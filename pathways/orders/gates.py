"""Every safety gate on every evaluated draft of an osteoporosis drug ("a draft order is checked against the same gates
as a suggestion": pathways.safety.gates.assess, never a second copy of a gate).

How a gate's finding is said about a draft (guidelines.md, "How gates apply"; orders.toml [gates]):
- FAIL: `critical` — the patient would be exposed now — with the action that resolves it: remove the draft (and refer,
  or image both femora first), or for a vitamin D deficiency give the loading dose first and start the draft later.
  A finding that the drug is not indicated (a man, a woman before the menopause for romosozumab) warns instead.
- WARN: `warning`, the check it asks for.
- UNKNOWN (a lab input missing or too old, sex or menopausal status not recorded): one `info` line naming the check,
  on order-sign only; order-select stays quiet about it.
- A date the drug may not be given before (2 weeks after hip-fracture surgery) that the draft's start precedes:
  `warning`, the draft moved to that date.
- ADVICE (a dental check, vitamin D alongside, the pregnancy check) rides along on a card the draft has anyway.
"""

from __future__ import annotations

from datetime import date, timedelta

from fhir_mappings.facts import Agent, DraftOrder, Sex
from pathways import lab, routines
from pathways.orders.config import section
from pathways.orders.context import Orders, delete, reason, update
from pathways.recommendation import Indicator, Reason, Recommendation, Suggestion, SuggestionKind
from pathways.safety.gates import GateResult, Status, assess, on_denosumab

_CFG = section("gates")
_SEX_FACTS = frozenset({"women-only", "postmenopausal-only"})


def _unknown_fact(orders: Orders, result: GateResult) -> bool:
    """A sex or menopause finding on a fact the record does not hold: an unknown input, not a failed gate."""
    facts = orders.facts
    if result.why == "women-only":
        return facts.sex is Sex.UNKNOWN
    return result.why == "postmenopausal-only" and facts.sex is Sex.FEMALE and facts.postmenopausal is None


def _row(result: GateResult) -> str | None:
    rows = _CFG["rows"]
    return rows.get(f"{result.node}.{result.why}") or rows.get(result.node)


def _on_denosumab(orders: Orders, draft: DraftOrder) -> bool:
    """A denosumab draft for a patient given denosumab within `recent_months` (orders.toml [denosumab]): the next
    injection, not a start."""
    last = routines.last_administration(orders.facts, Agent.DENOSUMAB)
    recent = routines.add_months(orders.facts.today, -section("denosumab")["recent_months"])
    return draft.agent is Agent.DENOSUMAB and last is not None and last >= recent


def _service(key: str, items: tuple[str, ...] = ()) -> Suggestion:
    return Suggestion(SuggestionKind.SERVICE, key, recommended=True, items=items)


def _failed(orders: Orders, draft: DraftOrder, result: GateResult) -> Recommendation:
    """A gate the draft fails: remove it (critical), or say it is not indicated (warning)."""
    agent = draft.agent.value
    node = _row(result) or result.node
    reasons = [result.reason]
    if result.why in _CFG["not_indicated"] and agent in _CFG["not_indicated"][result.why]:
        if result.node in _CFG["indication"]:  # the product's indication, not the gate's row: cited under the row
            reasons = [Reason(node, result.reason.message, result.reason.params)]
        reasons.append(reason(node, "orders.action.not-indicated", agent=agent))
        return orders.finding(node, Indicator.WARNING, *reasons, drafts=((draft, agent),), evidence=result.evidence,
                              suggestions=(delete(draft, agent),))
    suggestions: tuple[Suggestion, ...]
    if result.defer:  # vitamin D deficiency: the loading dose first, the draft after its delay (gates.toml)
        start = orders.facts.today + timedelta(days=dict(result.params)["days"])
        reasons.append(reason(node, "orders.action.delay", agent=agent, start=start))
        suggestions = (update(draft, start=start),)
    elif result.why == "possible-aff":
        reasons.append(reason(node, "orders.action.xray", agent=agent))
        suggestions = (_service("xray-femora"), delete(draft, agent, recommended=True))
    elif result.refer and _on_denosumab(orders, draft):
        # the next injection of a running denosumab: never simply stopped, it waits for secondary care (this week)
        reasons = [on_denosumab(result), reason(node, "orders.action.denosumab-review")]
        suggestions = (_service("referral-secondary-care"), delete(draft, agent))
    elif result.refer:
        reasons.append(reason(node, "orders.action.delete-refer", agent=agent))
        suggestions = (delete(draft, agent, recommended=True), _service("referral-secondary-care"))
    else:
        reasons.append(reason(node, "orders.action.delete", agent=agent))
        suggestions = (delete(draft, agent, recommended=True),)
    guideline_node = _CFG["onj_aff_nodes"].get(orders.guideline)
    if node == "ORDER-ONJ-AFF" and guideline_node:  # "consider switching agent or regimen" (VITAZ-FU-4)
        reasons.append(reason(guideline_node, "net.vitaz-fu-4"))
    return orders.finding(node, Indicator.CRITICAL, *reasons, drafts=((draft, agent),), evidence=result.evidence,
                          suggestions=suggestions)


def _unknown(orders: Orders, draft: DraftOrder, results: list[GateResult]) -> list[Recommendation]:
    """The checks a draft waits for, named once on order-sign, with the lab order that answers them."""
    if not orders.sign or not results:
        return []
    agent = draft.agent.value
    reasons = [reason(r.node, "gate.menopausal-status-needed", agent=agent) if r.why in _SEX_FACTS else r.reason for r in results]
    items = tuple(dict.fromkeys(i for r in results for n in r.needs if (i := lab.item_for(n))))
    suggestions = (_service("lab-panel", items),) if items else ()
    return [orders.finding(results[0].node, Indicator.INFO, *reasons, drafts=((draft, agent),), suggestions=suggestions)]


def _timing(orders: Orders, draft: DraftOrder, not_before: date | None) -> list[Recommendation]:
    """A start the gates do not allow yet (2 weeks after hip-fracture surgery): the draft moved to that day."""
    if not_before is None or draft.start >= not_before:
        return []
    agent = draft.agent.value
    why = reason("GATE-HIP-SURGERY", "orders.action.not-before", agent=agent, start=not_before)
    return [orders.finding("GATE-HIP-SURGERY", Indicator.WARNING, why, drafts=((draft, agent),),
                           suggestions=(update(draft, start=not_before),))]


def draft_gates(orders: Orders, draft: DraftOrder) -> list[Recommendation]:
    """The gates' findings on one draft of an osteoporosis drug; advice (for a start) only beside another finding,
    never beside a refusal: a drug not to be given needs no dental check or loading dose."""
    verdict = assess(orders.facts, draft.agent)
    found: list[Recommendation] = []
    unknown: list[GateResult] = []
    refused = False
    for result in verdict.results:
        if result.status is Status.FAIL and not _unknown_fact(orders, result):
            found.append(_failed(orders, draft, result))
            refused = True
        elif result.status is Status.WARN:
            found.append(orders.finding(result.node, Indicator.WARNING, result.reason, drafts=((draft, draft.agent.value),),
                                        evidence=result.evidence))
        elif result.status is not Status.ADVICE:
            unknown.append(result)
    found += _unknown(orders, draft, unknown) + _timing(orders, draft, verdict.not_before)
    advice = tuple(r.reason for r in verdict.at(Status.ADVICE) if r.not_before is None)
    if found and advice and not refused:
        found.append(orders.finding(advice[0].node, Indicator.INFO, *advice))
    return found

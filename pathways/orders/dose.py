"""ORDER-DOSE — "an osteoporosis drug with a dose or interval outside the standard regimen -> warn with the standard
regimen" (`order-safety`). The accepted regimens per product, with their SmPC source, are orders.toml [[regimen]].

A regimen giving far more than any accepted one (`overdose_factor`) is a contraindicated dose: critical. The update
suggested keeps the draft's own dose where an accepted regimen has it (alendronic acid 70 mg daily -> weekly), else
the standard regimen. An under-dose offers the standard regimen first and, where an accepted regimen has the draft's
own dose, that one beside it: one to choose (alendronic acid 10 mg weekly -> 70 mg weekly or 10 mg daily); for
denosumab an under-dose leaves the patient uncovered (rebound): critical. A dose or timing the draft does not let us
read is said on order-sign only.
"""

from __future__ import annotations

from fhir_mappings.facts import Agent, DraftOrder, PatientFacts
from pathways import routines
from pathways.orders.config import Regimen, regimens, section
from pathways.orders.context import Orders, reason, update
from pathways.recommendation import Indicator, Recommendation

_CFG = section("dose")


def _close(value: float, target: float) -> bool:
    return abs(value - target) <= _CFG["tolerance"] * target


def accepted(facts: PatientFacts, agent: Agent) -> tuple[Regimen, ...]:
    """The agent's accepted regimens; the RCOP-DMAB-5 schedule only with denosumab on record."""
    after_denosumab = bool(routines.episodes(facts, (Agent.DENOSUMAB,)))
    return tuple(r for r in regimens(agent) if after_denosumab or not r.after_denosumab)


def matches(draft: DraftOrder, regimen: Regimen) -> bool:
    if draft.dose_mg is None or not _close(draft.dose_mg, regimen.dose_mg):
        return False
    if draft.single:
        return regimen.single
    return draft.per_day is not None and _close(draft.per_day, regimen.per_day)


def overdose(draft: DraftOrder, options: tuple[Regimen, ...]) -> bool:
    """More than `overdose_factor` times the most any accepted regimen gives (per day, or in one dose)."""
    factor = _CFG["overdose_factor"]
    if draft.single or draft.per_day is None:
        return draft.dose_mg > factor * max(r.dose_mg for r in options)
    return draft.dose_mg * draft.per_day > factor * max(r.dose_mg * r.per_day for r in options)


def underdose(draft: DraftOrder, options: tuple[Regimen, ...]) -> bool:
    """Less than every accepted regimen gives (per day, or in one dose), beyond the tolerance."""
    if draft.single or draft.per_day is None:
        return draft.dose_mg < (1 - _CFG["tolerance"]) * min(r.dose_mg for r in options)
    return draft.dose_mg * draft.per_day < (1 - _CFG["tolerance"]) * min(r.dose_mg * r.per_day for r in options)


def targets(draft: DraftOrder, options: tuple[Regimen, ...], *, under: bool) -> tuple[Regimen, ...]:
    """The regimens the draft may be rewritten to, the first recommended: one with its own dose, else the standard
    one; for an under-dose the standard one first, a same-dose one beside it."""
    same_dose = [r for r in options if _close(draft.dose_mg, r.dose_mg) and not r.after_denosumab]
    standard = next(r for r in options if r.standard)
    if under:
        return tuple(dict.fromkeys((standard, *same_dose)))
    return (same_dose[0] if same_dose else standard,)


def _check(orders: Orders, draft: DraftOrder) -> list[Recommendation]:
    options = accepted(orders.facts, draft.agent)
    if not options:
        return []  # no accepted regimen listed for this drug (abaloparatide): nothing to compare with
    agent = draft.agent.value
    standard = next(r for r in options if r.standard)
    if draft.dose_mg is None or (draft.per_day is None and not draft.single):
        if not orders.sign:
            return []
        why = reason("ORDER-DOSE", "orders.dose.unknown", agent=agent, regimen=f"regimen.{standard.id}")
        return [orders.finding("ORDER-DOSE", Indicator.INFO, why, drafts=((draft, agent),))]
    if any(matches(draft, r) for r in options):
        return []
    under = underdose(draft, options)
    goals = targets(draft, options, under=under)
    rebound = under and agent in _CFG["rebound"]
    critical = rebound or overdose(draft, options)
    if rebound:
        key = "orders.dose.rebound"
    elif len(goals) > 1:  # an under-dose with a same-dose regimen beside the standard one
        key = "orders.dose.underdose"
    else:
        key = "orders.dose.overdose" if critical else "orders.dose.off-standard"
    why = reason("ORDER-DOSE", key, agent=agent, regimen=f"regimen.{goals[0].id}",
                 **({"alternative": f"regimen.{goals[1].id}"} if len(goals) > 1 else {}))
    fixes = tuple(update(draft, variant=g.id, recommended=g is goals[0]) for g in goals)
    return [orders.finding("ORDER-DOSE", Indicator.CRITICAL if critical else Indicator.WARNING, why, drafts=((draft, agent),),
                           suggestions=fixes, choose=len(fixes) > 1)]


def order_dose(orders: Orders) -> list[Recommendation]:
    return [f for d in orders.evaluated if d.agent is not None for f in _check(orders, d)]

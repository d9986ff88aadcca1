"""The pharmacist at order entry (order-select / order-sign): every ORDER-* row of guidelines.md ("The pharmacist on
order entry") and every safety gate on the draft orders, as pure functions of the record's facts and the drafts.

order-select evaluates the selected drafts against the patient's facts and the other drafts; order-sign evaluates every
draft and also names the checks whose input is unknown. Findings of one topic merge into one recommendation (its
indicator the highest of them), so a finding several drafts trigger is said once. A correct order for a patient without
issues gives nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from fhir_mappings.facts import DataGap, DraftOrder, PatientFacts
from pathways.orders import anabolic, denosumab, dose, gc, medication_risk, therapy
from pathways.orders.context import Orders
from pathways.orders.gates import draft_gates
from pathways.recommendation import Indicator, Reason, Recommendation, Topic, merge

Row = Callable[[Orders], list[Recommendation]]


def _gates(orders: Orders) -> list[Recommendation]:
    return [f for d in orders.evaluated if d.agent is not None for f in draft_gates(orders, d)]


# Every check, in the order its findings are said within a card when indicators tie.
ROWS: tuple[Row, ...] = (
    _gates,
    dose.order_dose,
    denosumab.order_dmab,
    denosumab.order_dmab_stop,
    therapy.order_dup,
    anabolic.order_romo,
    anabolic.order_tptd,
    gc.order_gc,
    medication_risk.order_bone_risk,
    medication_risk.order_fall_risk,
    therapy.order_duration,
)


def _unreadable(orders: Orders, gaps: tuple[DataGap, ...]) -> list[Recommendation]:
    """order-sign: drafts of a drug the checks are about that could not be read (not valid R4 even read leniently),
    named so that no draft is signed unchecked."""
    if not orders.sign or not gaps:
        return []
    return [Recommendation(Topic.DATA_NEEDED, Indicator.INFO, orders.guideline, (Reason("", "orders.unreadable-draft"),), missing=gaps)]


def evaluate(guideline: str, facts: PatientFacts, drafts: tuple[DraftOrder, ...], *, sign: bool,
             gaps: tuple[DataGap, ...] = ()) -> list[Recommendation]:
    """The order checks of one call: one recommendation per topic, most urgent first. `gaps`: the drafts that could
    not be read."""
    orders = Orders(guideline, facts, drafts, sign)
    if facts.deceased:
        return []
    found = [f for row in ROWS for f in row(orders)] if orders.evaluated else []
    found += _unreadable(orders, gaps)
    merged = merge(sorted(found, key=lambda r: -r.indicator.rank), one_recommended=False)
    return sorted(merged, key=lambda r: -r.indicator.rank)

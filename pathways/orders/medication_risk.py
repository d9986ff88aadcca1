"""Drugs that raise fracture risk, at order entry.

ORDER-BONE-RISK — "aromatase inhibitor, androgen deprivation, long-term PPI, antiepileptic -> fracture-risk evaluation
if none on record" (`order-dxa-vfa`): a DXA or FRAX at most 24 months old counts as the evaluation.
ORDER-FALL-RISK — "fall-risk-increasing drug (benzodiazepine, Z-drug, antipsychotic, antidepressant, opioid, ...) in a
patient with osteoporosis or a fragility fracture -> warn; suggest review/tapering" (`fall-risk-medication`).
"""

from __future__ import annotations

from fhir_mappings.facts import ANABOLICS, ANTIRESORPTIVES, DraftOrder, PatientFacts
from pathways import evidence, routines
from pathways.orders.config import section
from pathways.orders.context import Orders, course_days, delete, drug_label, product, reason, update
from pathways.recommendation import Evidence, Indicator, Num, Reason, Recommendation, Suggestion, SuggestionKind

_BONE = section("bone_risk")
_FALL = section("fall_risk")


def bone_risk_class(facts: PatientFacts, draft: DraftOrder) -> str | None:
    """The bone-risk class of a draft: an aromatase inhibitor, androgen deprivation or bone-risk antiepileptic, or a
    class that counts when long-term (a PPI whose course is expected to run >= 12 months)."""
    found = next((c for c in _BONE["classes"] if c in draft.classes), None)
    if found is not None:
        return found
    for drug_class, days in _BONE["long_term"].items():
        taken = tuple(m for m in facts.medications if m.drug_class == drug_class)
        if drug_class in draft.classes and (course_days(draft, taken) or 0) >= days:
            return drug_class
    return None


def evaluation_on_record(facts: PatientFacts) -> bool:
    """"Fracture-risk evaluation on record" = a DXA or FRAX at most `evaluation_months` old."""
    since = routines.add_months(facts.today, -_BONE["evaluation_months"])
    frax = [m for m in (facts.frax_major, facts.frax_hip) if m is not None and m.date is not None and m.date >= since]
    return routines.latest_dxa(facts, since=since) is not None or bool(frax)


def order_bone_risk(orders: Orders) -> list[Recommendation]:
    hits = [(d, c) for d in orders.evaluated if (c := bone_risk_class(orders.facts, d)) is not None]
    if not hits or evaluation_on_record(orders.facts):
        return []
    classes = tuple(dict.fromkeys(c for _, c in hits))
    why = reason("ORDER-BONE-RISK", "orders.bone-risk", classes=classes, months=_BONE["evaluation_months"])
    dxa = Suggestion(SuggestionKind.SERVICE, "dxa-vfa", recommended=True)
    return [orders.finding("ORDER-BONE-RISK", Indicator.INFO, why, drafts=tuple(hits), evidence=evidence.dxa(orders.facts),
                           suggestions=(dxa,))]


def fracture_risk(facts: PatientFacts) -> tuple[tuple[str, ...], tuple[Evidence, ...]]:
    """Why the patient has "osteoporosis or a fragility fracture" (Interpretation, orders.toml [fall_risk]): a T-score
    <= -2.5 on any DXA, an osteoporosis diagnosis, an osteoporosis drug now, a counted fracture; with the evidence."""
    why: list[str] = []
    shown: list[Evidence] = []
    low = [x.lowest_t for x in facts.dxa if x.lowest_t is not None and x.lowest_t.value <= _FALL["osteoporosis_t"]]
    if low:
        why.append("osteoporosis-t-score")
        shown += evidence.t_score("fact.lowest-t", low[-1])
    diagnosed = [r for r in facts.risk_factors if r.code in _FALL["osteoporosis_conditions"]]
    if diagnosed:
        why.append("osteoporosis-diagnosis")
        shown += [evidence.coded("fact.condition", r) for r in diagnosed]
    treated = routines.ongoing(facts, ANTIRESORPTIVES | ANABOLICS)
    if treated:
        why.append("osteoporosis-drug")
        shown += [x for e in treated for x in evidence.therapy(e)]
    fractures = routines.counted_fractures(facts)
    if fractures:
        why.append("fragility-fracture")
        shown += evidence.fractures(fractures)
    return tuple(why), tuple(shown)


def _same_class(orders: Orders, classes: tuple[str, ...]) -> list[Reason]:
    """More than one draft of one fall-risk class at once (this call's drafts): keep at most one."""
    found = []
    for drug_class in classes:
        drafts = [d for d in orders.drafts if drug_class in d.classes]
        if len(drafts) > 1:
            names = tuple(drug_label(d, drug_class) for d in drafts)
            found.append(reason("ORDER-FALL-RISK", "orders.fall-risk.same-class", drug_class=drug_class, drugs=names))
    return found


def _older_dose(orders: Orders, draft: DraftOrder) -> tuple[tuple[Reason, ...], tuple[Suggestion, ...]]:
    """A dose above the one the product information gives older patients (orders.toml [fall_risk] older_dose), with
    the draft rewritten to that dose as an option."""
    age = orders.facts.age
    rule = next((r for r in _FALL["older_dose"] if r["substance"] == draft.substance), None)
    if rule is None or age is None or age < rule["age"] or draft.dose_mg is None or draft.dose_mg <= rule["max_mg"]:
        return (), ()
    why = reason("ORDER-FALL-RISK", "orders.fall-risk.older-dose", drug=product(draft), age=age,
                 dose=Num(draft.dose_mg, 0 if draft.dose_mg == round(draft.dose_mg) else 1), older=Num(rule["max_mg"], 0))
    return (why,), (update(draft, dose_mg=float(rule["max_mg"]), recommended=False),)


def order_fall_risk(orders: Orders) -> list[Recommendation]:
    hits = [(d, next(c for c in _FALL["classes"] if c in d.classes)) for d in orders.evaluated
            if any(c in d.classes for c in _FALL["classes"])]
    why, shown = fracture_risk(orders.facts)
    if not hits or not why:
        return []
    classes = tuple(dict.fromkeys(c for _, c in hits))
    reasons = [reason("ORDER-FALL-RISK", "orders.fall-risk", classes=classes, why=why), *_same_class(orders, classes)]
    fixes: list[Suggestion] = []
    for draft, _ in hits:
        more, rewrite = _older_dose(orders, draft)
        reasons += more
        fixes += rewrite
    node = _FALL["guideline_nodes"].get(orders.guideline)
    if node:
        reasons.append(reason(node, "orders.fall-risk.vitaz-4"))
    rewritten = bool(fixes)  # a draft both rewritten and removed: one of the two (at most one on the card)
    fixes += [delete(d, drug_label(d, c)) for d, c in hits]
    return [orders.finding("ORDER-FALL-RISK", Indicator.WARNING, *reasons, drafts=tuple(hits), evidence=shown,
                           suggestions=tuple(fixes), choose=rewritten)]

"""Guideline pathways: pure functions of (facts, today) -> recommendations. No I/O, no Flask, no FHIR JSON."""

from __future__ import annotations

from collections.abc import Callable

from fhir_mappings.facts import PatientFacts
from pathways import rcop, safety, vitaz
from pathways.recommendation import Indicator, Reason, Recommendation, Topic, merge

Pathway = Callable[[PatientFacts], list[Recommendation]]

# guideline id -> its evaluator.
GUIDELINES: dict[str, Pathway] = {"rcop-2023": rcop.evaluate, "vitaz-2025": vitaz.evaluate}


def evaluate(guideline: str, facts: PatientFacts) -> list[Recommendation]:
    """One guideline's pathways on the facts, one recommendation per topic, with the safety net's findings added
    and every drug suggestion passed through the safety gates (which hold whatever the guideline's entry
    criteria)."""
    if facts.deceased:
        return []
    pathway = GUIDELINES.get(guideline)
    recs = pathway(facts) if pathway else []
    return safety.apply(guideline, facts, merge([*recs, *unreadable(guideline, facts)]))


def unreadable(guideline: str, facts: PatientFacts) -> list[Recommendation]:
    """Data the service could not read that could change a decision of consequence (an osteoporosis drug, a fracture,
    a glucocorticoid course, a DXA): one data-needed recommendation, whether or not a chart applies (contract "Cards
    in one answer"). Gaps of no such decision (an implausible unrelated lab) stay off the cards."""
    gaps = tuple(g for g in facts.gaps if g.decision is not None)
    if not gaps:
        return []
    return [Recommendation(Topic.DATA_NEEDED, Indicator.INFO, guideline, (Reason("", "data.unreadable"),), missing=gaps)]

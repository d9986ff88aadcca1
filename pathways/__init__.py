"""Guideline pathways: pure functions of (facts, today) -> recommendations. No I/O, no Flask, no FHIR JSON."""

from __future__ import annotations

from collections.abc import Callable

from fhir_mappings.facts import PatientFacts
from pathways import rcop, safety
from pathways.recommendation import Recommendation, merge

Pathway = Callable[[PatientFacts], list[Recommendation]]

# guideline id -> its evaluator; a guideline not yet implemented yields no recommendations.
GUIDELINES: dict[str, Pathway] = {"rcop-2023": rcop.evaluate}


def evaluate(guideline: str, facts: PatientFacts) -> list[Recommendation]:
    """One guideline's pathways on the facts, one recommendation per topic, with the safety net's findings added
    and every drug suggestion passed through the safety gates (which hold whatever the guideline's entry
    criteria)."""
    if facts.deceased:
        return []
    pathway = GUIDELINES.get(guideline)
    return safety.apply(guideline, facts, merge(pathway(facts)) if pathway else [])

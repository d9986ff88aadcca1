"""Guideline pathways: pure functions of (facts, today) -> recommendations. No I/O, no Flask, no FHIR JSON."""

from __future__ import annotations

from collections.abc import Callable

from fhir_mappings.facts import PatientFacts
from pathways import rcop, vitaz
from pathways.recommendation import Recommendation, merge

Pathway = Callable[[PatientFacts], list[Recommendation]]

# guideline id -> its evaluator.
GUIDELINES: dict[str, Pathway] = {"rcop-2023": rcop.evaluate, "vitaz-2025": vitaz.evaluate}


def evaluate(guideline: str, facts: PatientFacts) -> list[Recommendation]:
    """Run one guideline's pathways on the facts and merge their outcomes to one recommendation per topic."""
    pathway = GUIDELINES.get(guideline)
    if pathway is None or facts.deceased:
        return []
    return merge(pathway(facts))

"""Safety findings laid over the charts' outcomes: an antiresorptive card for a patient with jaw osteonecrosis
or an atypical femoral fracture on record becomes critical and says why (rcop-2023.toml `[safety]`)."""

from __future__ import annotations

from dataclasses import replace

from fhir_mappings.facts import ANTIRESORPTIVES, PatientFacts
from pathways.rcop.common import reason
from pathways.rcop.config import section
from pathways.recommendation import Evidence, Indicator, Recommendation, SuggestionKind

_CFG = section("safety")
_ANTIRESORPTIVE_KEYS = frozenset(a.value for a in ANTIRESORPTIVES)


def _about_antiresorptive(rec: Recommendation) -> bool:
    """A card whose topic is about antiresorptive therapy, or that suggests an antiresorptive drug."""
    return rec.topic.value in _CFG["antiresorptive_topics"] or any(
        s.kind is SuggestionKind.MEDICATION and s.key in _ANTIRESORPTIVE_KEYS for s in rec.suggestions
    )


def flag_contraindications(facts: PatientFacts, recs: list[Recommendation]) -> list[Recommendation]:
    """Mark antiresorptive recommendations critical when a contraindication to antiresorptives is on record."""
    found = [c for c in facts.contraindications if c.code in _CFG["antiresorptive_contraindications"]]
    if not found:
        return recs
    evidence = tuple(Evidence("fact.contraindication", c.display, c.source) for c in found)
    out = []
    for rec in recs:
        if _about_antiresorptive(rec):
            note = reason(rec.reasons[0].node, key="rcop.safety.antiresorptive-contraindication", conditions=tuple(c.code for c in found))
            rec = replace(rec, indicator=Indicator.CRITICAL, reasons=(*rec.reasons, note), evidence=(*rec.evidence, *evidence))
        out.append(rec)
    return out

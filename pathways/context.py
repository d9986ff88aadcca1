"""What every guideline's pathway builds its recommendations from: a `Context` (the facts, the evidence shown,
the assumptions made), a node's `reason`, and the suggestions (`drugs`, `service`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from fhir_mappings.facts import Agent, Assumption, DataGap, PatientFacts
from pathways import routines
from pathways.recommendation import Evidence, Indicator, Reason, Recommendation, Suggestion, SuggestionKind, Topic


def reason(node: str, outcome: str | None = None, *, key: str | None = None, **params: object) -> Reason:
    """A node's reason; its message key is derived from the node id ("RCOP-FX-4" + "vf" -> "rcop.fx.4.vf",
    "VITAZ-FU-1" -> "vitaz.fu.1")."""
    derived = node.lower().replace("-", ".") + (f".{outcome}" if outcome else "")
    return Reason(node, key or derived, tuple(sorted(params.items())))


@dataclass(frozen=True)
class Context:
    """One pathway's view of the patient: the facts, the evidence it shows and the assumptions it makes.

    Each guideline subclasses it with its id (`guideline`), which every recommendation carries.
    """

    facts: PatientFacts
    evidence: tuple[Evidence, ...] = ()
    assumptions: tuple[Assumption, ...] = ()
    guideline: ClassVar[str] = ""

    def _shown(self, assumption: Assumption) -> bool:
        """An assumption about one resource (e.g. an unverified code) belongs only on cards that show that resource."""
        reference = dict(assumption.params).get("reference")
        return reference is None or any(e.source and e.source.reference == reference for e in self.evidence)

    def rec(
        self,
        topic: Topic,
        indicator: Indicator,
        *reasons: Reason,
        suggestions: Iterable[Suggestion] = (),
        missing: Iterable[DataGap] = (),
        options: bool = False,
        links: tuple[str, ...] = (),
    ) -> Recommendation:
        return Recommendation(
            topic=topic,
            indicator=indicator,
            guideline=self.guideline,
            reasons=reasons,
            evidence=tuple(dict.fromkeys(self.evidence)),
            assumptions=tuple(dict.fromkeys((*filter(self._shown, self.facts.assumptions), *self.assumptions))),
            missing=tuple(missing),
            suggestions=tuple(suggestions),
            options=options,
            links=links,
        )


def drugs(facts: PatientFacts, agents: Iterable[Agent], *, recommend_first: bool = True) -> tuple[Suggestion, ...]:
    """Medication suggestions in regimen order, minus drugs taken today or not tolerated; 1st one recommended
    unless `recommend_first` is False (a guideline that ranks none)."""
    unavailable = routines.unavailable_agents(facts)
    available = [a for a in dict.fromkeys(agents) if a not in unavailable]
    return tuple(
        Suggestion(SuggestionKind.MEDICATION, a.value, recommended=recommend_first and i == 0)
        for i, a in enumerate(available)
    )


def service(key: str, *, recommended: bool = True) -> Suggestion:
    """An orderable of the card data ("dxa-vfa", "lab-panel", "referral-…")."""
    return Suggestion(SuggestionKind.SERVICE, key, recommended)


def relevant_gaps(facts: PatientFacts, ignored: Iterable[str]) -> tuple[DataGap, ...]:
    """The mapping layer's data gaps, minus those the guideline never needs (`ignored` gap codes)."""
    skip = frozenset(ignored)
    return tuple(g for g in facts.gaps if g.code not in skip)


def data_needed(ctx: Context, why: Reason, recorded: tuple[DataGap, ...], *gaps: DataGap) -> Recommendation:
    """The pathway applies (or may apply) but a needed input is missing or unreadable: say which (the pathway's
    own `gaps` first, then the mapping's `recorded` ones, each once)."""
    known = {(g.code, g.reference) for g in recorded}
    own = tuple(g for g in gaps if (g.code, g.reference) not in known)
    return ctx.rec(Topic.DATA_NEEDED, Indicator.INFO, why, missing=(*own, *recorded))


def dxa_order(ctx: Context, why: Reason, unusable: Iterable[str]) -> Recommendation:
    """"DXA+VFA": one order for bone density with vertebral fracture assessment; DXA results the record has but
    the guideline cannot use (gap codes `unusable`, e.g. forearm only) are named on this card, not in data-needed."""
    codes = frozenset(unusable)
    named = tuple(g for g in ctx.facts.gaps if g.code in codes)
    return ctx.rec(Topic.ORDER_DXA_VFA, Indicator.INFO, why, suggestions=(service("dxa-vfa"),), missing=named)

"""What every guideline's pathway builds its recommendations from: a `Context` (the facts, the evidence shown,
the assumptions made), a node's `reason`, the suggestions (`drugs`, `service`) and the steps both guidelines
order alike (the lab panel, DXA+VFA, the VFA alone, data-needed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from fhir_mappings.facts import Agent, Assumption, DataGap, Decision, PatientFacts
from pathways import lab, routines
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
        alert: bool = False,
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
            alert=alert,
            options=options,
            links=links,
        )

    def adding(self, *evidence: Evidence) -> Context:
        """The same view with more facts shown (those a node adds, e.g. a FRAX result)."""
        return type(self)(self.facts, (*self.evidence, *evidence), self.assumptions)


def drugs(facts: PatientFacts, agents: Iterable[Agent], *, recommend_first: bool = True) -> tuple[Suggestion, ...]:
    """Medication suggestions in regimen order, minus drugs taken today; 1st one recommended unless `recommend_first`
    is False (a guideline that ranks none). A drug not tolerated stays for the safety gates, which name the
    intolerance (GATE-INTOLERANCE)."""
    unavailable = routines.current_agents(facts)
    available = [a for a in dict.fromkeys(agents) if a not in unavailable]
    return tuple(
        Suggestion(SuggestionKind.MEDICATION, a.value, recommended=recommend_first and i == 0)
        for i, a in enumerate(available)
    )


def service(key: str, *, recommended: bool = True) -> Suggestion:
    """An orderable of the card data ("dxa-vfa", "vfa", "lab-panel", "referral-…")."""
    return Suggestion(SuggestionKind.SERVICE, key, recommended)


def lab_order(ctx: Context, *why: Reason) -> list[Recommendation]:
    """"Lab": one order for the items of the osteoporosis lab panel with no recent result (pathways/lab-panel.toml:
    "re-ordered for any member with no result in the last 3 months"); nothing when every item is recent."""
    due = lab.items_due(ctx.facts)
    if not due:
        return []
    order = Suggestion(SuggestionKind.SERVICE, "lab-panel", recommended=True, items=due)
    return [ctx.rec(Topic.ORDER_LAB, Indicator.INFO, *why, suggestions=(order,))]


def dxa_order(ctx: Context, why: Reason, unreadable: str) -> Recommendation:
    """"DXA+VFA": one order for bone density with vertebral fracture assessment — unless a DXA is on record that could
    not be read: then its report is read first (the data-needed card names it; `unreadable` is the message key that
    says so), no second scan."""
    if any(g.decision is Decision.DXA for g in ctx.facts.gaps):
        return ctx.rec(Topic.ORDER_DXA_VFA, Indicator.INFO, Reason(why.node, unreadable))
    return ctx.rec(Topic.ORDER_DXA_VFA, Indicator.INFO, why, suggestions=(service("dxa-vfa"),))


def vfa_order(ctx: Context, why: Reason) -> Recommendation:
    """The VFA that the DXA a decision rests on lacks (a DXA alone says nothing about vertebrae); `why` says what
    waits for it."""
    return ctx.rec(Topic.ORDER_DXA_VFA, Indicator.INFO, why, suggestions=(service("vfa"),))


def data_needed(ctx: Context, why: Reason, *gaps: DataGap) -> Recommendation:
    """The pathway applies (or may apply) but a needed input is missing: say which (`gaps`; the mapping's unreadable
    records are added by `pathways.unreadable`), and (`why`) which decision waits for it."""
    return ctx.rec(Topic.DATA_NEEDED, Indicator.INFO, why, missing=gaps)

"""One answer as a clinician takes it in (contract.md "Cards in one answer"): one plan card, a card of its own for
each safety finding that must not drown in it, at most one card of drug options, at most one data-needed card.

The pathways return one recommendation per topic; composing them is this module's job, with the orders of
cards/data/plan.json: the plan's decision is its first topic in `decision_order`, its steps follow `step_order`
(the order they are done: lab, imaging, the decision, follow-up, supplements, lifestyle).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cards.reference import load
from pathways.recommendation import Indicator, Recommendation, Suggestion, SuggestionKind, Topic
from fhir_mappings.facts import Agent

_AGENTS = frozenset(a.value for a in Agent)


@dataclass(frozen=True)
class Composed:
    """One card to render: its kind, the recommendations it covers (decision first for a plan) and its topic."""

    kind: str  # "plan" | "alert" | "options" | "data-needed"
    topic: Topic  # the card's source.topic: for a plan, its decision
    recs: tuple[Recommendation, ...]  # a plan's steps in the order they are done
    indicator: Indicator
    decision: Recommendation
    options_topic: Topic | None = None  # a plan step whose drug choice sits on the options card

    @property
    def chooses(self) -> bool:
        """The clinician picks one drug: the options card, or a safety card offering several (give the overdue
        injection or start the follow-up drug), or an order card whose fixes exclude each other (`options`: one
        regimen of two, one duplicate draft kept)."""
        if self.kind != "alert":
            return self.kind == "options"
        drafts = any(s.draft for s in self.decision.suggestions)
        return sum(is_agent(s) for s in self.decision.suggestions) > 1 or (drafts and self.decision.options)

    @property
    def topics(self) -> tuple[Topic, ...]:
        """Every topic the card covers, its own first (a decision taken on the options card is that card's)."""
        covered = (r.topic for r in self.recs if r.topic is not self.options_topic or self.kind == "options")
        return tuple(dict.fromkeys((self.topic, *covered)))


def is_agent(s: Suggestion) -> bool:
    """An osteoporosis drug (not a supplement): at most one of them on a card that allows several selections."""
    return s.kind is SuggestionKind.MEDICATION and s.key in _AGENTS


def _separate(rec: Recommendation) -> bool:
    return rec.alert or rec.indicator is Indicator.CRITICAL or rec.topic.value in load("plan")["separate"]


def _rank(order: str, rec: Recommendation) -> int:
    listed = load("plan")[order]
    return listed.index(rec.topic.value) if rec.topic.value in listed else len(listed)


def _step_rank(rec: Recommendation) -> int:
    """Its place in the plan: a step the drug waits for (plan.json `leads`) first, the others in `step_order`."""
    return -1 if any(r.message in load("plan")["leads"] for r in rec.reasons) else _rank("step_order", rec)


def _highest(recs: tuple[Recommendation, ...]) -> Indicator:
    return max((r.indicator for r in recs), key=lambda i: i.rank)


def _one_drug(steps: list[Recommendation]) -> list[Recommendation]:
    """The plan's steps with at most one osteoporosis drug among all their suggestions (the first in step order;
    the same drug in another step, e.g. its repeat due, stays)."""
    drug = next((s.key for rec in steps for s in rec.suggestions if is_agent(s)), None)
    return [replace(rec, suggestions=tuple(s for s in rec.suggestions if not is_agent(s) or s.key == drug)) for rec in steps]


def _options(rec: Recommendation) -> bool:
    return rec.options and sum(is_agent(s) for s in rec.suggestions) > 1


def compose(recs: list[Recommendation]) -> list[Composed]:
    """The cards of one answer: safety findings first (most urgent first), then the plan, its options and the
    data-needed card."""
    alerts = sorted((r for r in recs if r.topic is not Topic.DATA_NEEDED and _separate(r)), key=lambda r: -r.indicator.rank)
    data = [r for r in recs if r.topic is Topic.DATA_NEEDED]
    plan = [r for r in recs if r.topic is not Topic.DATA_NEEDED and not _separate(r)]
    cards = [Composed("alert", r.topic, (r,), r.indicator, r) for r in alerts]
    if plan:
        decision = min(plan, key=lambda r: _rank("decision_order", r))
        steps = sorted(plan, key=_step_rank)
        chooser = next((r for r in steps if _options(r)), None)
        if chooser is not None:
            steps = [replace(r, suggestions=tuple(s for s in r.suggestions if not is_agent(s))) if r is chooser else r for r in steps]
        steps = _one_drug(steps)
        decision = next(r for r in steps if r.topic is decision.topic)
        cards.append(Composed("plan", decision.topic, tuple(steps), _highest(tuple(steps)), decision,
                              chooser.topic if chooser else None))
        if chooser is not None:
            # the drug choice the plan refers to: a topic of its own (each topic is one card's), its drugs under theirs
            cards.append(Composed("options", Topic.DRUG_OPTIONS, (chooser,), chooser.indicator, chooser))
    if data:
        cards.append(Composed("data-needed", Topic.DATA_NEEDED, tuple(data), _highest(tuple(data)), data[0]))
    return cards

"""What a pathway concludes: recommendations by contract topic, with the nodes and facts behind them.

Pathways return these; `cards/` renders them. Nothing here knows FHIR JSON, HTTP or wording:
texts are message keys resolved by the card layer's catalogues.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import TypeVar

from fhir_mappings.facts import Assumption, DataGap, Provenance


class Topic(StrEnum):
    """The recommendation topics of the contract (`source.topic.code`)."""

    ORDER_DXA_VFA = "order-dxa-vfa"
    ASSESS_FRAX = "assess-frax"  # extension: calculate FRAX before the decision (vitaz-2025 Appendix 2)
    ORDER_LAB = "order-lab"
    LIFESTYLE_FALLS = "lifestyle-falls"
    CALCIUM_VITAMIN_D = "calcium-vitamin-d"
    START_ANTIRESORPTIVE = "start-antiresorptive"
    REFER_ANABOLIC = "refer-anabolic"
    SHARED_DECISION = "shared-decision"
    NO_DRUG_THERAPY = "no-drug-therapy"
    REFER_SECONDARY_CARE = "refer-secondary-care"
    REFER_ENDOCRINOLOGY = "refer-endocrinology"
    TREATMENT_EVALUATION_DUE = "treatment-evaluation-due"
    DRUG_HOLIDAY = "drug-holiday"
    CONTINUE_THERAPY = "continue-therapy"
    RESTART_THERAPY = "restart-therapy"
    SWITCH_THERAPY = "switch-therapy"
    DENOSUMAB_TRANSITION = "denosumab-transition"
    GLUCOCORTICOID_BONE_PROTECTION = "glucocorticoid-bone-protection"
    FOLLOW_UP_DUE = "follow-up-due"
    ORDER_SAFETY = "order-safety"
    FALL_RISK_MEDICATION = "fall-risk-medication"
    MEDICATION_SAFETY = "medication-safety"
    DRUG_OPTIONS = "drug-options"  # extension: the card of drug options the plan's decision refers to (cards layer)
    DATA_NEEDED = "data-needed"


class Indicator(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Indicator).index(self)


@dataclass(frozen=True)
class Reason:
    """One chart node's contribution to a recommendation."""

    node: str  # node id from shared/spec/guidelines.md, e.g. "RCOP-FX-3"
    message: str  # message key in the card catalogues, e.g. "rcop.fx.3"
    params: tuple[tuple[str, object], ...] = ()  # message parameters, hashable so reasons can be merged


@dataclass(frozen=True)
class Num:
    """A number as a card shows it: fixed decimals (in the card language's notation), optionally signed."""

    value: float
    digits: int = 0
    signed: bool = False


@dataclass(frozen=True)
class Unit:
    """A UCUM unit as a card shows it (annotations such as `{1.73_m2}` worded by the card layer)."""

    code: str


@dataclass(frozen=True)
class Evidence:
    """A fact the decision used, as the card should show it."""

    label: str  # message key of the fact, e.g. "fact.lowest-t"
    value: str  # language-neutral template: `{name}` a parameter, `{code}` a coded word (see pathways.evidence)
    source: Provenance | None = None
    params: tuple[tuple[str, object], ...] = ()


class SuggestionKind(StrEnum):
    MEDICATION = "medication"  # key = an `Agent` value or a supplement; the regimen comes from the card data
    SERVICE = "service"  # key = an orderable in the card layer's data: "dxa-vfa", "lab-panel", "referral-…"
    UPDATE = "update"  # the draft order `draft` rewritten: to the regimen `variant` of agent `key`, to start on `start`,
    # to run `months`, or to the dose `dose_mg`
    DELETE = "delete"  # the draft order `draft` removed (key = its agent or drug class, for the label)


@dataclass(frozen=True)
class Suggestion:
    kind: SuggestionKind
    key: str
    recommended: bool = False
    variant: str | None = None  # a regimen variant in the card data, e.g. zoledronic acid "after-denosumab" (one infusion)
    start: date | None = None  # when it is to be given (not before), where the guideline or a gate times it
    intent: str = "proposal"  # "plan": a planned order, given only after the checks it names
    checks: tuple[Reason, ...] = ()  # what to check or know before giving it (set by the safety gates; shown in its label)
    items: tuple[str, ...] = ()  # the parts of an orderable to order (e.g. the lab concepts without a recent result)
    draft: str | None = None  # UPDATE / DELETE: the draft order it acts on ("MedicationRequest/abc")
    months: int | None = None  # UPDATE: the draft's course cut to this many months (a maximum duration)
    dose_mg: float | None = None  # UPDATE: the draft's dose set to this (its timing kept)
    topic: Topic | None = None  # the topic it counts under when not its recommendation's (a chart step on an order card)
    # a planned order accepted together with this one: one choice orders a schedule (RCOP-DMAB-5: the second infusion)
    then: Suggestion | None = None


@dataclass(frozen=True)
class Recommendation:
    topic: Topic
    indicator: Indicator
    guideline: str  # "rcop-2023" | "vitaz-2025"
    reasons: tuple[Reason, ...]
    evidence: tuple[Evidence, ...] = ()
    assumptions: tuple[Assumption, ...] = ()
    missing: tuple[DataGap, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    options: bool = False  # the medication suggestions are a choice the clinician makes (guideline ranks none); on
    # an order card: its fixes of the drafts exclude each other (at most one is taken)
    blocked: tuple[Reason, ...] = ()  # drugs a safety gate removed, each with its gate node and why
    links: tuple[str, ...] = ()  # link keys in the card data (e.g. a FRAX calculator)
    alert: bool = False  # a safety finding that must not drown in the plan: a card of its own

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(r.node for r in self.reasons)


T = TypeVar("T")


def _unique(items: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))


def _merge_suggestions(suggestions: Iterable[Suggestion], one_recommended: bool = True) -> tuple[Suggestion, ...]:
    """Deduplicate by (kind, key, variant, draft), the items of an orderable united; only the first recommended one
    stays recommended (unless `one_recommended` is off: each keeps its own)."""
    by_key: dict[tuple[SuggestionKind, str, str | None, str | None], Suggestion] = {}
    for s in suggestions:
        key = (s.kind, s.key, s.variant, s.draft)
        seen = by_key.get(key)
        if seen is None or (s.recommended and not seen.recommended):
            by_key[key] = s if seen is None else replace(s, items=_unique((*seen.items, *s.items)))
        elif s.items:
            by_key[key] = replace(seen, items=_unique((*seen.items, *s.items)))
    if not one_recommended:
        return tuple(by_key.values())
    merged, recommended_seen = [], False
    for s in by_key.values():
        merged.append(replace(s, recommended=s.recommended and not recommended_seen))
        recommended_seen = recommended_seen or s.recommended
    return tuple(merged)


def merge(recommendations: Iterable[Recommendation], *, one_recommended: bool = True) -> list[Recommendation]:
    """One recommendation per topic: union of reasons, facts and suggestions, the highest indicator wins.

    Order of first appearance is kept, so the first pathway's first choice stays first. `one_recommended` off (the
    order checks): each suggestion keeps its own `recommended`, as they act on different drafts.
    """
    by_topic: dict[Topic, list[Recommendation]] = {}
    for rec in recommendations:
        by_topic.setdefault(rec.topic, []).append(rec)
    merged = []
    for topic, recs in by_topic.items():
        merged.append(
            Recommendation(
                topic=topic,
                indicator=max((r.indicator for r in recs), key=lambda i: i.rank),
                guideline=recs[0].guideline,
                reasons=_unique(x for r in recs for x in r.reasons),
                evidence=_unique(x for r in recs for x in r.evidence),
                assumptions=_unique(x for r in recs for x in r.assumptions),
                missing=_unique(x for r in recs for x in r.missing),
                suggestions=_merge_suggestions((s for r in recs for s in r.suggestions), one_recommended),
                options=any(r.options for r in recs),
                blocked=_unique(x for r in recs for x in r.blocked),
                links=_unique(x for r in recs for x in r.links),
                alert=any(r.alert for r in recs),
            )
        )
    return merged

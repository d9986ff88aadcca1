"""Building blocks of the vitaz-2025 pathway: its Context, the DXA, vertebrae and FRAX it decides on, the DXA and VFA
orders, and data-needed — each written once."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fhir_mappings.facts import DataGap, DxaExam, Measured, PatientFacts
from pathways import context, evidence, routines
from pathways.context import reason
from pathways.recommendation import Evidence, Recommendation
from pathways.vitaz.config import GUIDELINE, T, section

_FRAX = section("frax")
CHART = "VITAZ"


class Context(context.Context):
    """The vitaz pathway's view of the patient (see `pathways.context.Context`)."""

    guideline = GUIDELINE


def current_dxa(facts: PatientFacts) -> DxaExam | None:
    """The latest DXA with a T-score, if at most `valid_months` old (guidelines.md: a DXA counts for a first
    evaluation when <= 24 months old); "BMD met VFA" otherwise still to be done (VITAZ-2)."""
    return routines.latest_dxa(facts, since=routines.add_months(facts.today, -T["valid_months"]))


def vertebrae_unknown(facts: PatientFacts) -> bool:
    """Whether a vertebral fracture — a fragility fracture — is unknown (guidelines.md "VF status known"): no
    vertebral fracture on record and no VFA or spine X-ray of this evaluation (a BMD alone says nothing about the
    vertebrae)."""
    return routines.vf_status(facts, 1, T["valid_months"]) is routines.VfStatus.UNKNOWN


def vertebrae(facts: PatientFacts) -> tuple[Evidence, ...]:
    """The fact a "no drug" rests on (VITAZ-4/5): whether the VFA or spine X-ray of this evaluation shows a vertebral
    fracture (any grade is a fragility fracture here), shown beside the sibling that waits for it."""
    return evidence.vertebral(facts, 1, "vitaz.fact.vf-status")


class FraxResult(StrEnum):
    RAISED = "raised"  # a probability at or above its Appendix 2 threshold
    BELOW = "below"  # both probabilities recorded, both below
    UNKNOWN = "unknown"  # none recorded (recently), or only one and below: ask for FRAX


@dataclass(frozen=True)
class Frax:
    result: FraxResult
    evidence: tuple[Evidence, ...]


def _frax_line(label: str, m: Measured, threshold: float) -> Evidence:
    return Evidence(label, "{value} % (≥ {threshold} %)", m.source, (("value", m.value), ("threshold", threshold)))


def frax(facts: PatientFacts) -> Frax:
    """Appendix 2 — "Drempel tot behandeling: kans op majeure fractuur: FRAX >= 20%; kans op heupfractuur: FRAX >= 3%
    (70+ >= 5%)". FRAX is read from the record, never computed; the hip threshold uses the age on the FRAX date."""
    major = routines.recent_measure(facts.frax_major, facts.today, _FRAX["valid_months"])
    hip = routines.recent_measure(facts.frax_hip, facts.today, _FRAX["valid_months"])
    lines, raised = [], False
    if major is not None:
        raised = major.value >= _FRAX["major"]
        lines.append(_frax_line("vitaz.fact.frax-major", major, _FRAX["major"]))
    if hip is not None:
        age = routines.age_at(facts, hip.date)
        limit = _FRAX["hip_older"] if age is not None and age >= _FRAX["older_age"] else _FRAX["hip"]
        raised = raised or hip.value >= limit
        lines.append(_frax_line("vitaz.fact.frax-hip", hip, limit))
    if raised:
        result = FraxResult.RAISED
    elif major is not None and hip is not None:
        result = FraxResult.BELOW
    else:
        result = FraxResult.UNKNOWN
    return Frax(result, tuple(lines))


def order_dxa(ctx: Context, node: str, outcome: str | None = None) -> Recommendation:
    """"BMD met VFA (= Vertebrale fractuuranalyse) of RX thoraco-lumbale wervelzuil" (VITAZ-2), or the unreadable BMD
    on record read first (see `pathways.context.dxa_order`)."""
    return context.dxa_order(ctx, reason(node, outcome), "vitaz.dxa.unreadable")


def order_vfa(ctx: Context, node: str) -> Recommendation:
    """The VFA a reassuring branch waits for: "BMD met VFA" — the BMD is there, whether a vertebra is fractured is
    not known, and a vertebral fracture is a fragility fracture that makes therapy indicated."""
    return context.vfa_order(ctx, reason(node, key="vitaz.vf.unknown"))


def data_needed(ctx: Context, *gaps: DataGap, node: str = CHART, key: str = "vitaz.data-needed") -> Recommendation:
    """The guideline applies (or may apply) but a needed input is missing: say which (`gaps`), and (`key`) which
    decision waits for it."""
    return context.data_needed(ctx, reason(node, key=key), *gaps)

"""Building blocks of the vitaz-2025 pathway: its Context, the DXA and FRAX it decides on, the lab panel and DXA
orders, and data-needed — each written once."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from fhir_mappings.facts import DataGap, DxaExam, Measured, PatientFacts
from pathways import context, routines
from pathways.context import reason, service
from pathways.recommendation import Evidence, Indicator, Reason, Recommendation, Topic
from pathways.vitaz.config import GUIDELINE, T, section

_FRAX = section("frax")
_LAB = section("lab")
_DATA = section("data")
CHART = "VITAZ"


class Context(context.Context):
    """The vitaz pathway's view of the patient (see `pathways.context.Context`)."""

    guideline = GUIDELINE


def current_dxa(facts: PatientFacts) -> DxaExam | None:
    """The latest DXA with a T-score, if at most `valid_months` old (guidelines.md: a DXA counts for a first
    evaluation when <= 24 months old); "BMD met VFA" otherwise still to be done (VITAZ-2)."""
    return routines.latest_dxa(facts, since=routines.add_months(facts.today, -T["valid_months"]))


class FraxResult(StrEnum):
    RAISED = "raised"  # a probability at or above its Appendix 2 threshold
    BELOW = "below"  # both probabilities recorded, both below
    UNKNOWN = "unknown"  # none recorded (recently), or only one and below: ask for FRAX


@dataclass(frozen=True)
class Frax:
    result: FraxResult
    evidence: tuple[Evidence, ...]


def _frax_line(label: str, m: Measured, threshold: float) -> Evidence:
    return Evidence(label, f"{m.value:g} % (≥ {threshold:g} %)", m.source)


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


def lab_order(ctx: Context, *why: Reason) -> list[Recommendation]:
    """"Osteoporose labo (Appendix 3)": PBO, CRP, creatinine, alkalische fosfatasen, ALAT, LDH, ASAT, GGT, calcium en
    fosfor, parathormoon en 25-OH vitamine D, eiwitelektroforese en albumine, TSH — not ordered again when every
    member has a result from the last 3 months (guidelines.md "Windows")."""
    if routines.panel_recent(ctx.facts, _LAB["panel"], _LAB["recent_months"]):
        return []
    return [ctx.rec(Topic.ORDER_LAB, Indicator.INFO, *why, suggestions=(service("lab-panel"),))]


def order_dxa(ctx: Context, node: str, outcome: str | None = None) -> Recommendation:
    """"BMD met VFA (= Vertebrale fractuuranalyse) of RX thoraco-lumbale wervelzuil" (VITAZ-1/2, VITAZ-FU-3)."""
    return context.dxa_order(ctx, reason(node, outcome), _DATA["dxa_gaps"])


def relevant_gaps(facts: PatientFacts) -> tuple[DataGap, ...]:
    """The mapping layer's data gaps minus those no vitaz node needs (vitaz-2025.toml [data])."""
    return context.relevant_gaps(facts, (*_DATA["ignored_gaps"], *_DATA["dxa_gaps"]))


def data_needed(ctx: Context, *gaps: DataGap) -> Recommendation:
    """The guideline applies (or may apply) but a needed input is missing or unreadable: say which."""
    return context.data_needed(ctx, reason(CHART, key="vitaz.data-needed"), relevant_gaps(ctx.facts), *gaps)

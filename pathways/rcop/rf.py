"""RCOP chart 2 — "Evaluatie bij therapie naïeve patiënt met risicofactoren (zonder recente fractuur of
glucocorticoïden)" (`RCOP-RF`).

Header box: "Risicoscore >= 4 (patiënt >= 60 jaar volgens module identificatie voor aanvullend onderzoek)".
"""

from __future__ import annotations

from fhir_mappings.facts import PatientFacts
from pathways import evidence, routines
from pathways.rcop import fx, gc
from pathways.rcop.common import (
    Context,
    chart_exit,
    current_dxa,
    order_dxa,
    reason,
    therapy,
    vf_decision,
    workup,
)
from pathways.rcop.config import T, VF_THERAPY_GRADE, regimen, section
from pathways.recommendation import Recommendation, Topic

CHART = "RCOP-RF"
ANABOLIC_NODE = "RCOP-RF-7"
_CFG = section("rf")
NON_HIP = regimen("non_hip")


def applies(facts: PatientFacts) -> bool | None:
    """Therapy-naive, risk score >= 4, no fracture < 24 months, no glucocorticoids >= 3 months, age >= 60.

    None when the age is unknown but the rest holds.
    """
    score = facts.risk_score.total if facts.risk_score else None
    if score is None or score < _CFG["min_risk_score"] or not routines.therapy_naive(facts):
        return False
    if fx.recent(facts) or gc.qualifying(facts):
        return False
    return None if facts.age is None else facts.age >= _CFG["min_age"]


def rf_1(ctx: Context) -> list[Recommendation]:
    """RCOP-RF-1 — "Kijk naar klinische risicofactoren, valrisico inschatting en voedingsanamnese; geef leefstijl
    en valpreventie adviezen, start zo nodig Ca/D3; Lab; DXA+VFA voor uitgangssituatie + therapiekeuze"."""
    return workup(ctx, "RCOP-RF-1")


def rf_2(ctx: Context) -> list[Recommendation]:
    """RCOP-RF-2 — no DXA yet: "DXA+VFA voor uitgangssituatie + therapiekeuze"."""
    return [order_dxa(ctx, "RCOP-RF-2")]


def rf_3(ctx: Context) -> list[Recommendation]:
    """RCOP-RF-3 — "BMD* T<= -2.5" and ">= 70jr": Therapie (1ste keus alendroninezuur/risedroninezuur)."""
    return therapy(ctx, (reason("RCOP-RF-3"),), NON_HIP, ANABOLIC_NODE)


def rf_4(ctx: Context) -> list[Recommendation]:
    """RCOP-RF-4 — "BMD* T<= -2.5" and "60-70jr": "WF Gr2/of Gr3" ja -> therapy;
    neen -> "Aanbevolen voor gedeelde besluitvorming"."""
    return vf_decision(ctx, "RCOP-RF-4", NON_HIP, ANABOLIC_NODE, otherwise=Topic.SHARED_DECISION)


def rf_5(ctx: Context) -> list[Recommendation]:
    """RCOP-RF-5 — "BMD* T -1.0 tot -2.5": "WF Gr2/of Gr3" ja -> therapy; neen -> no drug therapy."""
    return vf_decision(ctx, "RCOP-RF-5", NON_HIP, ANABOLIC_NODE)


def rf_6(ctx: Context) -> list[Recommendation]:
    """RCOP-RF-6 — "BMD* T >-1.0": VF grade >= 2 -> therapy, else no drug therapy.

    Interpretation (guidelines.md, as RCOP-FX-9): a grade >= 2 VF is itself an indication.
    """
    return vf_decision(ctx, "RCOP-RF-6", NON_HIP, ANABOLIC_NODE)


def evaluate(facts: PatientFacts) -> list[Recommendation]:
    """Run chart 2 for a patient it applies to (or may apply to, when the age is unknown)."""
    ev = evidence.risk_score(facts) + evidence.dxa(facts) + evidence.vertebral(facts, VF_THERAPY_GRADE)
    ctx = Context(facts, evidence.age(facts) + ev)
    exit_ = chart_exit(ctx, CHART)
    if exit_ is not None:
        return exit_
    exam = current_dxa(facts)
    if exam is None:
        return rf_1(ctx) + rf_2(ctx)
    if exam.lowest_t.value <= T["osteoporosis"]:
        return rf_1(ctx) + (rf_3(ctx) if facts.age >= _CFG["therapy_age"] else rf_4(ctx))
    return rf_1(ctx) + (rf_5(ctx) if exam.lowest_t.value <= T["osteopenia"] else rf_6(ctx))

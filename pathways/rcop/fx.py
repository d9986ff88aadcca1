"""RCOP chart 1 — "Eerste evaluatie na fractuur bij therapie naïeve patiënt" (`RCOP-FX`).

Header box: "Klinische fractuur < 24 maanden bij patiënten >= 50 jaar EN levensverwachting > 12 maanden".
"* Van wervelkolom of totale heup of heuphals" — the lowest T-score of spine, total hip or femoral neck.
"""

from __future__ import annotations

from fhir_mappings.facts import Assumption, DxaExam, Fracture, FractureSite, PatientFacts
from pathways import evidence, routines
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
from pathways.recommendation import Recommendation

CHART = "RCOP-FX"
ANABOLIC_NODE = "RCOP-FX-10"
_CFG = section("fx")
HIP = regimen("hip")
NON_HIP = regimen("non_hip")


def recent(facts: PatientFacts) -> tuple[Fracture, ...]:
    return routines.recent_fractures(facts, _CFG["recent_fracture_months"])


def applies(facts: PatientFacts) -> bool | None:
    """Therapy-naive with a counted fracture < 24 months and age >= 50; None when the age is unknown."""
    if not routines.therapy_naive(facts) or not recent(facts):
        return False
    return None if facts.age is None else facts.age >= _CFG["min_age"]


def _context(facts: PatientFacts) -> Context:
    ev = evidence.age(facts) + evidence.fractures(recent(facts))
    ev += evidence.dxa(facts) + evidence.vertebral(facts, VF_THERAPY_GRADE)
    return Context(facts, ev, (Assumption("life-expectancy-over-12-months"),))


def fx_1(ctx: Context) -> list[Recommendation]:
    """RCOP-FX-1 — "Kijk naar klinische risicofactoren, valrisico inschatting en voedingsanamnese; geef leefstijl
    en valpreventie adviezen, start zo nodig Ca/D3; Lab"."""
    return workup(ctx, "RCOP-FX-1")


def fx_2(ctx: Context) -> list[Recommendation]:
    """RCOP-FX-2 — hip fracture, >= 75 jr, no DXA: "DXA+VFA mogelijk?" — ja: DXA+VFA; neen: therapy (hip regimen).
    Whether DXA+VFA is feasible is not in the record, so both are offered."""
    feasible = Assumption("dxa-vfa-feasibility-unknown")
    ctx = Context(ctx.facts, ctx.evidence, (*ctx.assumptions, feasible))
    return [order_dxa(ctx, "RCOP-FX-2", "dxa"), *therapy(ctx, (reason("RCOP-FX-2", "therapy"),), HIP, ANABOLIC_NODE)]


def fx_3(ctx: Context) -> list[Recommendation]:
    """RCOP-FX-3 — hip fracture, "BMD* T<=-1.0": Therapie, 1ste keuze zoledroninezuur."""
    return therapy(ctx, (reason("RCOP-FX-3"),), HIP, ANABOLIC_NODE)


def fx_4(ctx: Context) -> list[Recommendation]:
    """RCOP-FX-4 — hip fracture, "BMD* T>-1.0": "WF Gr2 of Gr3" ja -> therapy (hip regimen);
    neen -> no drug therapy ("** zie tekst voor evt individuele afwegingen obv risicoprofiel")."""
    return vf_decision(ctx, "RCOP-FX-4", HIP, ANABOLIC_NODE)


def fx_5(ctx: Context) -> list[Recommendation]:
    """RCOP-FX-5 — hip fracture, < 75 jr, no DXA: DXA+VFA."""
    return [order_dxa(ctx, "RCOP-FX-5")]


def fx_6(ctx: Context) -> list[Recommendation]:
    """RCOP-FX-6 — "Recente niet-heupfractuur", no DXA: DXA+VFA."""
    return [order_dxa(ctx, "RCOP-FX-6")]


def fx_7(ctx: Context) -> list[Recommendation]:
    """RCOP-FX-7 — non-hip fracture, "BMD* T<=-2.5": Therapie, 1ste keus alendroninezuur/risedroninezuur."""
    return therapy(ctx, (reason("RCOP-FX-7"),), NON_HIP, ANABOLIC_NODE)


def fx_8(ctx: Context) -> list[Recommendation]:
    """RCOP-FX-8 — non-hip fracture, "BMD* T -1.0 tot -2.5": "WF Gr2 of Gr3" ja -> therapy; neen -> no drug
    therapy (** individual consideration)."""
    return vf_decision(ctx, "RCOP-FX-8", NON_HIP, ANABOLIC_NODE)


def fx_9(ctx: Context) -> list[Recommendation]:
    """RCOP-FX-9 — non-hip fracture, "BMD* T>-1.0": VF grade >= 2 -> therapy, else no drug therapy.

    Interpretation (guidelines.md): the chart has a VF decision under this box; a grade >= 2 VF is itself an indication.
    """
    return vf_decision(ctx, "RCOP-FX-9", NON_HIP, ANABOLIC_NODE)


def _hip(ctx: Context, exam: DxaExam | None) -> list[Recommendation]:
    if exam is None:
        return fx_2(ctx) if ctx.facts.age >= _CFG["hip_dxa_optional_age"] else fx_5(ctx)
    return fx_3(ctx) if exam.lowest_t.value <= T["osteopenia"] else fx_4(ctx)


def _non_hip(ctx: Context, exam: DxaExam | None) -> list[Recommendation]:
    if exam is None:
        return fx_6(ctx)
    if exam.lowest_t.value <= T["osteoporosis"]:
        return fx_7(ctx)
    return fx_8(ctx) if exam.lowest_t.value <= T["osteopenia"] else fx_9(ctx)


def evaluate(facts: PatientFacts) -> list[Recommendation]:
    """Run chart 1 for a patient it applies to (or may apply to, when the age is unknown)."""
    ctx = _context(facts)
    exit_ = chart_exit(ctx, CHART)
    if exit_ is not None:
        return exit_
    exam = current_dxa(facts)
    hip = any(f.site is FractureSite.HIP for f in recent(facts))
    if not hip and any(f.site is FractureSite.UNSPECIFIED for f in recent(facts)):
        # a site the record does not give is no reassurance: the non-hip path is taken, and said to be an assumption
        ctx = Context(ctx.facts, ctx.evidence, (*ctx.assumptions, Assumption("fracture-site-unknown-non-hip")))
    return fx_1(ctx) + (_hip(ctx, exam) if hip else _non_hip(ctx, exam))

"""VITAZ-1..8 and VITAZ-7b — the first evaluation of a patient at increased fracture risk who takes no osteoporosis
drug: work-up, then the decision on T-score, Z-score, FRAX and fragility fracture, by sex and menopausal status.

"-1 ≥ T-Score > -2,5 | GEEN risicofactoren of fragiliteitsfractuur"; "-1 ≥ T-Score > -2,5 EN verhoogde FRAX of
fragiliteitsfractuur (Appendix 2)"; "T-Score ≤ -2,5 EN/OF fragiliteitsfractuur bij postmenopauzale vrouw";
"T-Score ≤ -2,5 EN/OF fragiliteitsfractuur bij man"; "T-Score > -1"; "Z-Score ≤ -2".
"""

from __future__ import annotations

from fhir_mappings.facts import DataGap, DxaExam, Sex
from pathways.context import lab_order, reason, service
from pathways.recommendation import Indicator, Reason, Recommendation, Topic
from pathways.vitaz import population, treatment
from pathways.vitaz.common import (
    Context,
    Frax,
    FraxResult,
    current_dxa,
    data_needed,
    frax,
    order_dxa,
    order_vfa,
    vertebrae,
    vertebrae_unknown,
)
from pathways.vitaz.config import T
from pathways.vitaz.measures import general_measures


def vitaz_1(ctx: Context) -> list[Recommendation]:
    """VITAZ-1 — "Osteoporose labo (Appendix 3) - Vervolledig de risico-inschatting"; "BMD met VFA" (VITAZ-2).

    The lab: PBO, CRP, creatinine, alkalische fosfatasen, ALAT, LDH, ASAT, GGT, calcium en fosfor, parathormoon en
    25-OH vitamine D, eiwitelektroforese en albumine, TSH — the items without a result from the last 3 months
    (guidelines.md "Windows")."""
    return lab_order(ctx, reason("VITAZ-1"))


def vitaz_2(ctx: Context, *, decision_waits: bool) -> list[Recommendation]:
    """VITAZ-2 — no BMD of the last 24 months: "BMD met VFA (= Vertebrale fractuuranalyse) of RX Thoraco-lumbale
    wervelzuil"; without a fragility fracture the drug decision waits for it."""
    return [order_dxa(ctx, "VITAZ-2", "waits" if decision_waits else None)]


def vitaz_3(ctx: Context, exam: DxaExam) -> list[Recommendation]:
    """VITAZ-3 — "Z-Score ≤ -2" -> "Verwijzing endocrinologie" (suspected secondary osteoporosis), with the
    osteoporosis lab (Appendix 3) for the referral."""
    refer = ctx.rec(
        Topic.REFER_ENDOCRINOLOGY, Indicator.WARNING, reason("VITAZ-3", z=exam.lowest_z.value),
        suggestions=(service("referral-endocrinology"),),
    )
    return [refer, *lab_order(ctx, reason("VITAZ-3", "lab"))]


def vitaz_4(ctx: Context) -> list[Recommendation]:
    """VITAZ-4 — "T-Score > -1": "Valrisico bepaling; Bepaal medicatieprofiel; Geef leefstijladvies en adviseer
    calcium en vitamine D supplementen (Appendix 4)". No drug only while no fragility fracture is known: with the
    vertebrae of this evaluation unknown the VFA is ordered and the decision waits for it (guidelines.md "VF status
    known")."""
    ctx = ctx.adding(*vertebrae(ctx.facts))
    if vertebrae_unknown(ctx.facts):
        decision = order_vfa(ctx, "VITAZ-4")
    else:
        decision = ctx.rec(Topic.NO_DRUG_THERAPY, Indicator.INFO, reason("VITAZ-4"))
    return [decision, *general_measures(ctx, "VITAZ-4")]


def vitaz_5(ctx: Context, result: Frax) -> list[Recommendation]:
    """VITAZ-5 — "-1 ≥ T-Score > -2,5", no fragility fracture: as VITAZ-4 when no risk factor, or a risk factor ("> 2
    valincidenten" counts as high fall risk) with a recorded FRAX below the Appendix 2 thresholds; a risk factor with
    no FRAX on record: calculate FRAX first (https://frax.shef.ac.uk/FRAX/tool.aspx?country=9), the decision waits.
    With the vertebrae of this evaluation unknown the VFA is ordered too: a vertebral fracture would make it VITAZ-6,
    so "no drug" waits for it (guidelines.md "VF status known")."""
    ctx = ctx.adding(*result.evidence, *vertebrae(ctx.facts))
    vfa = [order_vfa(ctx, "VITAZ-5")] if vertebrae_unknown(ctx.facts) else []
    if result.result is not FraxResult.BELOW:
        decision = [ctx.rec(Topic.ASSESS_FRAX, Indicator.INFO, reason("VITAZ-5", "frax"), links=("frax-be",))]
    elif not vfa:
        decision = [ctx.rec(Topic.NO_DRUG_THERAPY, Indicator.INFO, reason("VITAZ-5", "frax-below"))]
    else:
        decision = []
    return [*decision, *vfa, *general_measures(ctx, "VITAZ-5")]


def vitaz_6(ctx: Context, result: Frax | None) -> list[Recommendation]:
    """VITAZ-6 — "-1 ≥ T-Score > -2,5 EN verhoogde FRAX of fragiliteitsfractuur (Appendix 2)" -> "Anti-resorptieve
    therapie" (`result` is the raised FRAX, None when a fragility fracture decides)."""
    if result is None:
        return _indicated(ctx, reason("VITAZ-6", "fracture"), "VITAZ-6")
    return _indicated(ctx.adding(*result.evidence), reason("VITAZ-6", "frax"), "VITAZ-6")


def vitaz_7(ctx: Context) -> list[Recommendation]:
    """VITAZ-7 — "T-Score ≤ -2,5 EN/OF fragiliteitsfractuur bij postmenopauzale vrouw" -> "Anti-resorptieve therapie"."""
    return [*treatment.start(ctx, (reason("VITAZ-7"),)), *general_measures(ctx, "VITAZ-7")]


def vitaz_8(ctx: Context, outcome: str | None = None) -> list[Recommendation]:
    """VITAZ-8 — "T-Score ≤ -2,5 EN/OF fragiliteitsfractuur bij man" -> "Anti-resorptieve therapie" (raloxifene is no
    option for men). Sex not recorded (`outcome` "sex-unknown"): the same options, no sex-specific drug."""
    return [*treatment.start(ctx, (reason("VITAZ-8", outcome),)), *general_measures(ctx, "VITAZ-8")]


def vitaz_7b(ctx: Context, why: Reason) -> list[Recommendation]:
    """VITAZ-7b — a woman not (known to be) after the menopause whom the table would treat. Interpretation
    (guidelines.md; vitaz-2025.toml): the table names only postmenopausal women and men, so she is referred to
    secondary care; the Z-score decides as in VITAZ-3 (Z ≤ -2: the endocrinology referral is that referral)."""
    facts = ctx.facts
    exam = current_dxa(facts)
    z = exam.lowest_z.value if exam is not None and exam.lowest_z is not None else None
    outcome = "menopause-unknown" if facts.postmenopausal is None else None
    if z is not None and z <= T["z_refer"]:
        return [ctx.rec(Topic.REFER_ENDOCRINOLOGY, Indicator.WARNING, why, reason("VITAZ-7b", "endocrinology")),
                *general_measures(ctx, "VITAZ-7b")]
    refer = (why, reason("VITAZ-7b", outcome), *((reason("VITAZ-7b", "no-z"),) if z is None else ()))
    referral = ctx.rec(Topic.REFER_SECONDARY_CARE, Indicator.WARNING, *refer, suggestions=(service("referral-secondary-care"),))
    return [referral, *_menopause_needed(ctx), *general_measures(ctx, "VITAZ-7b")]


def _menopause_needed(ctx: Context) -> list[Recommendation]:
    """Menopausal status not recorded: only the clinician can record it, and whether she is treated in primary care
    (VITAZ-7) or referred (VITAZ-7b) waits for it."""
    if ctx.facts.postmenopausal is not None:
        return []
    gap = DataGap("menopausal-status-unknown", reference=f"Patient/{ctx.facts.patient_id}")
    return [data_needed(ctx, gap, node="VITAZ-7b", key="vitaz.7b.menopause-needed")]


def _indicated(ctx: Context, why: Reason, node: str) -> list[Recommendation]:
    """Antiresorptive therapy by sex and menopausal status (VITAZ-6 itself names neither)."""
    facts = ctx.facts
    if facts.sex is Sex.FEMALE and not facts.postmenopausal:
        return vitaz_7b(ctx, why)
    return [*treatment.start(ctx, (why,)), *general_measures(ctx, node)]


def _t_or_fracture(ctx: Context) -> list[Recommendation]:
    """"T-Score ≤ -2,5 EN/OF fragiliteitsfractuur": VITAZ-7 (postmenopausal woman), VITAZ-8 (man), VITAZ-7b."""
    facts = ctx.facts
    if facts.sex is Sex.FEMALE:
        return vitaz_7(ctx) if facts.postmenopausal else vitaz_7b(ctx, reason("VITAZ-7b", "indication"))
    return vitaz_8(ctx, None if facts.sex is Sex.MALE else "sex-unknown")


def evaluate(ctx: Context) -> list[Recommendation]:
    """Work-up (VITAZ-1/2/3), then the branch of the decision table the record reaches."""
    facts = ctx.facts
    exam = current_dxa(facts)
    fracture = bool(population.fragility_fractures(facts))
    recs = vitaz_1(ctx) + (vitaz_2(ctx, decision_waits=not fracture) if exam is None else [])
    if exam is not None and exam.lowest_z is not None and exam.lowest_z.value <= T["z_refer"]:
        recs += vitaz_3(ctx, exam)
    t = exam.lowest_t.value if exam is not None else None
    if t is not None and T["osteoporosis"] < t <= T["osteopenia"]:
        if fracture:
            return recs + vitaz_6(ctx, None)
        result = frax(facts)
        return recs + (vitaz_6(ctx, result) if result.result is FraxResult.RAISED else vitaz_5(ctx, result))
    if fracture or (t is not None and t <= T["osteoporosis"]):
        return recs + _t_or_fracture(ctx)
    if t is not None:
        return recs + vitaz_4(ctx)
    return recs + general_measures(ctx, "VITAZ-1")

"""Building blocks the five RCOP charts share: the work-up box, "WF Gr2 of Gr3?", therapy with the
ANABOLIC check, DXA+VFA orders and data-needed — each written once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fhir_mappings.facts import ANABOLICS, ANTIRESORPTIVES, Agent, DataGap, DxaExam, PatientFacts
from pathways import context, evidence, routines
from pathways.context import drugs, reason, service
from pathways.rcop import anabolic
from pathways.rcop.config import GUIDELINE, T, VF_THERAPY_GRADE, section
from pathways.recommendation import Indicator, Reason, Recommendation, Suggestion, SuggestionKind, Topic

WORKUP = section("workup")
DATA = section("data")


class Context(context.Context):
    """One RCOP chart's view of the patient (see `pathways.context.Context`)."""

    guideline = GUIDELINE


def due_indicator(facts: PatientFacts, due: date) -> Indicator:
    """A follow-up or evaluation due since `due`: info, or a warning once past due (rcop-2023.toml [data])."""
    return Indicator.WARNING if routines.add_months(due, DATA["past_due_months"]) < facts.today else Indicator.INFO


def workup(ctx: Context, node: str, *, lab: bool = True) -> list[Recommendation]:
    """"Kijk naar klinische risicofactoren, valrisico inschatting en voedingsanamnese. Geef leefstijl en
    valpreventie adviezen, start zo nodig Ca/D3. Lab." (RCOP-FX-1, RCOP-RF-1, RCOP-GC-1)

    Interpretation (rcop-2023.toml [workup]): "start zo nodig Ca/D3" is not needed for a patient who already
    takes a calcium/vitamin D supplement, so that card is left out.
    """
    recs = [ctx.rec(Topic.LIFESTYLE_FALLS, Indicator.INFO, reason(node, key="rcop.workup.lifestyle"))]
    recs += calcium_vitamin_d(ctx, reason(node, key="rcop.workup.calcium-vitamin-d"))
    return recs + (lab_order(ctx, node) if lab else [])


def calcium_vitamin_d(ctx: Context, why: Reason) -> list[Recommendation]:
    """"start zo nodig Ca/D3" with its dose (rcop-2023.toml [workup]): vitamin D3 for everyone; calcium when the diet
    falls short — recommended when the recorded dairy portions say so, offered with the condition when unrecorded.
    Nothing to start for a patient already taking a supplement."""
    facts = ctx.facts
    if routines.current_medications(facts, WORKUP["supplement_class"]):
        return []
    orders = [Suggestion(SuggestionKind.MEDICATION, WORKUP["vitamin_d_supplement"], recommended=True)]
    portions = facts.dairy_portions.value if facts.dairy_portions is not None else None
    if portions is None or portions < WORKUP["calcium_enough_portions"]:
        condition = () if portions is not None else (Reason(why.node, "calcium-if-low-dairy", (("portions", WORKUP["calcium_enough_portions"]),)),)
        orders.append(Suggestion(SuggestionKind.MEDICATION, WORKUP["calcium_supplement"], recommended=portions is not None, checks=condition))
    return [ctx.rec(Topic.CALCIUM_VITAMIN_D, Indicator.INFO, why, suggestions=orders)]


def chart_exit(ctx: Context, chart: str) -> list[Recommendation] | None:
    """What a therapy-naive chart says instead of walking its boxes: ask for the birth date when the age is
    unknown, or the no-drug-therapy card when life expectancy is limited; None when the chart can run."""
    if ctx.facts.age is None:
        return [data_needed(ctx, chart, DataGap("no-birthdate", reference=f"Patient/{ctx.facts.patient_id}"))]
    return limited_life_expectancy(ctx, chart)


def limited_life_expectancy(ctx: Context, chart: str) -> list[Recommendation] | None:
    """The no-drug-therapy card that replaces a therapy-naive chart when palliative/terminal care is on record.

    Chart 1's header asks "levensverwachting > 12 maanden". Interpretation (rcop-2023.toml [data]
    `life_expectancy_charts`): charts 2 and 5 start the same drugs, whose benefit takes longer than that,
    so the same condition applies to them.
    """
    marker = ctx.facts.limited_life_expectancy
    if marker is None or chart not in DATA["life_expectancy_charts"]:
        return None
    ctx = Context(ctx.facts, (*ctx.evidence, evidence.coded("fact.limited-life-expectancy", marker)))
    return [ctx.rec(Topic.NO_DRUG_THERAPY, Indicator.INFO, reason(chart, key="rcop.life-expectancy"))]


def lab_order(ctx: Context, node: str) -> list[Recommendation]:
    """"Lab" (see `pathways.context.lab_order`)."""
    return context.lab_order(ctx, reason(node, key="rcop.workup.lab"))


def order_dxa(ctx: Context, node: str, outcome: str | None = None, **params: object) -> Recommendation:
    """"DXA+VFA", or the unreadable DXA on record read first (see `pathways.context.dxa_order`)."""
    return context.dxa_order(ctx, reason(node, outcome, **params), "rcop.dxa.unreadable")


def order_vfa(ctx: Context, node: str, key: str = "rcop.vf.unknown") -> Recommendation:
    """The VFA the DXA the decision rests on lacks; `key` says what waits for it."""
    return context.vfa_order(ctx, reason(node, key=key))


def anabolic_referral(
    ctx: Context, reasons: tuple[Reason, ...], node: str
) -> tuple[Recommendation | None, tuple[Reason, ...]]:
    """ANABOLIC: a `refer-anabolic` recommendation when met (else None), and the reasons to add otherwise. The anabolic
    drug is prescribed in secondary care ("Verwijzen voor therapie 2e lijn"): the referral is the order, the eligible
    agents are named in its reason, an agent a safety gate rules out is named with the gate's reason."""
    result = anabolic.check(ctx.facts)
    if not result.met:
        # met but ruled out by a gate, not judgeable without a DXA, or not met: never "not met" on no data
        key = "rcop.anabolic.excluded" if result.excluded else "rcop.anabolic.not-met" if result.assessable else "rcop.anabolic.unknown"
        return None, (reason(node, key=key), *result.excluded)
    met = reason(node, key="rcop.anabolic.met", agents=result.eligible)
    refer = ctx.rec(Topic.REFER_ANABOLIC, Indicator.WARNING, *reasons, met, suggestions=(service("referral-secondary-care"),))
    return replace(refer, blocked=result.excluded), ()


def therapy(
    ctx: Context, reasons: tuple[Reason, ...], regimen: tuple[Agent, ...], anabolic_node: str | None
) -> list[Recommendation]:
    """Therapy is indicated. With vertebral fractures, the ANABOLIC check first ("Bij wervelfracturen overweeg
    botvormende medicatie ... Verwijzen voor therapie 2e lijn"); otherwise the antiresorptive regimen.

    A patient already on osteoporosis therapy gets no second drug: the indication is stated as "continue".
    """
    current = sorted(routines.current_agents(ctx.facts) & (ANTIRESORPTIVES | ANABOLICS))
    if current:
        treated = reason(reasons[0].node, key="rcop.therapy.already-treated", agents=tuple(a.value for a in current))
        return [ctx.rec(Topic.CONTINUE_THERAPY, Indicator.INFO, *reasons, treated)]
    if anabolic_node and routines.vertebral_fractures(ctx.facts):
        referral, notes = anabolic_referral(ctx, reasons, anabolic_node)
        if referral is not None:
            return [referral]
        reasons = (*reasons, *notes)
    start = ctx.rec(Topic.START_ANTIRESORPTIVE, Indicator.WARNING, *reasons, suggestions=drugs(ctx.facts, regimen))
    return [start, *vfa_for_anabolic_check(ctx, anabolic_node)]


def vfa_for_anabolic_check(ctx: Context, anabolic_node: str | None) -> list[Recommendation]:
    """Therapy starts either way, but the VFA can still turn it into a referral for anabolic therapy ("Bij
    wervelfracturen overweeg botvormende medicatie"): ordered alongside when the vertebral-fracture question is
    open and the T-score could meet an anabolic criterion."""
    exam = current_dxa(ctx.facts)
    if anabolic_node is None or exam is None or vf_status(ctx.facts) in (routines.VfStatus.YES, routines.VfStatus.NO):
        return []
    if exam.lowest_t.value > anabolic.loosest_t():
        return []
    return [order_vfa(ctx, anabolic_node, "rcop.vf.anabolic-check")]


def vf_status(facts: PatientFacts) -> routines.VfStatus:
    """"WF Gr2 of Gr3?" as the record answers it (guidelines.md "VF status known")."""
    return routines.vf_status(facts, VF_THERAPY_GRADE, T["dxa_valid_months"])


def vf_unanswered(ctx: Context, node: str) -> list[Recommendation]:
    """"WF Gr2 of Gr3?" unanswered: never the reassuring branch. No spine imaging from this evaluation -> order the
    VFA, the decision waits for it; a vertebral fracture without a grade -> ask for the grade (data-needed)."""
    if vf_status(ctx.facts) is routines.VfStatus.UNGRADED:
        return [data_needed(ctx, node, key="rcop.vf.ungraded")]
    return [order_vfa(ctx, node)]


def vf_decision(
    ctx: Context,
    node: str,
    regimen: tuple[Agent, ...],
    anabolic_node: str | None,
    *,
    otherwise: Topic = Topic.NO_DRUG_THERAPY,
) -> list[Recommendation]:
    """"WF Gr2 of Gr3?" — ja: therapy; neen: no drug therapy (or shared decision-making for RCOP-RF-4, which stays
    with the VFA ordered alongside when the answer is not known yet)."""
    status = vf_status(ctx.facts)
    if status is routines.VfStatus.YES:
        return therapy(ctx, (reason(node, "vf", grade=VF_THERAPY_GRADE),), regimen, anabolic_node)
    if otherwise is Topic.SHARED_DECISION:
        options = drugs(ctx.facts, regimen, recommend_first=False)
        shared = ctx.rec(otherwise, Indicator.INFO, reason(node, "no-vf", grade=VF_THERAPY_GRADE), suggestions=options, options=True)
        return [shared] + ([] if status is routines.VfStatus.NO else vf_unanswered(ctx, node))
    if status is routines.VfStatus.NO:
        return [ctx.rec(otherwise, Indicator.INFO, reason(node, "no-vf", grade=VF_THERAPY_GRADE))]
    return vf_unanswered(ctx, node)


def data_needed(ctx: Context, node: str, *gaps: DataGap, key: str = "rcop.data-needed") -> Recommendation:
    """The chart applies (or may apply) but a needed input is missing: say which (see `pathways.context.data_needed`)."""
    return context.data_needed(ctx, reason(node, key=key), *gaps)


def current_dxa(facts: PatientFacts) -> DxaExam | None:
    """The latest DXA if recent enough to decide on.

    Interpretation (rcop-2023.toml `dxa_valid_months`): the charts say "no DXA" without an age limit; a DXA
    older than 24 months is treated as not available for a first evaluation.
    """
    return routines.latest_dxa(facts, since=routines.add_months(facts.today, -T["dxa_valid_months"]))


def goal_not_reached(
    facts: PatientFacts, exam: DxaExam | None, since: date, *, bone_loss_percent: float, prevalent_vf: bool = False
) -> tuple[str, ...]:
    """Which of "T-score <= -2,5 / botverlies > 5% tov baseline / nieuwe fractuur / nieuwe risicofactoren"
    (and, for RCOP-BP-5, "prevalente WF") hold, judged on `exam` and on events since `since`.

    Interpretation (rcop-2023.toml `not_new_risk_factors`): a risk factor is "new" when first recorded on or after
    `since`; a diagnosis of osteoporosis itself is not one.
    """
    found = []
    if exam is not None and exam.lowest_t.value <= T["osteoporosis"]:
        found.append("t-score")
    if routines.bone_loss_exceeds(exam, bone_loss_percent):
        found.append("bone-loss")
    if routines.fractures_since(facts, since):
        found.append("new-fracture")
    if prevalent_vf and routines.vertebral_fractures(facts):
        found.append("prevalent-vf")
    if routines.new_risk_factors(facts, since, section("bp")["not_new_risk_factors"]):
        found.append("new-risk-factor")
    return tuple(found)

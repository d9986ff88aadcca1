"""RCOP chart 5 — "Behandelschema patiënten met Glucocorticoïden >= 3 maanden" (`RCOP-GC`).

Doses are prednisone-equivalent mg/day (converted by the mapping layer from its published table).
"""

from __future__ import annotations

from fhir_mappings.facts import Agent, Assumption, DataGap, GlucocorticoidEpisode, PatientFacts, Sex
from pathways import evidence, routines
from pathways.rcop.common import (
    Context,
    calcium_vitamin_d,
    current_dxa,
    data_needed,
    drugs,
    limited_life_expectancy,
    order_dxa,
    order_vfa,
    reason,
    service,
    therapy,
    vf_status,
    vf_unanswered,
    workup,
)
from pathways.rcop.config import T, VF_THERAPY_GRADE, regimen, section
from pathways.recommendation import Indicator, Recommendation, Topic

CHART = "RCOP-GC"
_CFG = section("gc")
FIRST_LINE = regimen("glucocorticoid")
SECOND_LINE = regimen("glucocorticoid_second_line")
STOPPABLE = frozenset(Agent(a) for a in _CFG["stoppable_after_course"])


def qualifying(facts: PatientFacts) -> tuple[GlucocorticoidEpisode, ...]:
    """Current glucocorticoid use of at least 3 months, so far or as planned ("Glucocorticoïden >= 3 maanden")."""
    return tuple(
        e
        for e in facts.glucocorticoids
        if (e.end is None or e.end >= facts.today) and routines.glucocorticoid_days(e, facts.today) >= _CFG["min_days"]
    )


def stopped_on_therapy(facts: PatientFacts) -> GlucocorticoidEpisode | None:
    """The last >= 3-month course that has ended while a drug started since its start, and that may simply
    stop, is ongoing.

    Interpretation (rcop-2023.toml [gc] `stoppable_after_course`): "therapy may stop" applies to bisphosphonates
    and raloxifene; denosumab never just stops (chart 4 plans its transition) and anabolics run their course.
    """
    ended = [
        e
        for e in facts.glucocorticoids
        if e.end is not None and e.end < facts.today and routines.glucocorticoid_days(e, facts.today) >= _CFG["min_days"]
    ]
    if not ended or qualifying(facts):
        return None
    last = max(ended, key=lambda e: e.end)
    on_therapy = any(e.start >= last.start for e in routines.ongoing(facts, STOPPABLE))
    return last if on_therapy else None


def applies(facts: PatientFacts) -> bool | None:
    """Glucocorticoids >= 3 months now, or stopped while on therapy (RCOP-GC-9); None when the age is unknown."""
    if not qualifying(facts) and stopped_on_therapy(facts) is None:
        return False
    return None if facts.age is None else True


def gc_1(ctx: Context, *, lab: bool = True) -> list[Recommendation]:
    """RCOP-GC-1 — "Geef leefstijl en valpreventie adviezen, start zo nodig Calcium/D3; Lab; DXA+VFA als
    baseline meting" (the baseline DXA+VFA where therapy is started: see `gc_8`). No Lab for RCOP-GC-2."""
    return workup(ctx, "RCOP-GC-1", lab=lab)


def gc_2(ctx: Context) -> list[Recommendation]:
    """RCOP-GC-2 — "Prednison < 2,5 mg (elke leeftijd)": lifestyle and calcium/vitamin D only."""
    return _general_measures_only(ctx, "RCOP-GC-2")


def gc_3(ctx: Context) -> list[Recommendation]:
    """RCOP-GC-3 — "Prednison >= 2,5 mg en < 7,5 mg", ">= 40jr": DXA+VFA; "Wervelfractuur >= gr 2 en/of
    BMD* Tscore <= -2" ja -> Therapie."""
    return _decide(ctx, "RCOP-GC-3", _vf(ctx) or _t_below(ctx, T["glucocorticoid"]))


def gc_4(ctx: Context) -> list[Recommendation]:
    """RCOP-GC-4 — "Prednison >= 2,5 mg en < 7,5 mg", "< 40jr": lifestyle and calcium/vitamin D only."""
    return _general_measures_only(ctx, "RCOP-GC-4")


def gc_5(ctx: Context) -> list[Recommendation]:
    """RCOP-GC-5 — "Prednison >= 7,5 mg", ">= 50jr": "Indien: Leeftijd >= 75 jaar of Recente fractuur of (WF)
    >= gr 2 of T-score <= -2 of >= 15 mg prednison per dag of Hoge ziekteactiviteit" -> Therapie, with "DXA+VFA
    als baseline meting".

    Interpretation (revised after clinical review, guidelines.md; rcop-2023.toml [gc]): therapy now — the baseline
    DXA+VFA ordered alongside, never waited for — for postmenopausal women, men >= 70 and anyone with an
    "Indien:" feature; others (men 50-69 on 7.5 to < 15 mg): DXA+VFA first, therapy on RCOP-GC-3's criterion.
    Disease activity is not in the record: the card says it was not weighed.
    """
    f = ctx.facts
    features = tuple(name for name, present in (
        ("age-75", f.age >= _CFG["therapy_age"]),
        ("recent-fracture", bool(routines.recent_fractures(f, _CFG["recent_fracture_months"]))),
        ("vf-grade-2", _vf(ctx)),
        ("t-score-2", _t_below(ctx, T["glucocorticoid"])),
        ("dose-15", _dose(f) >= _CFG["very_high_dose"]),
    ) if present)
    group = "postmenopausal" if f.sex is Sex.FEMALE and f.postmenopausal else "men-70" if (
        f.sex is Sex.MALE and f.age >= _CFG["men_therapy_age"]) else None
    group = "everyone" if _CFG["treat_everyone_high_dose"] else group
    ctx = Context(f, ctx.evidence, (*ctx.assumptions, Assumption("disease-activity-not-assessed")))
    if features or group:
        return gc_8(ctx, "RCOP-GC-5", features=features or ("none",), group=group or "none")
    return _decide(ctx, "RCOP-GC-5", False)


def gc_6(ctx: Context) -> list[Recommendation]:
    """RCOP-GC-6 — "Prednison >= 7,5 mg", "40-50 jr": "Fractuur (<= 2 jaar) of klinische WF (>= gr 2)" ->
    Therapie; otherwise DXA+VFA and RCOP-GC-3's criterion (T <= -2)."""
    f = ctx.facts
    indicated = bool(routines.recent_fractures(f, _CFG["recent_fracture_months"])) or _vf(ctx)
    return _decide(ctx, "RCOP-GC-6", indicated or _t_below(ctx, T["glucocorticoid"]))


def gc_7(ctx: Context) -> list[Recommendation]:
    """RCOP-GC-7 — "Prednison >= 7,5 mg", "< 40jr": lifestyle and calcium/vitamin D; refer to secondary care
    ("Therapie 2e lijn") when a fracture is present."""
    recs = _general_measures_only(ctx, "RCOP-GC-7")
    if routines.counted_fractures(ctx.facts):
        refer = reason("RCOP-GC-7", "refer")
        recs.append(ctx.rec(Topic.REFER_SECONDARY_CARE, Indicator.WARNING, refer, suggestions=(service("referral-secondary-care"),)))
    return recs


def gc_8(ctx: Context, node: str, **params: object) -> list[Recommendation]:
    """RCOP-GC-8 — Therapie: "Alendroninezuur, Risedroninezuur"; with "Bijwerkingen of Therapie falen":
    zoledroninezuur, denosumab of teriparatide (Therapie 2e lijn) — the second line when neither first-line
    drug can be given (not tolerated). The baseline DXA+VFA (RCOP-GC-1) is ordered alongside, never waited for."""
    why = reason(node, "therapy", **params)
    if not set(FIRST_LINE) <= routines.unavailable_agents(ctx.facts):
        recs = therapy(ctx, (why, reason("RCOP-GC-8")), FIRST_LINE, None)
    else:
        recs = therapy(ctx, (why, reason("RCOP-GC-8", "second-line")), SECOND_LINE, None)
    if current_dxa(ctx.facts) is None:
        recs.append(order_dxa(ctx, "RCOP-GC-1", "baseline"))
    elif vf_status(ctx.facts) in (routines.VfStatus.UNKNOWN, routines.VfStatus.UNGRADED):
        recs.append(order_vfa(ctx, "RCOP-GC-1", "rcop.vf.baseline"))
    return recs


def gc_9(ctx: Context, course: GlucocorticoidEpisode) -> list[Recommendation]:
    """RCOP-GC-9 — "Prednison: stop" -> DXA+VFA; "Indien: T score <= -2,5 of Wervelfractuur >= gr 2 of Fractuur
    afgelopen 2 jaar" -> "Therapie door"; otherwise therapy may stop — only once the VFA has answered the
    vertebral-fracture question."""
    f = ctx.facts
    exam = routines.latest_dxa(f, since=course.end)
    if _vf(ctx) or routines.recent_fractures(f, _CFG["recent_fracture_months"]) or (
        exam is not None and exam.lowest_t.value <= T["osteoporosis"]
    ):
        return [ctx.rec(Topic.CONTINUE_THERAPY, Indicator.INFO, reason("RCOP-GC-9", "continue"))]
    if exam is None:
        return [order_dxa(ctx, "RCOP-GC-9", "dxa")]
    if vf_status(f) is not routines.VfStatus.NO:
        return vf_unanswered(ctx, "RCOP-GC-9")
    return [ctx.rec(Topic.DRUG_HOLIDAY, Indicator.INFO, reason("RCOP-GC-9", "stop"))]


def _general_measures_only(ctx: Context, node: str) -> list[Recommendation]:
    return [ctx.rec(Topic.LIFESTYLE_FALLS, Indicator.INFO, reason(node)), *calcium_vitamin_d(ctx, reason(node))]


def _decide(ctx: Context, node: str, indicated: bool) -> list[Recommendation]:
    """Therapy when indicated; else DXA+VFA when none is available, the VFA when the vertebral-fracture question is
    still open, or no drug therapy on a DXA and VFA below criterion."""
    if indicated:
        return gc_8(ctx, node)
    if current_dxa(ctx.facts) is None:
        return [order_dxa(ctx, node, "dxa")]
    if vf_status(ctx.facts) is not routines.VfStatus.NO:
        return vf_unanswered(ctx, node)
    return [ctx.rec(Topic.NO_DRUG_THERAPY, Indicator.INFO, reason(node, "no-therapy"))]


def _vf(ctx: Context) -> bool:
    return vf_status(ctx.facts) is routines.VfStatus.YES


def _t_below(ctx: Context, threshold: float) -> bool:
    exam = current_dxa(ctx.facts)
    return exam is not None and exam.lowest_t.value <= threshold


def _dose(facts: PatientFacts) -> float:
    return max(e.prednisone_mg_per_day for e in qualifying(facts) if e.prednisone_mg_per_day is not None)


def evaluate(facts: PatientFacts) -> list[Recommendation]:
    """Run chart 5: by dose band and age, or RCOP-GC-9 after the course stopped."""
    courses = qualifying(facts)
    ev = tuple(evidence.glucocorticoid(e) for e in (courses or facts.glucocorticoids))
    ev += evidence.age(facts) + evidence.dxa(facts)
    ev += evidence.vertebral(facts, VF_THERAPY_GRADE)
    ev += evidence.fractures(routines.recent_fractures(facts, _CFG["recent_fracture_months"]))
    ctx = Context(facts, ev)
    if facts.age is None:
        return [data_needed(ctx, CHART, DataGap("no-birthdate", reference=f"Patient/{facts.patient_id}"))]
    if not courses:
        return gc_9(ctx, stopped_on_therapy(facts))
    palliative = limited_life_expectancy(ctx, CHART)
    if palliative is not None:
        return palliative
    if all(e.prednisone_mg_per_day is None for e in courses):
        gaps = [DataGap("no-dose", reference=e.source.reference) for e in courses]
        return gc_1(ctx) + [data_needed(ctx, CHART, *gaps)]
    dose, age = _dose(facts), facts.age
    if dose < _CFG["low_dose"]:
        return gc_1(ctx, lab=False) + gc_2(ctx)
    elif dose < _CFG["high_dose"]:
        branch = gc_3(ctx) if age >= _CFG["min_age"] else gc_4(ctx)
    elif age >= _CFG["older_age"]:
        branch = gc_5(ctx)
    else:
        branch = gc_6(ctx) if age >= _CFG["min_age"] else gc_7(ctx)
    return gc_1(ctx) + branch

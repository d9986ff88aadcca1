"""The facts a decision used, as `Evidence` for the card's "facts used" list (with provenance), shared by every
guideline and the safety gates.

An Evidence value is a language-neutral template: `{name}` is a parameter (numbers and dates are formatted by the
card layer in the card's language), `{code}` without a parameter of that name is a coded word the card layer
translates (a site, an agent, a concept). Words never appear in the template itself.
"""

from __future__ import annotations

from fhir_mappings.facts import (
    CodedFact,
    Decision,
    DxaExam,
    DxaMeasurement,
    Fracture,
    GlucocorticoidEpisode,
    Measured,
    PatientFacts,
    Provenance,
    TherapyEpisode,
)
from fhir_mappings.units import convert
from pathways import routines
from pathways.lab import SHOWN_ALSO
from pathways.recommendation import Evidence, Num, Unit


def age(facts: PatientFacts) -> tuple[Evidence, ...]:
    if facts.age is None:
        return ()
    source = Provenance("Patient", facts.patient_id, facts.birth_date)
    return (Evidence("fact.age", "{age} {years}", source, (("age", facts.age),)),)


def sex(facts: PatientFacts) -> Evidence:
    return Evidence("fact.sex", f"{{{facts.sex.value}}}", Provenance("Patient", facts.patient_id))


def t_score(label: str, m: DxaMeasurement | None) -> tuple[Evidence, ...]:
    """A DXA score (`fact.lowest-t`, `fact.hip-t`, `fact.lowest-z`): value with site, from the DXA Observation."""
    if m is None:
        return ()
    return (Evidence(label, f"{{t}} ({{{m.site.value}}})", m.source, (("t", Num(m.value, 1, signed=True)),)),)


def dxa(facts: PatientFacts) -> tuple[Evidence, ...]:
    """The latest DXA with a guideline T-score; else the DXA at a site the guidelines do not use, one on record that
    could not be read (never "no DXA" beside a plan that says to read its report), or "no DXA"."""
    exam = routines.latest_dxa(facts)
    if exam is None:
        other = tuple(Evidence("fact.dxa-other-site", f"{{t}} ({{{m.site.value}}})", m.source, (("t", Num(m.value, 1, signed=True)),))
                      for m in facts.dxa_other_sites)
        unread = any(g.decision is Decision.DXA for g in facts.gaps)
        return other or (Evidence("fact.dxa", "{unreadable-on-record}" if unread else "{none-on-record}"),)
    return t_score("fact.lowest-t", exam.lowest_t) + t_score("fact.hip-t", exam.hip_t) + bmd_change(exam)


def bmd_change(exam: DxaExam | None) -> tuple[Evidence, ...]:
    """The BMD change vs baseline at the same site, when the exam has one."""
    if exam is None or exam.bmd_change_pct is None:
        return ()
    site = f"{{{exam.bmd_change_site.value}}}" if exam.bmd_change_site else "{unspecified}"
    return (Evidence("fact.bmd-change", f"{{change}} % ({site})", None, (("change", Num(exam.bmd_change_pct, 1, signed=True)),)),)


def bone_loss_unassessed(exam: DxaExam | None) -> tuple[Evidence, ...]:
    """"Geen botverlies > 5% tov baseline" on a record without a baseline DXA: said, never assumed (a stop
    decision names it)."""
    if exam is None or exam.bmd_change_pct is not None:
        return ()
    return (Evidence("fact.bmd-change", "{no-baseline}"),)


def fracture(f: Fracture) -> Evidence:
    grade = " ({genant} {grade})" if f.genant_grade else ""
    params = (("grade", f.genant_grade),) if f.genant_grade else ()
    return Evidence("fact.fracture", f"{{{f.site.value}}}{grade}", f.source, params)


def fractures(items: tuple[Fracture, ...]) -> tuple[Evidence, ...]:
    return tuple(fracture(f) for f in items)


def vertebral(facts: PatientFacts, min_grade: int, label: str = "fact.vf-status") -> tuple[Evidence, ...]:
    """The vertebral-fracture status (guidelines.md "VF status known") and every vertebral fracture on record;
    `label` names the question asked (a guideline counting any grade says so)."""
    status = routines.vf_status(facts, min_grade)
    params = (("count", routines.vf_count(facts, min_grade)), ("grade", min_grade))
    imaging = routines.latest_spine_imaging(facts)
    source = imaging.source if imaging is not None and status is routines.VfStatus.NO else None
    out = (Evidence(label, f"{{vf-{status.value}}}", source, params),)
    return out + fractures(routines.vertebral_fractures(facts))


def therapy(e: TherapyEpisode) -> tuple[Evidence, ...]:
    """The episode, cited by its most recent record, and its last injection/infusion when known (the denosumab
    clock runs from it)."""
    source = max(e.sources, key=lambda s: (s.date is not None, s.date, s.reference)) if e.sources else None
    period = (("start", e.start), ("end", e.end)) if e.end else (("start", e.start),)
    value = f"{{{e.agent.value}}} " + ("{start} – {end}" if e.end else "{start} – {ongoing}")
    out = (Evidence("fact.therapy", value, source, period),)
    if e.last_administration:
        given = next((s for s in e.sources if s.date == e.last_administration), source)
        out += (Evidence("fact.last-administration", f"{{{e.agent.value}}} {{given}}", given, (("given", e.last_administration),)),)
    return out


def glucocorticoid(e: GlucocorticoidEpisode) -> Evidence:
    dose = "{dose} {mg-per-day}" if e.prednisone_mg_per_day is not None else "{dose-unknown}"
    until = "{end}" if e.end else "{ongoing}"
    params = (("dose", Num(e.prednisone_mg_per_day, 1)),) if e.prednisone_mg_per_day is not None else ()
    params += (("start", e.start),) + ((("end", e.end),) if e.end else ())
    return Evidence("fact.glucocorticoid", f"{{prednisone}} {dose}, {{start}} – {until}", e.source, params)


def risk_score(facts: PatientFacts) -> tuple[Evidence, ...]:
    if facts.risk_score is None:
        return ()
    parts = ", ".join(f"{{{factor}}} {points}" for factor, points, _ in facts.risk_score.components)
    return (Evidence("fact.risk-score", f"{{total}} ({parts})", None, (("total", facts.risk_score.total),)),)


def coded(label: str, fact: CodedFact) -> Evidence:
    """A coded finding (a contraindication, palliative care, ...) by its concept."""
    return Evidence(label, f"{{{fact.code}}}", fact.source)


def lab(concept: str, m: Measured) -> Evidence:
    """A lab result or measurement (`lab.<concept>`) with its value and canonical UCUM unit; a decimal is kept where
    rounding would hide it next to a threshold (25-OH-D 29.9 ng/ml is below 30)."""
    params = [("value", Num(m.value, _digits(m.value))), ("unit", Unit(m.unit))]
    also = SHOWN_ALSO.get(concept)
    other = convert(m.value, m.unit, also, concept) if also else None
    if other is None:
        return Evidence(f"lab.{concept}", "{value} {unit}", m.source, tuple(params))
    params += [("also", Num(other, 0)), ("also_unit", Unit(also))]  # "8 ng/ml (20 nmol/l)"
    return Evidence(f"lab.{concept}", "{value} {unit} ({also} {also_unit})", m.source, tuple(params))


def _digits(value: float) -> int:
    """As measured: no decimals for a whole value, one from 10 up, two below (calcium 2,37)."""
    return 0 if float(value).is_integer() else 1 if abs(value) >= 10 else 2


def failure(facts: PatientFacts, e: TherapyEpisode, min_months: int) -> tuple[Evidence, ...]:
    """What made therapy fail: the fractures since `min_months` on the drug, or the bone loss on a DXA since."""
    settled = routines.add_months(e.start, min_months)
    return fractures(routines.fractures_since(facts, settled)) + bmd_change(routines.latest_dxa(facts, since=e.start))


def clearance(value: float, source: Provenance | None) -> Evidence:
    """The creatinine clearance by Cockcroft-Gault a renal gate computed."""
    return Evidence("fact.clearance", "{value} {unit}", source, (("value", Num(value, 0)), ("unit", Unit("mL/min"))))


def calcium(value: float, kind: str, source: Provenance | None) -> Evidence:
    """Calcium as the calcium gates judged it: ionised, albumin-corrected or total."""
    return Evidence("fact.calcium-judged", "{value} {unit} ({" + kind + "})", source, (("value", Num(value, 2)), ("unit", Unit("mmol/L"))))

"""The facts a guideline node used, as `Evidence` for the card's "facts used" list (with provenance).

Coded words inside a value are written `{code}` (a site, an agent, a sex) so the card layer can translate them.
"""

from __future__ import annotations

from fhir_mappings.facts import (
    DxaMeasurement,
    Fracture,
    GlucocorticoidEpisode,
    PatientFacts,
    Provenance,
    TherapyEpisode,
)
from pathways import routines
from pathways.recommendation import Evidence


def age(facts: PatientFacts) -> Evidence:
    source = Provenance("Patient", facts.patient_id, None, facts.birth_date.isoformat() if facts.birth_date else None)
    return Evidence("fact.age", str(facts.age), source)


def sex(facts: PatientFacts) -> Evidence:
    return Evidence("fact.sex", f"{{{facts.sex.value}}}", Provenance("Patient", facts.patient_id))


def t_score(label: str, m: DxaMeasurement | None) -> tuple[Evidence, ...]:
    """`fact.lowest-t` / `fact.hip-t`: value with site, from the DXA Observation."""
    if m is None:
        return ()
    return (Evidence(label, f"{m.value:+.1f} ({{{m.site.value}}}, {m.date.isoformat()})", m.source),)


def dxa(facts: PatientFacts) -> tuple[Evidence, ...]:
    exam = routines.latest_dxa(facts)
    if exam is None:
        return (Evidence("fact.no-dxa", "—"),)
    out = t_score("fact.lowest-t", exam.lowest_t) + t_score("fact.hip-t", exam.hip_t)
    if exam.bmd_change_pct is not None:
        site = f"{{{exam.bmd_change_site.value}}}" if exam.bmd_change_site else "-"
        out += (Evidence("fact.bmd-change", f"{exam.bmd_change_pct:+.1f} % ({site})"),)
    return out


def fracture(f: Fracture) -> Evidence:
    grade = f" (Genant {f.genant_grade})" if f.genant_grade else ""
    when = f.date.isoformat() if f.date else "?"
    return Evidence("fact.fracture", f"{{{f.site.value}}}{grade}, {when}", f.source)


def fractures(items: tuple[Fracture, ...]) -> tuple[Evidence, ...]:
    return tuple(fracture(f) for f in items)


def vertebral(facts: PatientFacts, min_grade: int) -> tuple[Evidence, ...]:
    """Every vertebral fracture on record, plus the count of grade >= `min_grade`."""
    vfs = routines.vertebral_fractures(facts)
    count = Evidence("fact.vf-count", f"{routines.vf_count(facts, min_grade)} (Genant >= {min_grade})")
    return (count, *fractures(vfs))


def therapy(e: TherapyEpisode) -> tuple[Evidence, ...]:
    """The episode, and its last injection/infusion when known (the denosumab clock runs from it)."""
    until = e.end.isoformat() if e.end else "…"
    source = e.sources[-1] if e.sources else None
    out = (Evidence("fact.therapy", f"{{{e.agent.value}}} {e.start.isoformat()} – {until}", source),)
    if e.last_administration:
        given = next((s for s in e.sources if s.date == e.last_administration), source)
        out += (Evidence("fact.last-administration", f"{{{e.agent.value}}} {e.last_administration.isoformat()}", given),)
    return out


def glucocorticoid(e: GlucocorticoidEpisode) -> Evidence:
    dose = "?" if e.prednisone_mg_per_day is None else f"{e.prednisone_mg_per_day:g} mg/day"
    until = e.end.isoformat() if e.end else "…"
    return Evidence("fact.glucocorticoid", f"{e.substance} ≙ {{prednisone}} {dose}, {e.start.isoformat()} – {until}", e.source)


def risk_score(facts: PatientFacts) -> tuple[Evidence, ...]:
    if facts.risk_score is None:
        return ()
    parts = ", ".join(f"{{{factor}}} {points}" for factor, points, _ in facts.risk_score.components)
    return (Evidence("fact.risk-score", f"{facts.risk_score.total} ({parts})"),)


def z_score(m: DxaMeasurement | None) -> tuple[Evidence, ...]:
    """`fact.lowest-z`: the lowest Z-score of the exam, with its site (VITAZ-3)."""
    if m is None:
        return ()
    return (Evidence("fact.lowest-z", f"{m.value:+.1f} ({{{m.site.value}}}, {m.date.isoformat()})", m.source),)

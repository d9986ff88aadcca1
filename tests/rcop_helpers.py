"""Build `PatientFacts` directly for pathway unit tests (no FHIR), with today = 2026-11-22."""

from __future__ import annotations

from datetime import date

from fhir_mappings.facts import (
    Agent,
    CodedFact,
    DxaExam,
    DxaKind,
    DxaMeasurement,
    DxaSite,
    Fracture,
    FractureSite,
    GlucocorticoidEpisode,
    Measured,
    PatientFacts,
    Provenance,
    RiskScore,
    Sex,
    TherapyEpisode,
)
from pathways.recommendation import Recommendation, SuggestionKind, Topic

TODAY = date(2026, 11, 22)


def src(resource_type: str = "Observation", rid: str = "x", when: date | None = None) -> Provenance:
    return Provenance(resource_type, rid, when)


def dxa(lowest: float, hip: float | None = None, *, when: date = date(2026, 6, 1), bmd_change: float | None = None) -> DxaExam:
    """A DXA exam: `lowest` at the lumbar spine, `hip` (default = lowest) at the total hip."""
    spine = DxaMeasurement(DxaSite.LUMBAR_SPINE, DxaKind.T_SCORE, lowest, when, src("Observation", f"t-spine-{when}", when))
    hip_m = DxaMeasurement(DxaSite.TOTAL_HIP, DxaKind.T_SCORE, lowest if hip is None else hip, when, src("Observation", f"t-hip-{when}", when))
    low = min((spine, hip_m), key=lambda m: m.value)
    change_site = DxaSite.LUMBAR_SPINE if bmd_change is not None else None
    return DxaExam(when, (spine, hip_m), low, hip_m, None, bmd_change, change_site)


def fracture(site: FractureSite, when: date | None, *, grade: int | None = None, counted: bool = True, n: int = 0) -> Fracture:
    return Fracture(site, when, counted, src("Condition", f"fx-{site.value}-{when}-{grade}-{n}", when), genant_grade=grade)


def vf(grade: int, when: date = date(2019, 1, 1), n: int = 0) -> Fracture:
    return fracture(FractureSite.VERTEBRA, when, grade=grade, n=n)


def episode(agent: Agent, start: date, end: date | None = None, *, last: date | None = None, doses: tuple[date, ...] = ()) -> TherapyEpisode:
    return TherapyEpisode(agent, start, end, (src("MedicationStatement", f"ms-{agent.value}", start),), last, doses)


def glucocorticoid(dose: float | None, start: date, end: date | None = None, *, planned: int | None = None) -> GlucocorticoidEpisode:
    return GlucocorticoidEpisode("prednisolone", dose, start, end, src("MedicationRequest", "gc", start), planned)


def coded(code: str, when: date | None = date(2020, 1, 1)) -> CodedFact:
    return CodedFact(code, code, when, src("Condition", code, when))


def score(total: int) -> RiskScore:
    return RiskScore(total, (("age", total, None),))


LAB_DAY = date(2026, 11, 1)


def lab(concept: str, value: float, unit: str, when: date = LAB_DAY, low: float | None = None, high: float | None = None) -> tuple[str, Measured]:
    return concept, Measured(value, unit, when, src("Observation", f"lab-{concept}-{when}", when), low, high)


# A complete, normal, recent work-up: the safety gates pass, so chart tests see the charts' own drugs.
NORMAL_LABS = (
    lab("albumin", 40.0, "g/L"), lab("alkaline-phosphatase", 80.0, "U/L", high=120.0), lab("calcium", 2.35, "mmol/L", low=2.15, high=2.6),
    lab("creatinine", 70.0, "umol/L"), lab("egfr", 80.0, "mL/min/{1.73_m2}"), lab("m-protein", 0.0, "g/L"),
    lab("phosphate", 1.1, "mmol/L", low=0.8, high=1.5), lab("pth", 4.0, "pmol/L", high=7.0), lab("tsh", 1.5, "mU/L", low=0.4, high=4.0),
)
NORMAL = dict(
    labs=NORMAL_LABS,
    vitamin_d=Measured(30.0, "ng/mL", LAB_DAY, src("Observation", "lab-vitamin-d", LAB_DAY)),
    weight=Measured(70.0, "kg", LAB_DAY, src("Observation", "weight", LAB_DAY)),
    spine_imaging=(CodedFact("vfa", "VFA", LAB_DAY, src("Procedure", "vfa", LAB_DAY)),),
)


def make(age: int | None = 70, sex: Sex = Sex.FEMALE, **kw: object) -> PatientFacts:
    """Facts of a patient with a complete normal recent work-up (NORMAL) unless a test says otherwise; a woman
    of 55 or more is postmenopausal, as the mapping's age rule has it."""
    birth = date(TODAY.year - age, 1, 1) if age is not None else None
    kw = {**NORMAL, **kw}
    kw.setdefault("postmenopausal", sex is Sex.FEMALE and age is not None and age >= 55)
    return PatientFacts(patient_id="p1", today=TODAY, birth_date=birth, age=age, sex=sex, **kw)


def by_topic(recs: list[Recommendation]) -> dict[Topic, Recommendation]:
    topics = [r.topic for r in recs]
    assert len(topics) == len(set(topics)), f"one recommendation per topic expected: {topics}"
    return {r.topic: r for r in recs}


def recommended_drug(rec: Recommendation) -> str | None:
    return next((s.key for s in rec.suggestions if s.kind is SuggestionKind.MEDICATION and s.recommended), None)


def drug_keys(rec: Recommendation) -> list[str]:
    return [s.key for s in rec.suggestions if s.kind is SuggestionKind.MEDICATION]


def check(recs: list[Recommendation], topic: Topic, indicator: str, drug: str | None, node: str) -> Recommendation:
    """The recommendation of `topic` exists with this indicator, 1st-choice drug and cited node."""
    rec = by_topic(recs).get(topic)
    assert rec is not None, f"no {topic} in {[r.topic.value for r in recs]}"
    assert rec.indicator.value == indicator
    assert recommended_drug(rec) == drug
    assert node in rec.nodes, f"{node} not in {rec.nodes}"
    return rec


def topics(recs: list[Recommendation]) -> set[str]:
    return {r.topic.value for r in recs}


def chart(facts: PatientFacts) -> list[Recommendation]:
    """The RCOP charts' own recommendations, merged by topic, before the safety gates (to test a regimen's order)."""
    from pathways import rcop
    from pathways.recommendation import merge

    return merge(rcop.evaluate(facts))

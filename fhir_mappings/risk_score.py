"""The Dutch CBO-2011 case-finding score from the facts, with the evidence for each point.

Weights, age bands and thresholds live in `data/cbo-risk-score.json`; reduced mobility is not
scored (free text in most records) and the data file says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from functools import cache

from fhir_mappings.facts import CodedFact, Fracture, GlucocorticoidEpisode, Measured, Medication, Provenance, RiskScore
from fhir_mappings.patient import age_on
from fhir_mappings.valuesets import DATA_DIR

Component = tuple[str, int, Provenance | None]


@cache
def _rules() -> dict:
    return json.loads((DATA_DIR / "cbo-risk-score.json").read_text())


def _age(age: int | None) -> Iterator[Component]:
    for band in _rules()["age_bands"]:
        if age is not None and age > band["above"]:
            yield band["factor"], band["points"], None
            return


def _low_weight(weight: Measured | None, height: Measured | None, bmi: Measured | None) -> Iterator[Component]:
    rule = _rules()["low_body_weight"]
    if bmi is not None and (height is None or height.value < rule["use_bmi_if_height_below_cm"]):
        if bmi.value < rule["bmi_below"]:
            yield rule["factor"], rule["points"], bmi.source
    elif weight is not None and weight.value < rule["weight_below_kg"]:
        yield rule["factor"], rule["points"], weight.source


def _fracture(fractures: tuple[Fracture, ...], birth: date | None) -> Iterator[Component]:
    rule = _rules()["previous_fracture"]
    for f in fractures:
        if f.counted and f.date and birth and age_on(birth, f.date) >= rule["from_age"]:
            yield rule["factor"], rule["points"], f.source
            return


def _coded(risk_factors: tuple[CodedFact, ...], medications: tuple[Medication, ...]) -> Iterator[Component]:
    for rule in _rules()["coded"]:
        evidence = [r.source for r in risk_factors if r.code in rule["concepts"]]
        evidence += [m.source for m in medications if m.drug_class in rule.get("drug_classes", ())]
        if evidence:
            yield rule["factor"], rule["points"], evidence[0]


def _glucocorticoids(episodes: tuple[GlucocorticoidEpisode, ...], today: date) -> Iterator[Component]:
    rule = _rules()["glucocorticoids"]
    for e in episodes:
        days = max(((e.end or today) - e.start).days, e.planned_days or 0)
        if (e.prednisone_mg_per_day or 0) >= rule["min_prednisone_mg_per_day"] and days >= rule["min_days"]:
            yield rule["factor"], rule["points"], e.source
            return


def cbo_score(
    *,
    today: date,
    birth: date | None,
    age: int | None,
    weight: Measured | None,
    height: Measured | None,
    bmi: Measured | None,
    fractures: tuple[Fracture, ...],
    parental_hip_fracture: CodedFact | None,
    risk_factors: tuple[CodedFact, ...],
    medications: tuple[Medication, ...],
    glucocorticoids: tuple[GlucocorticoidEpisode, ...],
) -> RiskScore:
    components: list[Component] = [
        *_age(age),
        *_low_weight(weight, height, bmi),
        *_fracture(fractures, birth),
        *_coded(risk_factors, medications),
        *_glucocorticoids(glucocorticoids, today),
    ]
    if parental_hip_fracture is not None:
        rule = _rules()["parental_hip_fracture"]
        components.append((rule["factor"], rule["points"], parental_hip_fracture.source))
    return RiskScore(sum(points for _, points, _ in components), tuple(components))

"""Observation.referenceRange and .interpretation -> the range and flag the laboratory gave this patient.

A result may carry several ranges (by sex, by age, a therapeutic target next to the normal range).
Only `normal` ranges (or untyped ones) count, and only those whose sex and age fit the patient on the
result's date; when the ranges left still disagree, none is taken: a wrong range is worse than the
gates' documented fallback. A bound without a unit is in the unit of the value.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from typing import Any

from fhir_mappings.patient import Demographics, age_on
from fhir_mappings.provenance import quantity_unit
from fhir_mappings.units import convert
from fhir_mappings.valuesets import DATA_DIR, codings

Range = tuple[float | None, float | None]


@cache
def _rules() -> dict[str, Any]:
    return json.loads((DATA_DIR / "reference-ranges.json").read_text())


def _number(quantity: Any) -> float | None:
    value = quantity.get("value") if isinstance(quantity, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _bound(quantity: Any, value_unit: str, target: str, concept: str | None) -> float | None:
    number = _number(quantity)
    if number is None:
        return None
    unit = quantity_unit(quantity) or value_unit
    if not unit or not target or unit == target:
        return number
    return convert(number, unit, target, concept)


def _typed_normal(entry: dict) -> bool:
    found = [c.get("code") for c in codings(entry.get("type")) if c.get("system") in _rules()["type_systems"]]
    return not found or any(code in _rules()["kept_types"] for code in found)


def _fits_sex(entry: dict, person: Demographics | None) -> bool:
    sexes = {_rules()["sex_codes"].get(f"{c.get('system')}|{c.get('code')}") for concept in entry.get("appliesTo") or () for c in codings(concept)}
    sexes.discard(None)
    return not sexes or (person is not None and person.sex.value in sexes)


def _years(quantity: Any) -> float | None:
    number = _number(quantity)
    return convert(number, quantity_unit(quantity) or "a", "a") if number is not None else None


def _fits_age(entry: dict, person: Demographics | None, when: date) -> bool:
    age = entry.get("age")
    if not isinstance(age, dict):
        return True
    if person is None or person.birth_date is None:
        return False
    years = age_on(person.birth_date, when)
    low, high = (_years(age.get("low")), _years(age.get("high")))
    return (low is None or years >= low) and (high is None or years <= high)


def reference_range(
    resource: dict, value_unit: str, target: str, concept: str | None, when: date, person: Demographics | None
) -> Range:
    """(low, high) in `target` from the ranges that apply to this patient, else (None, None)."""
    entries = resource.get("referenceRange")
    applicable = [
        e for e in (entries if isinstance(entries, list) else ())
        if isinstance(e, dict) and _typed_normal(e) and _fits_sex(e, person) and _fits_age(e, person, when)
    ]
    ranges = {
        (_bound(e.get("low"), value_unit, target, concept), _bound(e.get("high"), value_unit, target, concept))
        for e in applicable
    }
    ranges.discard((None, None))
    return next(iter(ranges)) if len(ranges) == 1 else (None, None)


def interpretation_flag(resource: dict) -> str | None:
    """The v3 ObservationInterpretation code (L, H, LL, HH, N, A, ...), else a system-less coding's code."""
    interpretations = resource.get("interpretation")
    concepts = interpretations if isinstance(interpretations, list) else []
    found = [c for concept in concepts for c in codings(concept) if isinstance(c.get("code"), str)]
    chosen = next((c for c in found if c.get("system") in _rules()["interpretation_systems"]), None)
    chosen = chosen or next((c for c in found if not c.get("system")), None)
    return chosen.get("code") if chosen else None

"""Unit conversion through UCUM (ucumvert + pint), plus the few chemistry factors kept as data.

The UCUM registry takes about a second to build, so it is built once, on first use, and every
(from, to) factor is cached by unit string: a mapping run then costs a dictionary lookup per value.
"""

from __future__ import annotations

import json
from functools import cache

import pint
import ucumvert
from lark.exceptions import LarkError

from fhir_mappings.valuesets import DATA_DIR


@cache
def registry() -> ucumvert.PintUcumRegistry:
    """The shared UCUM-aware pint registry (built lazily, once per process)."""
    return ucumvert.PintUcumRegistry()


@cache
def _spellings() -> dict[str, str]:
    return json.loads((DATA_DIR / "unit-factors.json").read_text())["spellings"]


def ucum(unit: str) -> str:
    """The UCUM code for a unit as EHRs spell it: the micro sign as "u", and a few plain spellings ("lbs")."""
    unit = unit.replace("\u00b5", "u").replace("\u03bc", "u")
    return _spellings().get(unit, unit)


def _quantity(unit: str) -> pint.Quantity | None:
    try:
        parsed = registry().from_ucum(ucum(unit))
    except (LarkError, pint.errors.PintError, ValueError):
        return None
    return parsed if isinstance(parsed, pint.Quantity) else None  # a bare annotation such as {T-score}


@cache
def factor(from_unit: str, to_unit: str) -> float | None:
    """Multiplier taking a value in `from_unit` to `to_unit` (UCUM strings), None if not convertible."""
    if from_unit == to_unit:
        return 1.0
    source, target = _quantity(from_unit), _quantity(to_unit)
    if source is None or target is None:
        return None
    try:
        return float((source / target).to("dimensionless").magnitude)
    except pint.errors.DimensionalityError:
        return None


@cache
def _chemistry() -> dict[tuple[str, str, str], float]:
    """(concept, from, to) -> multiplier, both directions, units lower-cased.

    Lab systems write "nmol/l", "NMOL/L" or "ng/ml"; for these concentration units case carries
    no meaning (UCUM's l and L are both the litre), so the chemistry table matches case-insensitively.
    """
    data = json.loads((DATA_DIR / "unit-factors.json").read_text())
    table: dict[tuple[str, str, str], float] = {}
    for c in data["conversions"]:
        source, target = c["from"].lower(), c["to"].lower()
        table[(c["concept"], source, target)] = 1.0 / c["divide_by"]
        table[(c["concept"], target, source)] = c["divide_by"]
    return table


def convert(value: float, from_unit: str, to_unit: str, concept: str | None = None) -> float | None:
    """`value` expressed in `to_unit`; a concept's chemistry factor first, then UCUM."""
    if concept is not None:
        chem = _chemistry().get((concept, ucum(from_unit).lower(), ucum(to_unit).lower()))
        if chem is not None:
            return value * chem
        if from_unit.lower() == to_unit.lower() and any(k[:2] == (concept, to_unit.lower()) for k in _chemistry()):
            return value  # "ng/ml" or "NG/ML" for "ng/mL": the concept's own unit in another case
    f = factor(from_unit, to_unit)
    return None if f is None else value * f


def days(value: float, unit: str) -> float | None:
    """A duration in days (UCUM time units: min, h, d, wk, mo, a)."""
    return convert(value, unit, "d")

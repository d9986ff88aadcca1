"""Daily dose in mg from Dosage: doseAndRate.doseQuantity x administrations per day.

A dose in a mass unit (UCUM, or a common spelling from `data/dose-units.json`) is converted; a
dose in tablets (a count unit) needs the strength, from the value set (RxNorm SCD) or the
Medication's single ingredient; a dose in a volume needs a per-volume strength. Any other unit is
an `unknown-unit` gap: multiplying an unreadable unit by the strength gave silently wrong doses.

Dosages sharing a `sequence` (or, without one, the same `boundsPeriod`) are taken together and
summed (10 mg morning + 5 mg evening); separate sequences or bounds periods are consecutive
steps of a taper (`taper`), and the step in effect on the day asked for is the dose. A taper
whose steps cannot be dated is read at its highest step (an Assumption says so): an unknown step
is never read as the low one. Gaps name the decision the record concerns (its value set's).
"""

from __future__ import annotations

import json
from functools import cache
from datetime import date
from typing import Any

from fhir_mappings.collector import Collector
from fhir_mappings.medications import MedUse
from fhir_mappings.provenance import quantity_unit
from fhir_mappings.taper import in_effect, step_dates, step_key
from fhir_mappings.timing import per_day, repeat_of
from fhir_mappings.units import convert
from fhir_mappings.valuesets import DATA_DIR, decision_of

MG = "mg"


@cache
def _units() -> tuple[dict[str, str], frozenset[str]]:
    data = json.loads((DATA_DIR / "dose-units.json").read_text())
    return {k.lower(): v for k, v in data["mass"].items()}, frozenset(u.lower() for u in data["count"])


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _strength(use: MedUse) -> tuple[float, str] | None:
    """(mg per unit, that unit: "" for a tablet) from the value set code or the Medication's single ingredient."""
    for code in use.codes:
        if _number(code.get("strength_mg")):
            return float(code.get("strength_mg")), ""
    ingredients = (use.medication or {}).get("ingredient")
    if not isinstance(ingredients, list) or len(ingredients) != 1 or not isinstance(ingredients[0], dict):
        return None
    strength = ingredients[0].get("strength")
    numerator = strength.get("numerator") if isinstance(strength, dict) else None
    denominator = strength.get("denominator") if isinstance(strength, dict) else None
    denominator = denominator if isinstance(denominator, dict) else {}
    value = _number(numerator.get("value")) if isinstance(numerator, dict) else None
    mg = convert(value, _mass_unit(quantity_unit(numerator)), MG) if value is not None else None
    per = _number(denominator.get("value")) or 1.0
    unit = quantity_unit(denominator)
    return (mg / per, "" if unit.lower() in _units()[1] else unit) if mg is not None else None


def _mass_unit(unit: str) -> str:
    return _units()[0].get(unit.lower(), unit)


def dose_mg(quantity: Any, use: MedUse) -> tuple[float | None, str]:
    """(mg in one dose, "") or (None, the gap code saying why)."""
    value = _number(quantity.get("value")) if isinstance(quantity, dict) else None
    if value is None:
        return None, "no-dose"
    unit = quantity_unit(quantity)
    if unit.lower() not in _units()[1]:
        mg = convert(value, _mass_unit(unit), MG)
        if mg is not None:
            return mg, ""
    strength = _strength(use)
    if strength is None:
        return None, "no-dose" if unit.lower() in _units()[1] else "unknown-unit"
    mg_per, per_unit = strength
    if unit.lower() in _units()[1] and not per_unit:
        return value * mg_per, ""
    to_per = convert(value, unit, per_unit) if unit and per_unit else None
    return (to_per * mg_per, "") if to_per is not None else (None, "unknown-unit")


def _per_day_of(dosage: dict) -> float | None:
    if "dose" in dosage:  # an administration is one dose on its day
        return 1.0
    repeat = repeat_of(dosage)
    return per_day(repeat) if repeat is not None else None


def _dose_quantity(dosage: dict) -> Any:
    if "dose" in dosage:  # MedicationAdministration.dosage
        return dosage.get("dose")
    for dose_and_rate in dosage.get("doseAndRate") or ():
        if isinstance(dose_and_rate, dict) and "doseQuantity" in dose_and_rate:
            return dose_and_rate["doseQuantity"]
    return None


def daily_mg(use: MedUse, ctx: Collector, on: date) -> float | None:
    """mg of the substance per day on `on` (the taper step in effect then), or None (a DataGap says why)."""
    decision = decision_of(use.codes)
    by_step: dict[object, float] = {}
    for dosage in use.dosages:
        quantity = _dose_quantity(dosage)
        dose, why = dose_mg(quantity, use)
        if dose is None:
            unit = quantity_unit(quantity) if isinstance(quantity, dict) else ""
            if why == "unknown-unit":
                ctx.gap(why, f"dose unit {unit!r}: not a mass, nor a unit of known strength", use.reference, decision)
            else:
                ctx.gap(why, "dose missing or in a unit without strength", use.reference, decision)
            return None
        frequency = _per_day_of(dosage)
        if frequency is None:
            ctx.gap("no-frequency", "dosage without a readable timing", use.reference, decision)
            return None
        step = step_key(dosage)
        by_step[step] = by_step.get(step, 0.0) + dose * frequency
    if not by_step:
        ctx.gap("no-dose", "no dosage instruction", use.reference, decision)
        return None
    if len(set(by_step.values())) == 1:
        return next(iter(by_step.values()))
    dates = step_dates(use.dosages, use.start)
    if dates is None:
        ctx.assume("dose-highest-step", reference=use.reference, steps=len(by_step))
        return max(by_step.values())
    return by_step[in_effect(dates, on)]


def single_doses_mg(use: MedUse) -> list[float]:
    """The readable single doses (mg) of a record, without gaps: used to tell regimens apart by dose."""
    doses = (dose_mg(_dose_quantity(dosage), use)[0] for dosage in use.dosages)
    return [dose for dose in doses if dose is not None]

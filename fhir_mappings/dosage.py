"""Daily dose in mg from Dosage: doseAndRate.doseQuantity x timing.repeat (frequency per period).

Doses in a mass unit are converted through UCUM; a dose in tablets needs the strength, from the
value set (RxNorm SCD) or the Medication's ingredient. Dosages sharing a `sequence` are taken
together (summed); separate sequences are consecutive steps, so the highest step counts.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from fhir_mappings.collector import Collector
from fhir_mappings.medications import MedUse
from fhir_mappings.provenance import quantity_unit
from fhir_mappings.units import convert, days
from fhir_mappings.valuesets import DATA_DIR, codings

MG = "mg"


@cache
def _timing_codes() -> dict[str, dict]:
    return json.loads((DATA_DIR / "timing-codes.json").read_text())["codes"]


def _repeat(dosage: dict) -> dict | None:
    timing = dosage.get("timing") or {}
    if timing.get("repeat"):
        return timing["repeat"]
    code = next((c.get("code") for c in codings(timing.get("code"))), None)
    return _timing_codes().get(code) if code else None


def per_day(repeat: dict) -> float | None:
    """Administrations per day: 'twice daily' = 2, 'every 2 days' = 0.5, 'weekly' = 1/7."""
    period_days = days(float(repeat.get("period") or 1), str(repeat.get("periodUnit") or "d"))
    if not period_days:
        return None
    return float(repeat.get("frequency") or 1) / period_days


def _strength_mg(use: MedUse) -> float | None:
    """mg per unit (tablet) from the value set code or the Medication's single ingredient."""
    for code in use.codes:
        if code.get("strength_mg"):
            return float(code.get("strength_mg"))
    ingredients = (use.medication or {}).get("ingredient") or []
    if len(ingredients) != 1:
        return None
    strength = ingredients[0].get("strength") or {}
    numerator, denominator = strength.get("numerator") or {}, strength.get("denominator") or {}
    if not isinstance(numerator.get("value"), (int, float)):
        return None
    mg = convert(float(numerator["value"]), quantity_unit(numerator), MG)
    return mg / float(denominator.get("value") or 1) if mg is not None else None


def _dose_mg(quantity: Any, use: MedUse) -> float | None:
    if not isinstance(quantity, dict) or not isinstance(quantity.get("value"), (int, float)):
        return None
    value, unit = float(quantity["value"]), quantity_unit(quantity)
    if unit:
        mg = convert(value, unit, MG)
        if mg is not None:
            return mg
    strength = _strength_mg(use)
    return value * strength if strength is not None else None


def _per_day_of(dosage: dict) -> float | None:
    if "dose" in dosage:  # an administration is one dose on its day
        return 1.0
    repeat = _repeat(dosage)
    return per_day(repeat) if repeat is not None else None


def _dose_quantity(dosage: dict) -> Any:
    if "dose" in dosage:  # MedicationAdministration.dosage
        return dosage.get("dose")
    for dose_and_rate in dosage.get("doseAndRate") or ():
        if isinstance(dose_and_rate, dict) and "doseQuantity" in dose_and_rate:
            return dose_and_rate["doseQuantity"]
    return None


def daily_mg(use: MedUse, ctx: Collector) -> float | None:
    """mg of the substance per day, or None (with a DataGap saying why)."""
    by_sequence: dict[object, float] = {}
    for dosage in use.dosages:
        dose = _dose_mg(_dose_quantity(dosage), use)
        if dose is None:
            ctx.gap("no-dose", "dose missing or in a unit without strength", use.reference)
            return None
        frequency = _per_day_of(dosage)
        if frequency is None:
            ctx.gap("no-frequency", "dosage without a readable timing", use.reference)
            return None
        sequence = dosage.get("sequence", 0)
        by_sequence[sequence] = by_sequence.get(sequence, 0.0) + dose * frequency
    if not by_sequence:
        ctx.gap("no-dose", "no dosage instruction", use.reference)
        return None
    return max(by_sequence.values())

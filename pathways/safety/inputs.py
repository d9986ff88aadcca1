"""What the gates read from the facts: recent lab results, calcium as the gate judges it, renal function.

A lab gate is unknown without a result in its window ("How gates apply"), so every reader here returns None
rather than an old value. Units are the mapping layer's canonical ones: calcium mmol/L, albumin g/L,
creatinine umol/L, eGFR mL/min/1.73 m2, 25-OH vitamin D ng/mL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fhir_mappings.facts import Measured, PatientFacts, Sex
from pathways import routines
from pathways.safety.config import WINDOWS, section

Lab = tuple[str, Measured]  # (concept, result): a result as the card names it

_CALCIUM = section("calcium")
_RENAL = section("renal")


def since(facts: PatientFacts, months: int) -> date:
    return routines.add_months(facts.today, -months)


def result(facts: PatientFacts, concept: str, months: int | None = None) -> Measured | None:
    """The latest result of a lab concept ("vitamin-d" included) if it is at most `months` old."""
    found = facts.vitamin_d if concept == "vitamin-d" else dict(facts.labs).get(concept)
    start = since(facts, WINDOWS["lab_months"] if months is None else months)
    if found is None or found.date is None or not start <= found.date <= facts.today:
        return None
    return found


@dataclass(frozen=True)
class Calcium:
    """Calcium as the gates judge it: ionised, albumin-corrected or total, with the limits that apply."""

    value: float
    low: float
    high: float
    kind: str  # "ionised" | "corrected" | "total"
    sources: tuple[Lab, ...]

    @property
    def below(self) -> bool:
        return self.value < self.low

    @property
    def above(self) -> bool:
        return self.value > self.high


def calcium(facts: PatientFacts, months: int | None = None) -> Calcium | None:
    """The latest of ionised and (albumin-corrected) total calcium in the window; None when neither is there.

    "Uncorrected total calcium with low albumin is not hypocalcaemia": a total calcium is corrected with an
    albumin from the same window (Payne), and judged against its own reference range, else the fallback.
    """
    ionised, total = result(facts, "ionised-calcium", months), result(facts, "calcium", months)
    if ionised is not None and (total is None or (ionised.date or date.min) >= (total.date or date.min)):
        return Calcium(ionised.value, _low(ionised, "ionised_fallback_low"), _high(ionised, "ionised_fallback_high"),
                       "ionised", (("ionised-calcium", ionised),))
    if total is None:
        return None
    low, high = _low(total, "fallback_low"), _high(total, "fallback_high")
    albumin = result(facts, "albumin", months)
    if albumin is None:
        return Calcium(total.value, low, high, "total", (("calcium", total),))
    corrected = total.value + _CALCIUM["correction_factor"] * (_CALCIUM["albumin_reference"] - albumin.value)
    return Calcium(round(corrected, 2), low, high, "corrected", (("calcium", total), ("albumin", albumin)))


def _low(m: Measured, fallback: str) -> float:
    return m.low if m.low is not None else _CALCIUM[fallback]


def _high(m: Measured, fallback: str) -> float:
    return m.high if m.high is not None else _CALCIUM[fallback]


@dataclass(frozen=True)
class Clearance:
    """Creatinine clearance by Cockcroft-Gault (ml/min), with the results it rests on."""

    value: float
    creatinine: Measured
    weight: Measured
    sex_assumed: bool  # sex unknown: the women's factor was used

    @property
    def sources(self) -> tuple[Lab, ...]:
        return (("creatinine", self.creatinine), ("weight", self.weight))


def recent_weight(facts: PatientFacts) -> Measured | None:
    weight = facts.weight
    if weight is None or weight.date is None or weight.date < since(facts, WINDOWS["weight_months"]):
        return None
    return weight


def clearance_missing(facts: PatientFacts, creatinine_months: int | None = None) -> tuple[str, ...]:
    """What Cockcroft-Gault still lacks: a recent creatinine, a recorded weight."""
    return tuple(name for name, found in (("creatinine", result(facts, "creatinine", creatinine_months)),
                                          ("weight", recent_weight(facts))) if found is None)


def clearance(facts: PatientFacts, creatinine_months: int | None = None) -> Clearance | None:
    """Cockcroft-Gault from a recent creatinine and a recorded weight; None when either (or the age) is missing."""
    creatinine, weight = result(facts, "creatinine", creatinine_months), recent_weight(facts)
    if creatinine is None or weight is None or facts.age is None or creatinine.value <= 0:
        return None
    male = facts.sex is Sex.MALE
    factor = _RENAL["cockcroft_gault_male" if male else "cockcroft_gault_female"]
    value = (140 - facts.age) * weight.value * factor / creatinine.value
    return Clearance(round(value), creatinine, weight, facts.sex not in (Sex.MALE, Sex.FEMALE))


@dataclass(frozen=True)
class RenalFunction:
    """Renal function for a gate that accepts either: Cockcroft-Gault clearance, else eGFR as its proxy."""

    value: float
    kind: str  # "clearance" | "egfr"
    sources: tuple[Lab, ...]


def renal_function(facts: PatientFacts) -> RenalFunction | None:
    found = clearance(facts)
    if found is not None:
        return RenalFunction(found.value, "clearance", found.sources)
    egfr = result(facts, "egfr")
    return RenalFunction(egfr.value, "egfr", (("egfr", egfr),)) if egfr is not None else None


def gfr(facts: PatientFacts) -> RenalFunction | None:
    """For a row that speaks of GFR: eGFR is acceptable, the Cockcroft-Gault clearance too; when both are known the
    lower decides (Interpretation: an indexed eGFR overstates the function of a small, old patient — clearance 26
    with eGFR 55 must not pass one tablet and fail the other)."""
    egfr = result(facts, "egfr")
    found = clearance(facts)
    options = [RenalFunction(egfr.value, "egfr", (("egfr", egfr),))] if egfr is not None else []
    options += [RenalFunction(found.value, "clearance", found.sources)] if found is not None else []
    return min(options, key=lambda r: r.value, default=None)

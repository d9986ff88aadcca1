"""GATE-SECONDARY: lab signs of a secondary cause of osteoporosis — the reason the charts ask for "Lab".

"Raised calcium or PTH, an M-protein, raised alkaline phosphatase with low phosphate or low 25-OH-D (possible
osteomalacia), suppressed TSH." A result is judged against its own reference range or interpretation flag,
else the fallback limits of gates.toml [secondary].
"""

from __future__ import annotations

from fhir_mappings.facts import Measured, PatientFacts
from pathways.safety import inputs
from pathways.safety.config import section

_CFG = section("secondary")
_HIGH_FLAGS, _LOW_FLAGS = frozenset({"H", "HH", "HU"}), frozenset({"L", "LL", "LU"})


def _above(m: Measured | None, fallback: float | None) -> bool:
    if m is None:
        return False
    if m.flag in _HIGH_FLAGS:
        return True
    limit = m.high if m.high is not None else fallback
    return limit is not None and m.value > limit


def _below(m: Measured | None, fallback: float | None) -> bool:
    if m is None:
        return False
    if m.flag in _LOW_FLAGS:
        return True
    limit = m.low if m.low is not None else fallback
    return limit is not None and m.value < limit


def raised_alkaline_phosphatase(facts: PatientFacts) -> bool:
    return _above(inputs.result(facts, "alkaline-phosphatase"), _CFG["alkaline_phosphatase_fallback_high"])


def findings(facts: PatientFacts) -> tuple[str, ...]:
    """The secondary-cause signs in the recent labs (message codes), in a fixed order."""
    found = []
    calcium = inputs.calcium(facts)
    if calcium is not None and calcium.above:
        found.append("hypercalcaemia")
    if _above(inputs.result(facts, "pth"), _CFG["pth_fallback_high"]):
        found.append("raised-pth")
    m_protein = inputs.result(facts, "m-protein")
    if m_protein is not None and m_protein.value > 0:
        found.append("m-protein")
    low_phosphate = _below(inputs.result(facts, "phosphate"), _CFG["phosphate_fallback_low"])
    vitamin_d = inputs.result(facts, "vitamin-d")
    low_vitamin_d = vitamin_d is not None and vitamin_d.value < _CFG["vitamin_d_low"]
    if raised_alkaline_phosphatase(facts) and (low_phosphate or low_vitamin_d):
        found.append("possible-osteomalacia")
    if _below(inputs.result(facts, "tsh"), _CFG["tsh_fallback_low"]):
        found.append("suppressed-tsh")
    return tuple(found)


def results(facts: PatientFacts) -> tuple[inputs.Lab, ...]:
    """The recent results the gate read (for the card's facts)."""
    found = ((c, inputs.result(facts, c)) for c in (*_CFG["required"], "vitamin-d"))
    return tuple((c, m) for c, m in found if m is not None)


def missing(facts: PatientFacts) -> tuple[str, ...]:
    """Required lab concepts without a result in the window (the gate is unknown until they are there)."""
    return tuple(c for c in _CFG["required"] if inputs.result(facts, c) is None)

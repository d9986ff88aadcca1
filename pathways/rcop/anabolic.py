"""`ANABOLIC` — "Bij wervelfracturen overweeg botvormende medicatie" (shared by RCOP charts 1–3).

Teriparatide: BMD T<=-1.5 + 1 Gr3 of 2 Gr2 WF.
Of Romosozumab bij vrouwen: heup T<=-2.0 + 2 Gr2 en/of 2 Gr3 WF of heup T<=-2.5 + 1 Gr2 of 1 Gr3 WF.
Romosozumab is never offered with a myocardial infarction or stroke on record, nor to a man.
"""

from __future__ import annotations

from dataclasses import dataclass

from fhir_mappings.facts import Agent, PatientFacts, Sex
from pathways import routines
from pathways.rcop.config import section

_CFG = section("anabolic")


@dataclass(frozen=True)
class AnabolicCheck:
    """Anabolic agents whose criteria are met and that are safe, and those met but ruled out (with why)."""

    eligible: tuple[Agent, ...]
    excluded: tuple[tuple[Agent, str], ...]  # (agent, "male" | "contraindication")

    @property
    def met(self) -> bool:
        return bool(self.eligible)


def teriparatide_criteria(facts: PatientFacts) -> bool:
    """Lowest T <= -1.5 and (>= 1 VF grade 3 or >= 2 VF grade >= 2)."""
    rule = _CFG["teriparatide"]
    exam = routines.latest_dxa(facts)
    low_t = exam is not None and exam.lowest_t is not None and exam.lowest_t.value <= rule["t"]
    return low_t and any(routines.vf_count(facts, grade) >= count for grade, count in rule["vf"])


def romosozumab_criteria(facts: PatientFacts) -> bool:
    """(Hip T <= -2.0 and >= 2 VF grade >= 2) or (hip T <= -2.5 and >= 1 VF grade >= 2)."""
    exam = routines.latest_dxa(facts)
    if exam is None or exam.hip_t is None:
        return False
    return any(
        exam.hip_t.value <= hip_t and routines.vf_count(facts, grade) >= count for hip_t, grade, count in _CFG["romosozumab"]
    )


def _romosozumab_exclusion(facts: PatientFacts) -> str | None:
    if facts.sex is not Sex.FEMALE:
        return "male" if facts.sex is Sex.MALE else "sex-unknown"
    if any(c.code in _CFG["romosozumab_contraindications"] for c in facts.contraindications):
        return "contraindication"
    return None


def check(facts: PatientFacts) -> AnabolicCheck:
    """Apply ANABOLIC; drugs the patient already takes or did not tolerate are not offered again."""
    unavailable = routines.unavailable_agents(facts)
    eligible, excluded = [], []
    if teriparatide_criteria(facts) and Agent.TERIPARATIDE not in unavailable:
        eligible.append(Agent.TERIPARATIDE)
    if romosozumab_criteria(facts) and Agent.ROMOSOZUMAB not in unavailable:
        why = _romosozumab_exclusion(facts)
        if why:
            excluded.append((Agent.ROMOSOZUMAB, why))
        else:
            eligible.insert(0, Agent.ROMOSOZUMAB)  # vitaz-2025 Appendix 5: the preferred anabolic
    return AnabolicCheck(tuple(eligible), tuple(excluded))

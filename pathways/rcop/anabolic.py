"""`ANABOLIC` — "Bij wervelfracturen overweeg botvormende medicatie" (shared by RCOP charts 1–3).

Teriparatide: BMD T<=-1.5 + 1 Gr3 of 2 Gr2 WF.
Of Romosozumab bij vrouwen: heup T<=-2.0 + 2 Gr2 en/of 2 Gr3 WF of heup T<=-2.5 + 1 Gr2 of 1 Gr3 WF.
Romosozumab is never offered with a myocardial infarction or stroke on record, nor to a man.
"""

from __future__ import annotations

from dataclasses import dataclass

from fhir_mappings.facts import ANABOLICS, Agent, DxaExam, PatientFacts, Sex
from pathways import routines
from pathways.rcop.config import T, section

_CFG = section("anabolic")


def _current_dxa(facts: PatientFacts) -> DxaExam | None:
    """The DXA the charts decide on: the latest, if at most `dxa_valid_months` old (rcop-2023.toml [t_score])."""
    return routines.latest_dxa(facts, since=routines.add_months(facts.today, -T["dxa_valid_months"]))


def completed_courses(facts: PatientFacts) -> frozenset[Agent]:
    """Anabolic agents with an ended course on record: "Romosozumab 1 jaar", "Teriparatide 2 jaar" are given once."""
    return frozenset(e.agent for e in routines.episodes(facts, ANABOLICS) if e.end is not None and e.end <= facts.today)


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
    exam = _current_dxa(facts)
    low_t = exam is not None and exam.lowest_t is not None and exam.lowest_t.value <= rule["t"]
    return low_t and any(routines.vf_count(facts, grade) >= count for grade, count in rule["vf"])


def romosozumab_criteria(facts: PatientFacts) -> bool:
    """(Hip T <= -2.0 and >= 2 VF grade >= 2) or (hip T <= -2.5 and >= 1 VF grade >= 2)."""
    exam = _current_dxa(facts)
    if exam is None or exam.hip_t is None:
        return False
    return any(
        exam.hip_t.value <= hip_t and routines.vf_count(facts, grade) >= count for hip_t, grade, count in _CFG["romosozumab"]
    )


def loosest_t() -> float:
    """The highest T-score at which any anabolic criterion can still be met (teriparatide's lowest T, romosozumab's
    hip T)."""
    return max(_CFG["teriparatide"]["t"], *(hip_t for hip_t, _, _ in _CFG["romosozumab"]))


def _romosozumab_exclusion(facts: PatientFacts) -> str | None:
    if facts.sex is not Sex.FEMALE:
        return "male" if facts.sex is Sex.MALE else "sex-unknown"
    if any(c.code in _CFG["romosozumab_contraindications"] for c in facts.contraindications):
        return "contraindication"
    return None


def check(facts: PatientFacts) -> AnabolicCheck:
    """Apply ANABOLIC; drugs the patient takes, did not tolerate or completed a course of are not offered again."""
    unavailable = routines.unavailable_agents(facts) | completed_courses(facts)
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

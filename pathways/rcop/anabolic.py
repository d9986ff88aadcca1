"""`ANABOLIC` — "Bij wervelfracturen overweeg botvormende medicatie" (shared by RCOP charts 1–3).

Teriparatide: BMD T<=-1.5 + 1 Gr3 of 2 Gr2 WF.
Of Romosozumab bij vrouwen: heup T<=-2.0 + 2 Gr2 en/of 2 Gr3 WF of heup T<=-2.5 + 1 Gr2 of 1 Gr3 WF.
Romosozumab is never named with a myocardial infarction or stroke on record, nor for a man: the safety gates decide.
"""

from __future__ import annotations

from dataclasses import dataclass

from fhir_mappings.facts import ANABOLICS, Agent, DxaExam, PatientFacts, Sex
from pathways import routines
from pathways.rcop.config import T, section
from pathways.recommendation import Reason
from pathways.safety.gates import screen

_CFG = section("anabolic")


def _current_dxa(facts: PatientFacts) -> DxaExam | None:
    """The DXA the charts decide on: the latest, if at most `dxa_valid_months` old (rcop-2023.toml [t_score])."""
    return routines.latest_dxa(facts, since=routines.add_months(facts.today, -T["dxa_valid_months"]))


def completed_courses(facts: PatientFacts) -> frozenset[Agent]:
    """Anabolic agents with an ended course on record: "Romosozumab 1 jaar", "Teriparatide 2 jaar" are given once."""
    return frozenset(e.agent for e in routines.episodes(facts, ANABOLICS) if e.end is not None and e.end <= facts.today)


@dataclass(frozen=True)
class AnabolicCheck:
    """Anabolic agents whose criteria are met and whose safety gates pass, and the gate findings of those met but
    ruled out (romosozumab for a man or after a myocardial infarction, teriparatide with Paget's disease, ...)."""

    eligible: tuple[Agent, ...]
    excluded: tuple[Reason, ...]
    assessable: bool = True  # a DXA recent enough to judge the T-score criteria is on record

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
    """"Romosozumab bij vrouwen": (hip T <= -2.0 and >= 2 VF grade >= 2) or (hip T <= -2.5 and >= 1 VF grade >= 2).
    A man does not meet it (the chart's own words; the safety gate repeats it for every guideline)."""
    exam = _current_dxa(facts)
    if facts.sex is not Sex.FEMALE or exam is None or exam.hip_t is None:
        return False
    return any(
        exam.hip_t.value <= hip_t and routines.vf_count(facts, grade) >= count for hip_t, grade, count in _CFG["romosozumab"]
    )


def loosest_t() -> float:
    """The highest T-score at which any anabolic criterion can still be met (teriparatide's lowest T, romosozumab's
    hip T)."""
    return max(_CFG["teriparatide"]["t"], *(hip_t for hip_t, _, _ in _CFG["romosozumab"]))


def check(facts: PatientFacts) -> AnabolicCheck:
    """Apply ANABOLIC; drugs the patient takes, did not tolerate or completed a course of are not named again, and
    one a safety gate fails (pathways.safety.gates) is ruled out with the gate's reason. Romosozumab comes first
    (vitaz-2025 Appendix 5: the preferred anabolic)."""
    unavailable = routines.unavailable_agents(facts) | completed_courses(facts)
    met = [a for a, criteria in ((Agent.ROMOSOZUMAB, romosozumab_criteria), (Agent.TERIPARATIDE, teriparatide_criteria))
           if a not in unavailable and criteria(facts)]
    return AnabolicCheck(*screen(facts, met), _current_dxa(facts) is not None)

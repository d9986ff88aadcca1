"""General statements about patient facts, shared by every guideline's pathways.

Nothing here is specific to one chart: thresholds come in as arguments, so the
rcop and vitaz pathways can ask the same questions with their own numbers.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from fhir_mappings.facts import (
    CodedFact,
    Agent,
    DxaExam,
    Fracture,
    FractureSite,
    GlucocorticoidEpisode,
    Measured,
    Medication,
    PatientFacts,
    TherapyEpisode,
)


def add_months(day: date, months: int) -> date:
    """`day` shifted by whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def whole_months(start: date, end: date) -> int:
    """The whole months from `start` to `end` (the largest n with add_months(start, n) <= end)."""
    n = (end.year - start.year) * 12 + end.month - start.month
    return n if add_months(start, n) <= end else n - 1


def counted_fractures(facts: PatientFacts) -> tuple[Fracture, ...]:
    """Fractures that count as fragility fractures (exclusions already applied by the mapping)."""
    return tuple(f for f in facts.fractures if f.counted)


def recent_fractures(facts: PatientFacts, months: int, *, since: date | None = None) -> tuple[Fracture, ...]:
    """Counted fractures less than `months` before today ("< 24 maanden"; and, if given, on or after `since`)."""
    cutoff = add_months(facts.today, -months)
    return tuple(
        f
        for f in counted_fractures(facts)
        if f.date is not None and cutoff < f.date <= facts.today and (since is None or f.date >= since)
    )


def fractures_since(facts: PatientFacts, since: date) -> tuple[Fracture, ...]:
    """Counted fractures dated on or after `since` (a "new" fracture relative to a therapy or a stop)."""
    return tuple(f for f in counted_fractures(facts) if f.date is not None and f.date >= since)


def vertebral_fractures(facts: PatientFacts, min_grade: int = 1) -> tuple[Fracture, ...]:
    """Counted vertebral fractures of at least Genant `min_grade` (ungraded ones count only for grade 1)."""
    return tuple(
        f
        for f in counted_fractures(facts)
        if f.site is FractureSite.VERTEBRA and (f.genant_grade or 1) >= min_grade
    )


def vf_count(facts: PatientFacts, min_grade: int) -> int:
    """Number of vertebral fractures of Genant grade >= `min_grade` ("2 Gr2" = vf_count(2) >= 2)."""
    return len(vertebral_fractures(facts, min_grade))


class VfStatus(StrEnum):
    """Whether the record answers "a vertebral fracture of grade >= 2?" (guidelines.md, "VF status known")."""

    YES = "yes"  # a counted vertebral fracture of at least that grade
    NO = "no"  # spine imaging from this evaluation, none of that grade
    UNKNOWN = "unknown"  # no spine imaging from this evaluation: a DXA alone says nothing about vertebrae
    UNGRADED = "ungraded"  # a vertebral fracture whose grade is not recorded, none graded high enough


def latest_spine_imaging(facts: PatientFacts) -> CodedFact | None:
    dated = [i for i in facts.spine_imaging if i.date is not None]
    return max(dated, key=lambda i: i.date) if dated else None


def vf_status(facts: PatientFacts, min_grade: int, valid_months: int = 24) -> VfStatus:
    """YES with a counted vertebral fracture of grade >= `min_grade`; UNGRADED with one of unknown grade; NO only
    with spine imaging (VFA, spine X-ray) at most `valid_months` old and after the latest fracture — a grade-1
    fracture on record does not answer the question; otherwise UNKNOWN."""
    graded = [f for f in counted_fractures(facts) if f.site is FractureSite.VERTEBRA]
    if any((f.genant_grade or 0) >= min_grade for f in graded):
        return VfStatus.YES
    if any(f.genant_grade is None for f in graded):
        return VfStatus.UNGRADED
    imaging = latest_spine_imaging(facts)
    latest_fracture = max((f.date for f in counted_fractures(facts) if f.date), default=None)
    if imaging is not None and imaging.date >= add_months(facts.today, -valid_months):
        if latest_fracture is None or imaging.date >= latest_fracture:
            return VfStatus.NO
    return VfStatus.UNKNOWN


def therapy_naive(facts: PatientFacts) -> bool:
    """Never on an osteoporosis drug (bisphosphonate, denosumab, anabolic, raloxifene)."""
    return not facts.therapies


def episodes(facts: PatientFacts, agents: Iterable[Agent]) -> tuple[TherapyEpisode, ...]:
    wanted = frozenset(agents)
    return tuple(e for e in facts.therapies if e.agent in wanted)


def ongoing(facts: PatientFacts, agents: Iterable[Agent]) -> tuple[TherapyEpisode, ...]:
    return tuple(e for e in episodes(facts, agents) if e.end is None or e.end >= facts.today)


def current_agents(facts: PatientFacts) -> frozenset[Agent]:
    """Agents the patient takes today: never suggested as a new start."""
    return frozenset(e.agent for e in facts.therapies if e.end is None or e.end >= facts.today)


def reached(start: date, end: date, years: int) -> bool:
    """`years` calendar years have passed from `start` to `end`."""
    return add_months(start, 12 * years) <= end


def administrations(facts: PatientFacts, agent: Agent) -> tuple[date, ...]:
    """Dates of recorded infusions/injections of `agent`, oldest first (an episode's last dose included)."""
    dates = {d for e in episodes(facts, (agent,)) for d in (*e.administrations, e.last_administration) if d}
    return tuple(sorted(dates))


def last_administration(facts: PatientFacts, agent: Agent) -> date | None:
    given = administrations(facts, agent)
    return given[-1] if given else None


def latest_dxa(facts: PatientFacts, *, since: date | None = None) -> DxaExam | None:
    """The most recent DXA exam with a guideline T-score, optionally only if done on or after `since`."""
    exams = [x for x in facts.dxa if x.lowest_t is not None and (since is None or x.date >= since)]
    return exams[-1] if exams else None


def bone_loss_exceeds(exam: DxaExam | None, percent: float) -> bool:
    """BMD fell more than `percent` % vs baseline at the same site (bmd_change_pct is negative for loss)."""
    return exam is not None and exam.bmd_change_pct is not None and -exam.bmd_change_pct > percent


def glucocorticoid_days(episode: GlucocorticoidEpisode, today: date) -> int:
    """Current or planned duration: days so far, or the planned length of a new order if longer."""
    so_far = (min(episode.end or today, today) - episode.start).days
    return max(so_far, episode.planned_days or 0)


def new_risk_factors(facts: PatientFacts, since: date, ignore: Iterable[str] = ()) -> tuple[CodedFact, ...]:
    """Risk factors first recorded on or after `since` (e.g. the start of therapy or of a drug holiday)."""
    skipped = frozenset(ignore)
    return tuple(r for r in facts.risk_factors if r.date is not None and r.date >= since and r.code not in skipped)


_AGENTS = {a.value: a for a in Agent}


def intolerant_agents(facts: PatientFacts) -> frozenset[Agent]:
    """Agents with an intolerance on record (`facts.intolerances` code = the Agent value)."""
    return frozenset(_AGENTS[i.code] for i in facts.intolerances if i.code in _AGENTS)


def unavailable_agents(facts: PatientFacts) -> frozenset[Agent]:
    """Never suggested as a new start: taken today, or not tolerated."""
    return current_agents(facts) | intolerant_agents(facts)


def current_medications(facts: PatientFacts, drug_class: str) -> tuple[Medication, ...]:
    """Drugs of a value-set class (e.g. "calcium-vitamin-d") taken today."""
    return tuple(
        m for m in facts.medications
        if m.drug_class == drug_class and (m.start is None or m.start <= facts.today) and (m.end is None or m.end >= facts.today)
    )


def labs_since(facts: PatientFacts, since: date) -> frozenset[str]:
    """Lab concepts (25-OH vitamin D as "vitamin-d") with a result dated on or after `since`."""
    measured = {concept for concept, m in facts.labs if m.date is not None and m.date >= since}
    if facts.vitamin_d is not None and facts.vitamin_d.date is not None and facts.vitamin_d.date >= since:
        measured.add("vitamin-d")
    return frozenset(measured)


def age_at(facts: PatientFacts, day: date) -> int | None:
    """The patient's age in whole years on `day` (None without a birth date)."""
    birth = facts.birth_date
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def recent_measure(measure: Measured | None, today: date, months: int) -> Measured | None:
    """The measurement if dated within the last `months` (an undated or older one does not count)."""
    if measure is None or measure.date is None or measure.date < add_months(today, -months):
        return None
    return measure

"""Treatment cycles of RCOP chart 3: when the 5/3-year evaluation falls due, how many cycles are done,
(therapy failure has one definition for both guidelines: pathways.safety.net).

A *course* is an uninterrupted run of one bisphosphonate class (all oral bisphosphonates, or zoledronic
acid); a drug holiday after a completed cycle ends a course, and the restart (RCOP-BP-6) begins a new one
whose cycles count again from the restart (rcop-2023.toml [bp] `restart_gap_months`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fhir_mappings.facts import ORAL_BISPHOSPHONATES, Agent, DxaExam, PatientFacts
from pathways import routines
from pathways.rcop.config import section

_CFG = section("bp")

Span = tuple[date, date]


def oral(agent: Agent) -> bool:
    """Alendronic / risedronic / ibandronic acid (5-year cycles) rather than zoledronic acid (3 years)."""
    return agent in ORAL_BISPHOSPHONATES


def cycle_years(agent: Agent) -> int:
    return _CFG["oral_cycle_years"] if oral(agent) else _CFG["zoledronic_cycle_years"]


def _class(agent: Agent) -> frozenset[Agent]:
    """Cycles count cumulatively within a class: all oral bisphosphonates, or zoledronic acid."""
    return ORAL_BISPHOSPHONATES if oral(agent) else frozenset({Agent.ZOLEDRONIC_ACID})


def _spans(facts: PatientFacts, agent: Agent) -> list[Span]:
    """Periods on the agent's class up to today, overlapping or touching episodes merged, oldest first."""
    merged: list[Span] = []
    for start, end in sorted((e.start, min(e.end or facts.today, facts.today)) for e in routines.episodes(facts, _class(agent))):
        if start > facts.today:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _exposure_reached(spans: list[Span], years: int) -> date | None:
    """The day `years` on the drug were reached within `spans` (a gap does not count), or None.

    The length of `years` is taken in calendar years from the first day, so one uninterrupted episode from
    2021-11-22 completes 5 years on 2026-11-22.
    """
    first = spans[0][0]
    remaining = (routines.add_months(first, 12 * years) - first).days
    for start, end in spans:
        if (end - start).days >= remaining:
            return start + timedelta(days=remaining)
        remaining -= (end - start).days
    return None


def _infusions_reached(facts: PatientFacts, agent: Agent, spans: list[Span], n: int) -> date | None:
    """Zoledronic acid: the day the year covered by the (n x 3)th infusion of this course is over, or None.

    Interpretation (rcop-2023.toml [bp] `zoledronic_infusion_months`): "Zoledroninezuur 3 jaar" is three yearly
    infusions *and* the year each one covers, so the cycle is complete 12 months after the 3rd infusion — with
    yearly infusions the same day as 3 years after the first.
    """
    if oral(agent):
        return None
    given = [d for d in routines.administrations(facts, agent) if spans[0][0] <= d <= spans[-1][1]]
    count = n * _CFG["zoledronic_cycle_infusions"]
    return routines.add_months(given[count - 1], _CFG["zoledronic_infusion_months"]) if len(given) >= count else None


def _cycle_dates(facts: PatientFacts, agent: Agent, spans: list[Span], until: date) -> list[date]:
    """The days cycles 1, 2, ... of one course were complete, up to `until` (whichever rule is met first)."""
    done: list[date] = []
    while True:
        n = len(done) + 1
        found = [d for d in (_exposure_reached(spans, n * cycle_years(agent)), _infusions_reached(facts, agent, spans, n)) if d]
        if not found or min(found) > until:
            return done
        done.append(min(found))


def _courses(facts: PatientFacts, agent: Agent) -> list[list[Span]]:
    """The class's periods grouped into courses: a new course starts after a drug holiday.

    Interpretation (rcop-2023.toml [bp] `restart_gap_months`): a break of at least that long, after at least one
    completed cycle, is a drug holiday (RCOP-BP-5) and what follows a restart (RCOP-BP-6); a shorter break (a
    late refill, a switch between oral bisphosphonates) or one before the first cycle was complete continues
    the course.
    """
    courses: list[list[Span]] = []
    for span in _spans(facts, agent):
        if courses:
            gap_over = routines.add_months(courses[-1][-1][1], _CFG["restart_gap_months"]) <= span[0]
            if not (gap_over and _cycle_dates(facts, agent, courses[-1], span[0])):
                courses[-1].append(span)
                continue
        courses.append([span])
    return courses


def _counted(facts: PatientFacts, agent: Agent) -> list[tuple[list[Span], list[date]]]:
    """Each course with the days its cycles were complete (a course's cycles end where the next course starts)."""
    courses = _courses(facts, agent)
    ends = [c[0][0] for c in courses[1:]] + [facts.today]
    return [(c, _cycle_dates(facts, agent, c, end)) for c, end in zip(courses, ends)]


def cycles_done(facts: PatientFacts, agent: Agent) -> int:
    """Treatment cycles completed in the agent's class, over all courses (RCOP-BP-8 "maximaal 2 behandelcycli")."""
    return sum(len(dates) for _, dates in _counted(facts, agent))


@dataclass(frozen=True)
class Evaluation:
    """The 5/3-year evaluation of the current course (RCOP-BP-1)."""

    due: date          # when it fell due: the day the course's latest cycle was complete
    cycles: int        # cycles completed over all courses, this one included (RCOP-BP-8)
    course_start: date  # the first day of the course: the first dose, or the restart after a drug holiday
    restarted: bool    # the course began with a restart after a drug holiday (RCOP-BP-6)


def evaluation(facts: PatientFacts, agent: Agent) -> Evaluation | None:
    """The evaluation of the current course, once its first cycle is complete; else None.

    After a restart (RCOP-BP-6) the count starts again, so the next evaluation falls due one cycle after the
    restart; for RCOP-BP-8 the cycles before the drug holiday still count.
    """
    counted = _counted(facts, agent)
    if not counted or not counted[-1][1]:
        return None
    spans, dates = counted[-1]
    return Evaluation(dates[-1], sum(len(d) for _, d in counted), spans[0][0], len(counted) > 1)


def evaluation_dxa(facts: PatientFacts, due: date) -> DxaExam | None:
    """The DXA the evaluation decides on: the latest one since it fell due, or up to
    `evaluation_dxa_window_months` before (Interpretation, rcop-2023.toml [bp]); None while it is still open."""
    return routines.latest_dxa(facts, since=routines.add_months(due, -_CFG["evaluation_dxa_window_months"]))


def follow_up_years(agent: Agent) -> int:
    """RCOP-BP-5: first follow-up DXA+VFA after a stop — 2 years (oral), 3 years (zoledronic acid)."""
    return _CFG["holiday_follow_up_years_oral"] if oral(agent) else _CFG["holiday_follow_up_years_zoledronic"]

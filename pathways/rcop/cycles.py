"""Treatment cycles of RCOP chart 3: when the 5/3-year evaluation falls due, how many cycles are done,
and what counts as therapy failure (the chart does not define it)."""

from __future__ import annotations

from datetime import date, timedelta

from fhir_mappings.facts import ORAL_BISPHOSPHONATES, Agent, PatientFacts, TherapyEpisode
from pathways import routines
from pathways.rcop.config import section

_CFG = section("bp")


def oral(agent: Agent) -> bool:
    """Alendronic / risedronic / ibandronic acid (5-year cycles) rather than zoledronic acid (3 years)."""
    return agent in ORAL_BISPHOSPHONATES


def cycle_years(agent: Agent) -> int:
    return _CFG["oral_cycle_years"] if oral(agent) else _CFG["zoledronic_cycle_years"]


def _class(agent: Agent) -> frozenset[Agent]:
    """Cycles count cumulatively within a class: all oral bisphosphonates, or zoledronic acid."""
    return ORAL_BISPHOSPHONATES if oral(agent) else frozenset({Agent.ZOLEDRONIC_ACID})


def cycles_reached(facts: PatientFacts, agent: Agent, n: int) -> bool:
    """`n` treatment cycles done: n x 5 years of oral bisphosphonate, or zoledronic acid for n x 3 years or
    n x 3 yearly infusions."""
    years = routines.exposure_days(facts, _class(agent)) >= routines.days_in_years(facts.today, n * cycle_years(agent))
    infusions = not oral(agent) and len(routines.administrations(facts, agent)) >= n * _CFG["zoledronic_cycle_infusions"]
    return years or infusions


def due_since(facts: PatientFacts, agent: Agent) -> date:
    """When the evaluation fell due: the day the first cycle was completed."""
    excess = routines.exposure_days(facts, _class(agent)) - routines.days_in_years(facts.today, cycle_years(agent))
    due = facts.today - timedelta(days=max(excess, 0))
    given = routines.administrations(facts, agent) if not oral(agent) else ()
    count = _CFG["zoledronic_cycle_infusions"]
    return min(due, given[count - 1]) if len(given) >= count else due


def therapy_failure(facts: PatientFacts, episode: TherapyEpisode) -> bool:
    """Therapy failure on `episode`.

    Interpretation (guidelines.md): "a new fragility fracture after >= 12 months on the drug, or bone loss > 5 %
    vs baseline while on it".
    """
    settled = routines.add_months(episode.start, _CFG["failure_min_months"])
    on_drug = routines.latest_dxa(facts, since=episode.start)
    return bool(routines.fractures_since(facts, settled)) or routines.bone_loss_exceeds(on_drug, _CFG["bone_loss_percent"])


def follow_up_years(agent: Agent) -> int:
    """RCOP-BP-5: first follow-up DXA+VFA after a stop — 2 years (oral), 3 years (zoledronic acid)."""
    return _CFG["holiday_follow_up_years_oral"] if oral(agent) else _CFG["holiday_follow_up_years_zoledronic"]

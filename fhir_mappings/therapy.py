"""Osteoporosis drug records -> `TherapyEpisode`s per agent; other named drug classes -> `Medication`.

Records of one agent (orders, statements, dispenses, administrations) are joined into one episode
by `courses.join` while the gaps between them stay short; a longer gap starts a new episode, so a
drug holiday is the gap between two episodes of the same class. An injection or infusion covers its
dosing interval (denosumab 6 months, zoledronic acid 1 year) from the day it was given.
"""

from __future__ import annotations

from datetime import date

from fhir_mappings.collector import Collector
from fhir_mappings.courses import Span, course_end, join, rules, span_of
from fhir_mappings.dates import shift
from fhir_mappings.facts import Agent, Decision, Medication, Provenance, TherapyEpisode
from fhir_mappings.medications import MedUse
from fhir_mappings.plausibility import plausible_date
from fhir_mappings.provenance import provenance

OSTEOPOROSIS_VALUESETS = frozenset({"bisphosphonates-oral", "bisphosphonates-iv", "denosumab", "anabolics", "raloxifene"})
_NOT_OTHER = OSTEOPOROSIS_VALUESETS | {"glucocorticoids-systemic"}
# Where an administration date is taken from, best first (issue #3: administration, else dispense, else order).
_ADMIN_SOURCES = ("MedicationAdministration", "MedicationDispense", "MedicationRequest", "MedicationStatement")


def agent_of(use: MedUse) -> Agent | None:
    """The osteoporosis agent a medication record names (None for other drugs)."""
    agent = next((c.get("agent") for c in use.codes if c.valueset in OSTEOPOROSIS_VALUESETS), None)
    return Agent(agent) if agent else None


def coverage_days(agent: Agent) -> int | None:
    """Days one injection/infusion of `agent` covers (None for a drug not given by a professional)."""
    return rules()["coverage_days"][agent] if agent in rules()["administered"] else None


def _administrations(uses: list[MedUse]) -> list[tuple[date, MedUse]]:
    for kind in _ADMIN_SOURCES:
        found = [(u.administered or u.start, u) for u in uses if u.resource["resourceType"] == kind]
        dated = [(d, u) for d, u in found if d is not None]
        if dated:
            return dated
    return []


def _spans(agent: Agent, uses: list[MedUse]) -> tuple[list[Span], list[date]]:
    spans = [span_of(use, use.start) for use in uses if use.start is not None]
    given: list[date] = []
    cover = coverage_days(agent)
    if cover is not None:
        administrations = _administrations(uses)
        given = sorted({d for d, _ in administrations})
        spans += [Span(d, shift(d, cover), u) for d, u in administrations]
    return spans, given


def _sources(group: list[Span]) -> tuple[Provenance, ...]:
    seen = {s.use.reference: provenance(s.use.resource, s.use.start, s.use.display) for s in group}
    return tuple(seen[k] for k in sorted(seen))


def episodes_for(agent: Agent, uses: list[MedUse], today: date) -> list[TherapyEpisode]:
    spans, given = _spans(agent, uses)
    out = []
    for group in join(spans, "osteoporosis-drugs"):
        start = group[0].start
        end = course_end(group)
        if end is not None and end >= today:
            end = None
        days_given = tuple(d for d in given if start <= d and (end is None or d <= end))
        out.append(
            TherapyEpisode(agent, start, end, _sources(group), max(days_given) if days_given else None, days_given)
        )
    return out


def map_therapies(uses: list[MedUse], ctx: Collector) -> tuple[TherapyEpisode, ...]:
    by_agent: dict[Agent, list[MedUse]] = {}
    for use in uses:
        agent = agent_of(use)
        if agent is None:
            continue
        if use.start is None:
            ctx.gap("no-date", f"{agent} record without a date", use.reference, Decision.OSTEOPOROSIS_DRUG)
            continue
        if plausible_date(use.start, ctx, use.reference, Decision.OSTEOPOROSIS_DRUG):
            by_agent.setdefault(agent, []).append(use)
    episodes = [e for agent, group in by_agent.items() for e in episodes_for(agent, group, ctx.today)]
    return tuple(sorted(episodes, key=lambda e: (e.start, e.agent)))


def map_other_medications(uses: list[MedUse], today: date) -> tuple[Medication, ...]:
    """Current drugs of the other named classes (fall-risk, bone-loss, supplements)."""
    out = []
    for use in uses:
        if use.end is not None and use.end < today:
            continue
        for drug_class in sorted({c.valueset for c in use.codes} - _NOT_OTHER):
            substances = tuple(sorted({s for c in use.codes if c.valueset == drug_class for s in c.get("substances", ())}))
            source = provenance(use.resource, use.start, use.display)
            out.append(Medication(drug_class, use.display, use.start, use.end, source, substances))
    return tuple(sorted(out, key=lambda m: (m.drug_class, m.start or date.min, m.source.reference)))

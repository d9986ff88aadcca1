"""Osteoporosis drug records -> `TherapyEpisode`s per agent; other named drug classes -> `Medication`.

Records of one agent (orders, statements, dispenses, administrations) are merged into one episode
while the gaps between them stay short; a longer gap starts a new episode, so a drug holiday is
the gap between two episodes of the same class. An injection or infusion covers its dosing
interval (denosumab 6 months, zoledronic acid 1 year) from the day it was given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from fhir_mappings.collector import Collector
from fhir_mappings.facts import Agent, Medication, Provenance, TherapyEpisode
from fhir_mappings.medications import MedUse
from fhir_mappings.provenance import provenance
from fhir_mappings.valuesets import DATA_DIR

OSTEOPOROSIS_VALUESETS = frozenset({"bisphosphonates-oral", "bisphosphonates-iv", "denosumab", "anabolics", "raloxifene"})
_NOT_OTHER = OSTEOPOROSIS_VALUESETS | {"glucocorticoids-systemic"}
# Where an administration date is taken from, best first (issue #3: administration, else dispense, else order).
_ADMIN_SOURCES = ("MedicationAdministration", "MedicationDispense", "MedicationRequest", "MedicationStatement")


@cache
def _rules() -> dict[str, Any]:
    return json.loads((DATA_DIR / "therapy-episodes.json").read_text())


@dataclass
class _Span:
    start: date
    end: date | None
    use: MedUse


def _agent(use: MedUse) -> Agent | None:
    agent = next((c.get("agent") for c in use.codes if c.valueset in OSTEOPOROSIS_VALUESETS), None)
    return Agent(agent) if agent else None


def _administrations(uses: list[MedUse]) -> list[tuple[date, MedUse]]:
    for kind in _ADMIN_SOURCES:
        found = [(u.administered or u.start, u) for u in uses if u.resource["resourceType"] == kind]
        dated = [(d, u) for d, u in found if d is not None]
        if dated:
            return dated
    return []


def _spans(agent: Agent, uses: list[MedUse]) -> tuple[list[_Span], list[date]]:
    rules = _rules()
    spans = []
    for use in uses:
        end = use.end
        if use.resource["resourceType"] == "MedicationDispense" and end == use.start:
            end = use.start + timedelta(days=rules["dispense_default_days"])
        spans.append(_Span(use.start, end, use))
    given: list[date] = []
    if agent in rules["administered"]:
        cover = timedelta(days=rules["coverage_days"][agent])
        administrations = _administrations(uses)
        given = sorted({d for d, _ in administrations})
        spans += [_Span(d, d + cover, u) for d, u in administrations]
    return spans, given


def _merge(spans: list[_Span]) -> list[list[_Span]]:
    gap = timedelta(days=_rules()["max_gap_days"])
    groups: list[list[_Span]] = []
    end: date | None = None
    for span in sorted(spans, key=lambda s: (s.start, s.end or date.max, s.use.reference)):
        if groups and (end is None or span.start <= end + gap):
            groups[-1].append(span)
            end = None if end is None or span.end is None else max(end, span.end)
        else:
            groups.append([span])
            end = span.end
    return groups


def _sources(group: list[_Span]) -> tuple[Provenance, ...]:
    seen = {s.use.reference: provenance(s.use.resource, s.use.start, s.use.display) for s in group}
    return tuple(seen[k] for k in sorted(seen))


def episodes_for(agent: Agent, uses: list[MedUse], today: date) -> list[TherapyEpisode]:
    spans, given = _spans(agent, uses)
    out = []
    for group in _merge(spans):
        start = group[0].start
        ends = [s.end for s in group]
        end = None if None in ends else max(e for e in ends if e is not None)
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
        agent = _agent(use)
        if agent is None:
            continue
        if use.start is None:
            ctx.gap("no-date", f"{agent} record without a date", use.reference)
            continue
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
            out.append(Medication(drug_class, use.display, use.start, use.end, provenance(use.resource, use.start, use.display)))
    return tuple(sorted(out, key=lambda m: (m.drug_class, m.start or date.min, m.source.reference)))

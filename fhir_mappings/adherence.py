"""Dispensed supplies and given doses of an osteoporosis drug -> its proportion of days covered (PDC).

Only records that say how long they cover count: a MedicationDispense with a `daysSupply`, or a
MedicationAdministration of an injected/infused agent (it covers the dosing interval of
`therapy-episodes.json`). Administrations win over dispenses when both exist (what was given, not only
handed over). An early refill shifts the next supply to the end of the previous one, so overlapping
supplies are not counted twice. Orders and statements say nothing about days covered: no PDC from them.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache

from fhir_mappings.dates import shift
from fhir_mappings.facts import Adherence, Agent
from fhir_mappings.medications import MedUse
from fhir_mappings.provenance import provenance
from fhir_mappings.therapy import agent_of, coverage_days
from fhir_mappings.valuesets import DATA_DIR

Supply = tuple[date, int, MedUse]  # (first day, days covered, record)


@cache
def _window_days() -> int:
    return json.loads((DATA_DIR / "adherence.json").read_text())["window_days"]


def _supplies(agent: Agent, uses: list[MedUse]) -> list[Supply]:
    given = coverage_days(agent)
    administrations = [
        (u.administered, given, u) for u in uses
        if given and u.administered and u.resource["resourceType"] == "MedicationAdministration"
    ]
    if administrations:
        return sorted(administrations, key=lambda s: (s[0], s[2].reference))
    dispenses = [
        (u.start, (u.end - u.start).days, u) for u in uses
        if u.resource["resourceType"] == "MedicationDispense" and u.start and u.end and u.end > u.start
    ]
    return sorted(dispenses, key=lambda s: (s[0], s[2].reference))


def _pdc(agent: Agent, supplies: list[Supply], today: date) -> Adherence:
    """Days covered / days in the window (the last `window_days`, or since the first supply when later)."""
    start = max(supplies[0][0], today - timedelta(days=_window_days() - 1))
    covered, cursor, counted = 0, date.min, []
    for day, days, use in supplies:
        begin = max(day, cursor)
        cursor = shift(begin, days)  # exclusive end; saturates at the calendar's end
        inside = (min(cursor, today + timedelta(days=1)) - max(begin, start)).days
        if inside > 0:
            covered += inside
            counted.append(provenance(use.resource, day, use.display))
    window = (today - start).days + 1
    return Adherence(agent, covered / window, start, today, tuple(counted))


def map_adherence(uses: list[MedUse], today: date) -> tuple[Adherence, ...]:
    """PDC per osteoporosis agent whose dispenses or administrations show the days covered."""
    by_agent: dict[Agent, list[MedUse]] = {}
    for use in uses:
        agent = agent_of(use)
        if agent is not None and use.start is not None and use.start <= today:
            by_agent.setdefault(agent, []).append(use)
    supplied = ((agent, _supplies(agent, group)) for agent, group in sorted(by_agent.items()))
    return tuple(_pdc(agent, supplies, today) for agent, supplies in supplied if supplies)

"""Systemic glucocorticoid records -> `GlucocorticoidEpisode` in prednisone-equivalent mg/day.

Inhaled, nasal, topical and rectal routes, and budesonide (high first-pass, no accepted systemic
equivalence), are not bone-relevant exposure: they are left out with a DataGap saying so, so the
reader can see they were seen and deliberately not counted.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache

from fhir_mappings.collector import Collector
from fhir_mappings.dosage import daily_mg
from fhir_mappings.facts import GlucocorticoidEpisode
from fhir_mappings.medications import MedUse
from fhir_mappings.provenance import concept_text, provenance
from fhir_mappings.valuesets import DATA_DIR, match_concept

VALUESET = "glucocorticoids-systemic"


@cache
def prednisone_factors() -> dict[str, float]:
    data = json.loads((DATA_DIR / "prednisone-equivalence.json").read_text())
    return {name: entry["factor"] for name, entry in data["substances"].items()}


def _non_systemic_route(use: MedUse) -> str | None:
    """The display of a local route; "unknown: ..." for a route given but not in the route list.

    Only a route known to be systemic (or no route at all: tablets are oral) counts as exposure.
    """
    for dosage in use.dosages:
        route = dosage.get("route")
        if route is None:
            continue
        known = match_concept([route], "routes")
        if not known:
            return f"unknown: {concept_text(route) or repr(route)}"
        for code in known:
            if code.get("systemic") is False:
                return code.display
    return None


def _substance(use: MedUse) -> str | None:
    return next((c.get("substance") for c in use.codes if c.valueset == VALUESET and c.get("substance")), None)


def episode_from(use: MedUse, ctx: Collector) -> GlucocorticoidEpisode | None:
    if any(c.valueset == VALUESET and c.get("systemic") is False for c in use.codes):
        ctx.gap("non-systemic-glucocorticoid", "budesonide: no systemic prednisone equivalence", use.reference)
        return None
    route = _non_systemic_route(use)
    if route is not None and route.startswith("unknown: "):
        ctx.gap("non-systemic-glucocorticoid", f"route {route[9:]} not in the route list: not counted", use.reference)
        return None
    if route is not None:
        ctx.gap("non-systemic-glucocorticoid", f"route: {route}", use.reference)
        return None
    if use.start is None:
        ctx.gap("no-date", "glucocorticoid record without a start date", use.reference)
        return None
    substance = _substance(use)
    factor = prednisone_factors().get(substance or "")
    mg = daily_mg(use, ctx)
    if factor is None:
        ctx.gap("unknown-glucocorticoid", f"no prednisone equivalence for {substance or use.display}", use.reference)
    equivalent = round(mg * factor, 2) if mg is not None and factor is not None else None
    recorded = f"{round(mg, 2)} mg/d {substance}" if mg is not None else use.display
    return GlucocorticoidEpisode(
        substance=substance or use.display,
        prednisone_mg_per_day=equivalent,
        start=use.start,
        end=use.end,
        source=provenance(use.resource, use.start, recorded),
        planned_days=use.planned_days,
        draft=use.draft,
    )


def map_glucocorticoids(uses: list[MedUse], ctx: Collector) -> tuple[GlucocorticoidEpisode, ...]:
    episodes = [e for u in uses if any(c.valueset == VALUESET for c in u.codes) for e in [episode_from(u, ctx)] if e]
    return tuple(sorted(episodes, key=lambda e: (e.start, e.end or date.max, e.source.reference)))

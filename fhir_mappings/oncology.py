"""Denosumab 120 mg (Xgeva) and zoledronic acid 4 mg (Zometa) are oncology regimens, not osteoporosis therapy.

Both share their ATC code with the osteoporosis product (M05BX04, M05BA08), so the product code
or the dose tells them apart (data/oncology-regimens.json). A record without either belongs with the
nearest dated record of the same agent that has one: the undosed administrations of an Xgeva course
are Xgeva. With no dosed record at all the agent is taken as osteoporosis therapy, as an Assumption.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from typing import Any

from fhir_mappings.collector import Collector
from fhir_mappings.dosage import single_doses_mg
from fhir_mappings.medications import MedUse
from fhir_mappings.therapy import OSTEOPOROSIS_VALUESETS
from fhir_mappings.valuesets import DATA_DIR

ONCOLOGY, OSTEOPOROSIS = "oncology", "osteoporosis"


@cache
def _agents() -> dict[str, dict[str, Any]]:
    return json.loads((DATA_DIR / "oncology-regimens.json").read_text())["agents"]


def _agent(use: MedUse) -> str | None:
    return next((c.get("agent") for c in use.codes if c.valueset in OSTEOPOROSIS_VALUESETS and c.get("agent") in _agents()), None)


def _regimen(use: MedUse, agent: str) -> str | None:
    """The regimen a record names by product code or dose, None when it names neither."""
    named = {c.get("regimen") for c in use.codes if c.get("regimen")}
    if named:
        return ONCOLOGY if ONCOLOGY in named else OSTEOPOROSIS
    doses = single_doses_mg(use)
    if not doses:
        return None
    rule = _agents()[agent]
    oncology = any(
        dose >= rule.get("oncology_from_mg", float("inf")) or dose <= rule.get("oncology_up_to_mg", float("-inf"))
        for dose in doses
    )
    return ONCOLOGY if oncology else OSTEOPOROSIS


def _nearest(use: MedUse, dosed: list[tuple[MedUse, str]]) -> str:
    """The regimen of the closest dated dosed record (oncology on a tie: the safer reading)."""
    day = use.start or date.min
    return min(dosed, key=lambda d: (abs(((d[0].start or date.min) - day).days), d[1] != ONCOLOGY))[1]


def split_oncology(uses: list[MedUse], ctx: Collector) -> tuple[list[MedUse], list[MedUse]]:
    """(osteoporosis-drug records, oncology-regimen records); other drugs stay with the first."""
    by_agent: dict[str, list[MedUse]] = {}
    for use in uses:
        agent = _agent(use)
        if agent is not None:
            by_agent.setdefault(agent, []).append(use)
    oncology: set[int] = set()
    for agent, group in sorted(by_agent.items()):
        named = [(u, r) for u in group if (r := _regimen(u, agent)) is not None]
        undosed = [u for u in group if all(u is not n for n, _ in named)]
        if undosed and not named:
            latest = max(undosed, key=lambda u: (u.start or date.min, u.reference))
            ctx.assume("osteoporosis-regimen-without-dose", agent=agent, reference=latest.reference)
        regimens = named + [(u, _nearest(u, named)) for u in undosed if named]
        oncology |= {id(u) for u, regimen in regimens if regimen == ONCOLOGY}
    return [u for u in uses if id(u) not in oncology], [u for u in uses if id(u) in oncology]

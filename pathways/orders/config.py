"""The order checks' thresholds, accepted regimens and topics, read once from `orders.toml` (each entry names its row)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fhir_mappings.facts import Agent
from pathways.recommendation import Topic

with Path(__file__).with_name("orders.toml").open("rb") as _fh:
    _DATA: dict[str, Any] = tomllib.load(_fh)

_DAYS = {"d": 1.0, "wk": 7.0, "mo": 365.25 / 12, "a": 365.25}  # UCUM time units of Timing.repeat.periodUnit


def section(name: str) -> MappingProxyType:
    """One table of orders.toml, read-only."""
    return MappingProxyType(_DATA[name])


def topic(row: str) -> Topic:
    """The topic a row's findings are said under (guidelines.md: every row not listed -> order-safety)."""
    topics = _DATA["topics"]
    return Topic(topics.get(row, topics["other"]))


@dataclass(frozen=True)
class Regimen:
    """An accepted regimen of ORDER-DOSE: one dose, `frequency` times per `period` `period_unit`."""

    id: str
    agent: Agent
    dose_mg: float
    frequency: int
    period: int
    period_unit: str  # UCUM: d, wk, mo, a
    standard: bool = False  # suggested by an update when no accepted regimen has the draft's own dose
    single: bool = False  # a one-off administration of this dose matches it (an infusion or injection ordered singly)
    after_denosumab: bool = False  # accepted only with denosumab on record (RCOP-DMAB-5)

    @property
    def per_day(self) -> float:
        return self.frequency / (self.period * _DAYS[self.period_unit])


REGIMENS: tuple[Regimen, ...] = tuple(
    Regimen(r["id"], Agent(r["agent"]), float(r["dose_mg"]), r["frequency"], r["period"], r["period_unit"],
            r.get("standard", False), r.get("single", False), r.get("after_denosumab", False))
    for r in _DATA["regimen"]
)


def regimens(agent: Agent) -> tuple[Regimen, ...]:
    return tuple(r for r in REGIMENS if r.agent is agent)


def regimen(regimen_id: str) -> Regimen:
    """An accepted regimen by id (KeyError for an unknown one)."""
    return {r.id: r for r in REGIMENS}[regimen_id]

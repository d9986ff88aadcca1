"""The gate thresholds and their sources, read once from `gates.toml`."""

from __future__ import annotations

import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fhir_mappings.facts import Agent

with Path(__file__).with_name("gates.toml").open("rb") as _fh:
    _DATA: dict[str, Any] = tomllib.load(_fh)


def section(name: str) -> MappingProxyType:
    """One table of gates.toml, read-only."""
    return MappingProxyType(_DATA[name])


def gate(node: str) -> MappingProxyType:
    """One gate's row (e.g. `gate("GATE-RENAL-ZOL")["clearance_below"]`)."""
    return MappingProxyType(_DATA["gate"][node])


def smpc(node: str) -> tuple[str, ...]:
    """The product information a gate rests on, as a card cites it ("Aclasta 4.3/4.4"); none for a net node."""
    return tuple(s["cite"] for s in _DATA["gate"].get(node, {}).get("sources", ()))


def gate_nodes() -> tuple[str, ...]:
    return tuple(_DATA["gate"])


def agents(names: list[str]) -> frozenset[Agent]:
    return frozenset(Agent(a) for a in names)


WINDOWS = section("windows")
HIGH_IMPACT = agents(_DATA["high_impact"]["agents"])

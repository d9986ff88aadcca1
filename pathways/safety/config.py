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


def smpc(node: str, drugs: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The product information a gate (or an ORDER row, gates.toml [row]) rests on, as a card cites it ("Aclasta
    4.3/4.4"); none for a net node. With `drugs` (the agents the card says the node about), only the sources of those
    products: a card about alendronic acid cites Fosamax, not Aclasta."""
    row = _DATA["gate"].get(node) or _DATA["row"].get(node, {})
    sources = row.get("sources", ())
    return tuple(s["cite"] for s in sources if not drugs or "agents" not in s or drugs & set(s["agents"]))


def gate_nodes() -> tuple[str, ...]:
    return tuple(_DATA["gate"])


def agents(names: list[str]) -> frozenset[Agent]:
    return frozenset(Agent(a) for a in names)


WINDOWS = section("windows")
HIGH_IMPACT = agents(_DATA["high_impact"]["agents"])

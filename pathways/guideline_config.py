"""A guideline's thresholds, regimens and Interpretations, read once from its TOML file (every entry there
names the node it serves)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fhir_mappings.facts import Agent


class GuidelineConfig:
    """One guideline's TOML file: its id, read-only tables and regimen lists."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as fh:
            self._data: dict[str, Any] = tomllib.load(fh)
        self.guideline: str = self._data["guideline"]

    def section(self, name: str) -> MappingProxyType:
        """One table, read-only (e.g. `section("fx")["min_age"]`)."""
        return MappingProxyType(self._data[name])

    def regimen(self, name: str) -> tuple[Agent, ...]:
        """A regimen list by name, in the guideline's order (e.g. `regimen("hip")`)."""
        return tuple(Agent(a) for a in self._data["regimens"][name])

"""The RCOP thresholds and regimens, read once from `rcop-2023.toml` (every entry there names its node)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fhir_mappings.facts import Agent

_PATH = Path(__file__).with_name("rcop-2023.toml")


def _load() -> dict[str, Any]:
    with _PATH.open("rb") as fh:
        return tomllib.load(fh)


_DATA = _load()
GUIDELINE: str = _DATA["guideline"]


def section(name: str) -> MappingProxyType:
    """One table of the TOML file, read-only (e.g. `section("fx")["min_age"]`)."""
    return MappingProxyType(_DATA[name])


def regimen(name: str) -> tuple[Agent, ...]:
    """A regimen list by name, 1st choice first (e.g. `regimen("hip")`)."""
    return tuple(Agent(a) for a in _DATA["regimens"][name])


T = section("t_score")
VF_THERAPY_GRADE: int = _DATA["vertebral_fracture"]["therapy_grade"]

"""Shared helpers for the fhir_mappings tests: fixture paths and loaders (no tests here)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from fhir_mappings import build_facts
from fhir_mappings.bundle import iter_resources
from fhir_mappings.facts import PatientFacts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mappings"
SHARED = Path(__file__).resolve().parents[2] / "shared"
SYNTHEA = SHARED / "synthea"
TODAY = date(2024, 7, 1)


def load(name: str) -> dict:
    """A fixture Bundle from fixtures/mappings/."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


def resources(name: str) -> list[dict]:
    return list(iter_resources(load(name)))


def facts_of(name: str, today: date = TODAY) -> PatientFacts:
    return build_facts(load(name), today=today)


def by_id(items: list[dict], resource_id: str) -> dict:
    return next(r for r in items if r.get("id") == resource_id)

"""Each service's declared reads are exactly what its pathways read, so its prefetch asks for no more and no less.

Every fixture (rcop, mappings, the Synthea records) is mapped and run through each guideline that has pathways,
with a `PatientFacts` that records which fields the pathways touch; the fields map to fact groups
(fhir_mappings/data/fact-groups.json). The order services run their checks on every order fixture's record with its
draft orders, at signing (every draft evaluated). A pathway that starts reading an undeclared group fails here, and so
does a declaration of a group no pathway reads.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import fields
from datetime import date
from functools import cache
from pathlib import Path

import pytest

import pathways
import pathways.orders
from cds_service.services import PATIENT_VIEW, SERVICES
from fhir_mappings import build_facts
from fhir_mappings.bundle import iter_resources
from fhir_mappings.drafts import read_drafts
from fhir_mappings.facts import PatientFacts
from fhir_mappings.prefetch import closure, group_of_field, templates
from tests.order_fixtures import load, names

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = [*sorted((ROOT / "fixtures").glob("*/*.json")), *sorted((ROOT.parent / "shared" / "synthea" / "bundles").glob("*.json"))]
TODAY = date(2026, 11, 22)
FIELDS = {f.name for f in fields(PatientFacts)}
RUNNING = [s for s in SERVICES.values() if s.hook != PATIENT_VIEW or s.guideline in pathways.GUIDELINES]


def recording(facts: PatientFacts, seen: set[str]) -> PatientFacts:
    """The same facts, noting every field read (properties such as `latest_dxa` note the fields they use). A copy
    with one field changed (`dataclasses.replace`, as the order checks make to run a chart with a planned
    glucocorticoid course) is not a read: the copy records what is then used of it."""

    class Recording(PatientFacts):
        def __getattribute__(self, name: str):
            if name in FIELDS and sys._getframe(1).f_code is not dataclasses.replace.__code__:
                seen.add(name)
            return object.__getattribute__(self, name)

    return Recording(**{name: getattr(facts, name) for name in FIELDS})


@cache
def groups_read(guideline: str, hook: str = PATIENT_VIEW) -> frozenset[str]:
    seen: set[str] = set()
    if hook == PATIENT_VIEW:
        for path in FIXTURES:
            facts = build_facts(json.loads(path.read_text(encoding="utf-8")), today=TODAY)
            pathways.evaluate(guideline, recording(facts, seen))
    else:
        for name in names():
            record, drafts = load(name)
            facts = build_facts(record, today=TODAY)
            read = read_drafts(list(iter_resources(drafts)), list(iter_resources(record)), today=TODAY, patient_id=facts.patient_id)
            pathways.orders.evaluate(guideline, recording(facts, seen), read.orders, sign=True)
    owner = group_of_field()
    return frozenset(owner[f] for f in seen if f in owner)


def test_the_fixtures_exercise_the_pathways():
    assert len(FIXTURES) > 90 and RUNNING
    assert {"dxa", "glucocorticoids", "risk-score"} <= groups_read("rcop-2023")


@pytest.mark.parametrize("service", RUNNING, ids=lambda s: s.id)
def test_a_service_declares_exactly_the_fact_groups_its_pathways_read(service):
    assert groups_read(service.guideline, PATIENT_VIEW if service.hook == PATIENT_VIEW else "order") == service.reads


@pytest.mark.parametrize("service", SERVICES.values(), ids=lambda s: s.id)
def test_every_declared_group_exists_and_its_templates_follow_the_declaration(service):
    closure(service.reads)  # KeyError for a group the mapping does not know
    assert service.prefetch == templates(service.reads)

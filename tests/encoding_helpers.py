"""Shared helpers for the "same patient, other encoding" tests (no tests here).

`plan(cards)` reads an answer as the clinical outcome only: the topics (each card's `source.topic.code` plus its
`extension["org.osteocds.topics"]`, so the assertions survive cards being recomposed into one plan card), the
drugs (ATC codes of any suggested MedicationRequest) and, among them, those of recommended suggestions. `FakeFhirServer` answers the service's FHIR fallback the
way a real server does: a `code=` search returns only the records whose code is one of the tokens asked for.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import responses

from cds_service.bundle_request import request_from_bundle
from cds_service.bundle_request import searchset

FHIR = "https://fhir.example.org/r4"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ATC = "http://www.whocc.no/atc"
TOPICS_EXTENSION = "org.osteocds.topics"


class Plan(NamedTuple):
    topics: frozenset[str]
    drugs: frozenset[str]  # ATC codes of every suggested drug
    recommended: frozenset[str]  # ATC codes of the drugs suggested with isRecommended


NOTHING = Plan(frozenset(), frozenset(), frozenset())


def plan(cards: list[dict]) -> Plan:
    """The clinical outcome of an answer, whatever the cards' composition."""
    topics: set[str] = set()
    drugs: set[str] = set()
    recommended: set[str] = set()
    for card in cards:
        topics.add(card["source"]["topic"]["code"])
        topics.update((card.get("extension") or {}).get(TOPICS_EXTENSION, ()))
        for suggestion in card.get("suggestions", ()):
            for action in suggestion.get("actions", ()):
                resource = action.get("resource") or {}
                if resource.get("resourceType") == "MedicationRequest":
                    codings = resource.get("medicationCodeableConcept", {}).get("coding", ())
                    atc = {c["code"] for c in codings if c.get("system") == ATC}
                    drugs.update(atc)
                    recommended.update(atc if suggestion.get("isRecommended") else ())
    return Plan(frozenset(topics), frozenset(drugs), frozenset(recommended))


def work_up(patient_id: str) -> list[dict]:
    """A normal recent lab panel and weight for the patient (fixtures/fhir_builders.py `Record.workup`), so the
    safety gates pass and the encoding tests compare the charts' own drug."""
    spec = importlib.util.spec_from_file_location("fhir_builders", FIXTURES / "fhir_builders.py")
    builders = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builders)
    record = builders.Record(patient_id, None).workup()
    return [{**r, "id": f"workup-{r['id']}"} for r in record.resources[1:]]


def bundle(*resources: dict) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def prefetch_body(resources: list[dict]) -> dict:
    """The patient-view request with every discovery key prefetched (what a well-behaved EHR sends)."""
    return request_from_bundle(bundle(*resources))


def fetch_body(patient_id: str) -> dict:
    """The patient-view request with no prefetch at all: the service fetches every key from the FHIR server."""
    return {
        "hook": "patient-view", "hookInstance": "11111111-2222-3333-4444-555555555555",
        "context": {"userId": "Practitioner/u1", "patientId": patient_id}, "prefetch": {},
        "fhirServer": FHIR, "fhirAuthorization": {"access_token": "t", "token_type": "Bearer", "expires_in": 300,
                                                 "scope": "user/*.read", "subject": "osteocds"},
    }


def _codes(resource: dict) -> set[str]:
    concept = resource.get("code") or resource.get("medicationCodeableConcept") or {}
    return {f"{c.get('system')}|{c.get('code')}" for c in concept.get("coding", ())}


class FakeFhirServer:
    """Serves `resources` to the FHIR fallback: reads by id, searches by type, patient and `code` tokens."""

    def __init__(self, resources: list[dict]) -> None:
        self.resources = resources
        self.searches: list[str] = []

    def _answer(self, request) -> tuple[int, dict, str]:
        url = urlsplit(request.url)
        path = url.path[len(urlsplit(FHIR).path):].strip("/")
        if "/" in path:
            kind, rid = path.split("/", 1)
            found = next(r for r in self.resources if r["resourceType"] == kind and r["id"] == rid)
            return 200, {}, json.dumps(found)
        self.searches.append(request.url)
        query = parse_qs(url.query)
        tokens = set(query["code"][0].split(",")) if "code" in query else None
        hits = [r for r in self.resources if r["resourceType"] == path and (tokens is None or _codes(r) & tokens)]
        return 200, {}, json.dumps(searchset(hits))

    def __enter__(self) -> FakeFhirServer:
        self._mock = responses.RequestsMock()
        self._mock.__enter__()
        self._mock.add_callback(responses.GET, re.compile(re.escape(FHIR) + r"/.*"), callback=self._answer)
        return self

    def __exit__(self, *exc: object) -> None:
        self._mock.__exit__(*exc)

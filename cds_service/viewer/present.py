"""What the viewer shows of one evaluation: each card with its detail as safe HTML and the trace behind it (topics,
nodes, the FHIR resources its facts came from, what could not be read), and the whole call (facts, request, answer)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from cds_service.markdown import to_html
from cds_service.pipeline import Outcome
from cds_service.services import Service
from fhir_mappings.__main__ import render as render_facts
from fhir_mappings.bundle import iter_entries

MAX_SHOWN = 300_000  # characters of request JSON shown; a Synthea record is megabytes


@dataclass(frozen=True)
class Source:
    reference: str
    resource: str | None  # the resource's JSON as it arrived, None when the Bundle does not hold it


@dataclass(frozen=True)
class CardView:
    card: dict
    detail: Markup
    topics: tuple[str, ...]
    nodes: tuple[str, ...]
    sources: tuple[Source, ...]
    gaps: tuple[str, ...]
    links: tuple[dict, ...]  # http(s) links only
    suggestions: tuple[tuple[str, str], ...]  # (label, its actions as JSON)


@dataclass(frozen=True)
class Result:
    service: Service
    patient_id: str
    today: date
    lang: str
    resources: int
    millis: int
    cards: tuple[CardView, ...]
    facts: str
    request: str
    request_size: int
    response: str


def _pretty(value: object) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False)


def _index(bundle: object) -> dict[str, dict]:
    """Each resource of the Bundle by `Type/id` and by its entry's fullUrl, as a card's references name them."""
    found: dict[str, dict] = {}
    for full_url, res in iter_entries(bundle):
        if isinstance(res.get("id"), str):
            found.setdefault(f"{res['resourceType']}/{res['id']}", res)
        if full_url:
            found.setdefault(full_url, res)
    return found


def card_view(card: dict, resources: dict[str, dict]) -> CardView:
    ext = card.get("extension") or {}
    sources = tuple(Source(ref, _pretty(resources[ref]) if ref in resources else None)
                    for ref in ext.get("org.osteocds.sources") or ())
    links = tuple(link for link in card.get("links") or () if str(link.get("url", "")).startswith(("https://", "http://")))
    return CardView(card=card, detail=to_html(str(card.get("detail") or "")), topics=tuple(ext.get("org.osteocds.topics") or ()),
                    nodes=tuple(ext.get("org.osteocds.nodes") or ()), sources=sources,
                    gaps=tuple(ext.get("org.osteocds.gaps") or ()), links=links,
                    suggestions=tuple((s.get("label", ""), _pretty(s.get("actions") or [])) for s in card.get("suggestions") or ()))


def result(service: Service, bundle: object, request: dict, outcome: Outcome, *, today: date, lang: str,
           millis: int) -> Result:
    resources = _index(bundle)
    shown = _pretty(request)
    return Result(
        service=service, patient_id=request["context"]["patientId"], today=today, lang=lang,
        resources=sum(1 for _ in iter_entries(bundle)), millis=millis,
        cards=tuple(card_view(c, resources) for c in outcome.cards),
        facts=render_facts(outcome.facts) if outcome.facts is not None else "",
        request=shown[:MAX_SHOWN], request_size=len(shown), response=_pretty({"cards": outcome.cards}),
    )

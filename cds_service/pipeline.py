"""One CDS call, end to end: prefetch (+ FHIR fallback) -> facts -> pathways -> cards.

    resources = every prefetch value (and fetched keys), flattened, OperationOutcomes removed
    facts = build_facts(resources, today=today, patient_id=patientId)
    patient-view:   recommendations = pathways.evaluate(service.guideline, facts)
                    cards = cards.render(recommendations, patient_id=patientId, lang=lang)
    order services: drafts = read_drafts(context.draftOrders, resources, selections=context.selections)
                    recommendations = pathways.orders.evaluate(service.guideline, facts, drafts.orders, sign=...)
                    cards = cards.render_orders(recommendations, ..., drafts=drafts.resources)

The HTTP view, `osteocds evaluate`, the card viewer and the benchmark all go through `evaluate`; `run_bundle` is a
Bundle (and draft orders) sent through the same request builder, validation and pipeline as an HTTP call.
"""

from __future__ import annotations

import re
from urllib.parse import quote
from dataclasses import dataclass
from datetime import date
from typing import Any

import cards
import pathways
from cds_service.bundle_request import request_from_bundle
import pathways.orders
from cds_service.errors import PreconditionFailed
from cds_service.fhir_client import FetchError, FhirClient, next_link
from cds_service.services import ORDER_SIGN, PATIENT_VIEW, Service
from cds_service.storage import IssuedCard
from cds_service.validation import CdsRequest, validate_request
from fhir_mappings import build_facts
from fhir_mappings.facts import PatientFacts
from fhir_mappings.bundle import iter_resources
from fhir_mappings.drafts import read_drafts
from pathways.recommendation import Recommendation

TEMPLATE_TOKEN = re.compile(r"\{\{\s*([A-Za-z.]+)\s*\}\}")


@dataclass
class Outcome:
    cards: list[dict]
    recommendations: list[Recommendation]
    fetched_keys: tuple[str, ...] = ()
    facts: PatientFacts | None = None  # what the mappings read, for the viewer's trace


# prefetch ------------------------------------------------------------------------------------------------
def _failed(value: Any) -> bool:
    """A prefetch value that means 'the client could not get this': null or an OperationOutcome."""
    return value is None or (isinstance(value, dict) and value.get("resourceType") == "OperationOutcome")


def render_template(template: str, context: dict) -> str:
    """Replace {{context.X}} and {{userPractitionerId}}-style tokens; FetchError when one cannot be filled."""
    user = context.get("userId") if isinstance(context.get("userId"), str) else ""
    user_type, _, user_id = user.partition("/")

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("context."):
            v = context.get(name[len("context."):])
        elif name.startswith("user") and name.endswith("Id") and name[4:-2] == user_type:
            v = user_id
        else:
            v = None
        if not isinstance(v, str) or not v:
            raise FetchError(f"prefetch template token {{{{{name}}}}} cannot be filled")
        return quote(v, safe="")

    return TEMPLATE_TOKEN.sub(value, template)


def _flatten(values: list[Any]) -> list[dict]:
    """Every resource once (by type/id), OperationOutcome entries dropped."""
    out, seen = [], set()
    for res in iter_resources(values):
        if res.get("resourceType") == "OperationOutcome":
            continue
        rid = res.get("id")
        if isinstance(rid, str):
            key = (res["resourceType"], rid)
            if key in seen:
                continue
            seen.add(key)
        out.append(res)
    return out


def gather_resources(
    req: CdsRequest, templates: dict[str, str], client: FhirClient | None
) -> tuple[list[dict], tuple[str, ...]]:
    """All resources of the call: prefetched ones, then every template key the service advertises that is
    missing or failed, fetched (a template split into several keys is fetched key by key).

    Raises PreconditionFailed when something needed cannot be obtained.
    """
    values: list[Any] = []
    to_fetch: list[str] = []
    to_page: list[tuple[str, dict]] = []
    for key, value in req.prefetch.items():
        if _failed(value):
            if key in templates:
                to_fetch.append(key)
            continue
        if next_link(value) is not None:
            to_page.append((key, value))
        else:
            values.append(value)
    to_fetch += [k for k in templates if k not in req.prefetch]

    if to_fetch or to_page:
        needed = ", ".join([*to_fetch, *(k for k, _ in to_page)])
        if client is None:
            raise PreconditionFailed(f"prefetch incomplete ({needed}) and no fhirServer to fetch it from")
        if not client.usable():
            raise PreconditionFailed(f"prefetch incomplete ({needed}) and the fhirServer is not allow-listed")
        try:
            for key, bundle in to_page:
                values.extend(client.follow_pages(bundle))
            for key in to_fetch:
                query = render_template(templates[key], req.context)
                values.extend(client.search(query))
        except FetchError as exc:
            raise PreconditionFailed(f"cannot obtain the data: {exc}") from None
    return _flatten(values), tuple(to_fetch)


# evaluation ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DraftContext:
    """What an order hook's context adds: the draft orders, and (order-select) the selected ones."""

    drafts: tuple[dict, ...] = ()
    selections: tuple[str, ...] | None = None  # None: order-sign, every draft is evaluated

    @classmethod
    def of(cls, req: CdsRequest) -> DraftContext:
        selections = req.context.get("selections")
        return cls(tuple(req.draft_orders), tuple(selections) if isinstance(selections, list) else None)


def evaluate(service: Service, resources: list[dict], *, patient_id: str, today: date, lang: str,
             order: DraftContext | None = None) -> Outcome:
    facts = build_facts(resources, today=today, patient_id=patient_id)
    if service.hook == PATIENT_VIEW:
        recommendations = pathways.evaluate(service.guideline, facts)
        return Outcome(cards=cards.render(recommendations, patient_id=patient_id, lang=lang), recommendations=recommendations,
                       facts=facts)
    order = order or DraftContext()
    drafts = read_drafts(order.drafts, resources, today=today, patient_id=patient_id, selections=order.selections)
    recommendations = pathways.orders.evaluate(service.guideline, facts, drafts.orders, sign=service.hook == ORDER_SIGN,
                                               gaps=drafts.gaps)
    rendered = cards.render_orders(recommendations, patient_id=patient_id, lang=lang, drafts=drafts.resources or {})
    return Outcome(cards=rendered, recommendations=recommendations, facts=facts)


def run(service: Service, req: CdsRequest, client: FhirClient | None, *, today: date, lang: str) -> Outcome:
    """The call end to end; the FHIR fallback asks for what the service's own prefetch templates ask for."""
    resources, fetched = gather_resources(req, service.prefetch, client)
    order = DraftContext.of(req) if service.hook != PATIENT_VIEW else None
    outcome = evaluate(service, resources, patient_id=req.patient_id, today=today, lang=lang, order=order)
    outcome.fetched_keys = fetched
    return outcome


def run_bundle(service: Service, bundle: dict, *, today: date, lang: str,
               draft_orders: Any = None) -> tuple[dict, Outcome]:
    """(the CDS Hooks request, its outcome) for a patient's Bundle, without a FHIR server: the request an EHR would
    send (every prefetch key filled; draft orders as `context.draftOrders`/`selections`), validated as an HTTP call
    is. Raises ValueError for a Bundle without a Patient, BadRequest for a request the endpoint would refuse."""
    body = request_from_bundle(bundle, hook=service.hook, draft_orders=draft_orders)
    req = validate_request(body, service)
    return body, run(service, req, None, today=today, lang=lang)


def issued_cards(outcome: Outcome) -> list[IssuedCard]:
    """What the feedback join needs, read from the rendered cards themselves (no patient data).

    Per card: `uuid`, `source.topic.code`, the topics it covers (`extension["org.osteocds.topics"]`, default its own
    topic) and its node ids (`extension["org.osteocds.nodes"]`). Per suggestion with a `uuid`: its topic
    (`extension["org.osteocds.topic"]`, default the card's).
    """
    issued = []
    for card in outcome.cards:
        topic = card["source"]["topic"]["code"]
        ext = card.get("extension") or {}
        suggestions = tuple(
            (s["uuid"], (s.get("extension") or {}).get("org.osteocds.topic") or topic)
            for s in card.get("suggestions") or () if s.get("uuid"))
        issued.append(IssuedCard(uuid=card["uuid"], topic=topic, topics=tuple(ext.get("org.osteocds.topics") or (topic,)),
                                 nodes=tuple(ext.get("org.osteocds.nodes") or ()), suggestions=suggestions))
    return issued

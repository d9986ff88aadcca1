"""Recommendations -> the CDS Hooks cards of one answer (composed by `cards.plan`). Reads no patient data: everything
a card says comes from the recommendations, the catalogues and `cards/data/`.

Each card names, in its `extension`, every topic it covers (`org.osteocds.topics`, its own first), the guideline
and gate nodes it rests on (`org.osteocds.nodes`) and the FHIR resources of the facts it used
(`org.osteocds.sources`) and of the data it could not read (`org.osteocds.gaps`); each suggestion names the topic it
counts under (`org.osteocds.topic`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from cards.detail import node_ids, render_detail
from cards.messages import Catalogue, catalogue
from cards.plan import Composed, compose
from cards.reference import OVERRIDE_SYSTEM, TOPIC_SYSTEM, load
from cards.suggestions import suggestion
from cards.summary import summary
from fhir_mappings.facts import Assumption
from pathways.recommendation import Recommendation, Topic


def _source(card: Composed, msg: Catalogue) -> dict[str, Any]:
    guideline = card.decision.guideline
    label = msg.text(f"source.{guideline}", (("version", load("guidelines")[guideline]["version"]),))
    topic = {"system": TOPIC_SYSTEM, "code": card.topic.value, "display": msg.text(f"topic.{card.topic.value}")}
    return {"label": label, "topic": topic}


def _override_reasons(topic: Topic, msg: Catalogue) -> list[dict[str, str]]:
    data = load("override_reasons")
    codes = data["by_topic"].get(topic.value, data["default"])
    return [{"system": OVERRIDE_SYSTEM, "code": c, "display": msg.text(f"override.{c}")} for c in codes]


def _links(card: Composed, msg: Catalogue) -> list[dict[str, str]]:
    keys = dict.fromkeys(k for r in card.recs for k in r.links)
    return [{"label": msg.text(load("links")[k]["label"]), "url": load("links")[k]["url"], "type": "absolute"} for k in keys]


def card_json(card: Composed, patient_id: str, msg: Catalogue, assumptions: tuple[Assumption, ...],
              drafts: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """One card; `drafts` (order services) are this call's draft orders by reference, for `update` / `delete`."""
    source = _source(card, msg)
    out: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": summary(card, msg),
        "detail": render_detail(card, msg, source["label"], assumptions),
        "indicator": card.indicator.value,
        "source": source,
        "overrideReasons": _override_reasons(card.topic, msg),
    }
    made = (suggestion(s, patient_id, msg, r.topic, drafts) for r in card.recs for s in r.suggestions)
    suggestions = [s for s in made if s is not None]
    if suggestions:
        out["suggestions"] = suggestions
        out["selectionBehavior"] = "at-most-one" if card.chooses else "any"
    links = _links(card, msg)
    if links:
        out["links"] = links
    sources = dict.fromkeys(e.source.reference for r in card.recs for e in r.evidence if e.source is not None)
    gaps = dict.fromkeys(g.reference for r in card.recs for g in r.missing if g.reference)
    nodes = node_ids(card)
    out["extension"] = {
        "org.osteocds.topics": [t.value for t in card.topics],
        **({"org.osteocds.nodes": list(nodes)} if nodes else {}),
        **({"org.osteocds.sources": list(sources)} if sources else {}),
        **({"org.osteocds.gaps": list(gaps)} if gaps else {}),
    }
    return out


def render(recommendations: list[Recommendation], *, patient_id: str, lang: str) -> list[dict[str, Any]]:
    """The cards of one answer, worded in `lang` (Dutch by default; a guideline's regional wording laid over it).
    The assumptions are stated once, on the plan card (else the first card)."""
    if not recommendations:
        return []
    region = load("guidelines")[recommendations[0].guideline].get("region")
    msg = catalogue(lang, region)
    composed = compose(recommendations)
    assumptions = tuple(dict.fromkeys(a for r in recommendations for a in r.assumptions))
    holder = next((c for c in composed if c.kind == "plan"), composed[0] if composed else None)
    return [card_json(c, patient_id, msg, assumptions if c is holder else ()) for c in composed]

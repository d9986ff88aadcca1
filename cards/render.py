"""Recommendations -> CDS Hooks card dicts (one per recommendation, same order). Reads no patient data:
everything a card says comes from the recommendation, the catalogues and `cards/data/`."""

from __future__ import annotations

import uuid
from typing import Any

from cards.detail import render_detail
from cards.messages import Catalogue, catalogue
from cards.reference import OVERRIDE_SYSTEM, TOPIC_SYSTEM, load
from cards.suggestions import suggestion
from pathways.recommendation import Recommendation, SuggestionKind

SUMMARY_LIMIT = 140  # CDS Hooks: summary "<140 characters"


def _summary(rec: Recommendation, msg: Catalogue) -> str:
    """Topic summary (indicator-specific when the catalogue has one), the 1st-choice drug and the node ids."""
    key = f"summary.{rec.topic.value}.{rec.indicator.value}"
    key = key if key in msg else f"summary.{rec.topic.value}"
    drug = next((s.key for s in rec.suggestions if s.kind is SuggestionKind.MEDICATION and s.recommended), "no-drug")
    text = msg.text(key, (("drug", drug),))
    with_nodes = f"{text} ({', '.join(dict.fromkeys(rec.nodes))})"
    return with_nodes if len(with_nodes) < SUMMARY_LIMIT else text


def _source(rec: Recommendation, msg: Catalogue) -> dict[str, Any]:
    version = load("guidelines")[rec.guideline]["version"]
    label = msg.text(f"source.{rec.guideline}", (("version", version),))
    topic = {"system": TOPIC_SYSTEM, "code": rec.topic.value, "display": msg.text(f"topic.{rec.topic.value}")}
    return {"label": label, "topic": topic}


def _override_reasons(rec: Recommendation, msg: Catalogue) -> list[dict[str, str]]:
    data = load("override_reasons")
    codes = data["by_topic"].get(rec.topic.value, data["default"])
    return [{"system": OVERRIDE_SYSTEM, "code": c, "display": msg.text(f"override.{c}")} for c in codes]


def card(rec: Recommendation, *, patient_id: str, msg: Catalogue) -> dict[str, Any]:
    source = _source(rec, msg)
    out: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": _summary(rec, msg),
        "detail": render_detail(rec, msg, source["label"]),
        "indicator": rec.indicator.value,
        "source": source,
        "overrideReasons": _override_reasons(rec, msg),
    }
    if rec.links:
        links = load("links")
        out["links"] = [
            {"label": msg.text(links[k]["label"]), "url": links[k]["url"], "type": "absolute"} for k in rec.links
        ]
    if rec.suggestions:
        out["suggestions"] = [suggestion(s, patient_id, msg) for s in rec.suggestions]
        alternatives = sum(s.kind is SuggestionKind.MEDICATION for s in rec.suggestions) > 1
        out["selectionBehavior"] = "at-most-one" if alternatives else "any"
    return out


def render(recommendations: list[Recommendation], *, patient_id: str, lang: str) -> list[dict[str, Any]]:
    """CDS Hooks cards for `recommendations`, in their order, worded in `lang` (Dutch by default) with the overrides
    of the guideline's region (e.g. Flemish for vitaz-2025)."""
    msg = catalogue(lang, next((load("guidelines")[r.guideline].get("region") for r in recommendations), None))
    return [card(rec, patient_id=patient_id, msg=msg) for rec in recommendations]

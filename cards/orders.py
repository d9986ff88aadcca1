"""Order-service answers (order-select / order-sign): one card per topic, never the patient-view plan composition.

Each card is the findings of one topic (`order-safety`, `glucocorticoid-bone-protection`, `order-dxa-vfa`,
`fall-risk-medication`, `treatment-evaluation-due`), most urgent first: its summary is the first finding — which names
the draft's drug and, for a critical one, the action that resolves it — its detail every finding with its node, the
facts used (the drafts among them) and the nodes. Suggestions rewrite or remove the clinician's own drafts, or create
what the finding asks for; the override reasons are a pharmacist's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cards.messages import Catalogue, catalogue
from cards.plan import Composed, is_agent
from cards.reference import OVERRIDE_SYSTEM, load
from cards.render import card_json
from cards.summary import _fit as fit  # the same cut and capital as every card summary
from pathways.recommendation import Recommendation, Topic


def _summary(rec: Recommendation, msg: Catalogue) -> str:
    """The first finding in one line (`summary.<topic>.<message>`), else the topic's own line."""
    first = rec.reasons[0]
    drug = next((s.key for s in rec.suggestions if is_agent(s) and s.recommended), "no-drug")
    key = f"summary.{rec.topic.value}.{first.message}"
    return fit(msg.text(key if key in msg else f"summary.{rec.topic.value}", (*first.params, ("drug", drug))))


def _override_reasons(rec: Recommendation, msg: Catalogue) -> list[dict[str, str]]:
    data = load("override_reasons")["orders"]
    codes = data["by_topic"].get(rec.topic.value, data["default"])
    return [{"system": OVERRIDE_SYSTEM, "code": c, "display": msg.text(f"override.{c}")} for c in codes]


def render_orders(recommendations: list[Recommendation], *, patient_id: str, lang: str,
                  drafts: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The cards of one order-service answer, worded in `lang`; `drafts` are this call's draft orders by reference
    (what an `update` rewrites and a `delete` names). The assumptions are stated once, on the first card."""
    if not recommendations:
        return []
    msg = catalogue(lang, load("guidelines")[recommendations[0].guideline].get("region"))
    assumptions = tuple(dict.fromkeys(a for r in recommendations for a in r.assumptions))
    cards = []
    for i, rec in enumerate(recommendations):
        kind = "data-needed" if rec.topic is Topic.DATA_NEEDED else "alert"
        card = card_json(Composed(kind, rec.topic, (rec,), rec.indicator, rec), patient_id, msg, assumptions if i == 0 else (), drafts)
        card.update(summary=_summary(rec, msg), overrideReasons=_override_reasons(rec, msg))
        covered = [rec.topic.value, *(s.topic.value for s in rec.suggestions if s.topic is not None)]
        card["extension"]["org.osteocds.topics"] = list(dict.fromkeys(covered))  # a chart's steps on an order card
        cards.append(card)
    return cards

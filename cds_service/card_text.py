"""A CDS Hooks answer as a person reads it in a terminal (`osteocds evaluate` without `--json`): per card the indicator
and summary, its topics, the detail (the plan's steps, the facts used, assumptions, nodes) without Markdown markers,
the suggestions with what they would order, the links and the override reasons."""

from __future__ import annotations

from cds_service.markdown import to_text

_SYSTEMS = {"http://www.whocc.no/atc": "ATC", "http://snomed.info/sct": "SNOMED", "http://loinc.org": "LOINC"}


def _orders(suggestion: dict) -> str:
    """What a suggestion's actions would do, e.g. `create MedicationRequest ATC M05BA04`."""
    parts = []
    for action in suggestion.get("actions") or ():
        resource = action.get("resource") or {}
        concept = resource.get("medicationCodeableConcept") or resource.get("code") or {}
        codes = [f"{_SYSTEMS[c['system']]} {c.get('code')}" for c in concept.get("coding") or () if c.get("system") in _SYSTEMS]
        what = " ".join([action.get("type", "?"), resource.get("resourceType", action.get("resourceId", "")), *codes[:1]])
        parts.append(what.strip())
    return "; ".join(parts)


def _card(n: int, total: int, card: dict) -> list[str]:
    ext = card.get("extension") or {}
    topic = ((card.get("source") or {}).get("topic") or {}).get("code", "?")
    also = [t for t in ext.get("org.osteocds.topics") or () if t != topic]
    lines = [f"Card {n}/{total}  [{str(card.get('indicator', '?')).upper()}]  {card.get('summary', '')}",
             f"  topic: {topic}" + (f" (also {', '.join(also)})" if also else ""),
             f"  source: {(card.get('source') or {}).get('label', '')}", ""]
    lines += [f"  {line}" if line else "" for line in to_text(str(card.get("detail") or "")).split("\n")]
    suggestions = card.get("suggestions") or ()
    if suggestions:
        lines += ["", f"  Suggestions (select {card.get('selectionBehavior', 'any')}):"]
        for s in suggestions:
            mark = " [recommended]" if s.get("isRecommended") else ""
            lines.append(f"   * {s.get('label', '')}{mark}  -> {_orders(s)}")
    if card.get("links"):
        lines += ["", "  Links:"] + [f"   - {link.get('label', '')}: {link.get('url', '')}" for link in card["links"]]
    reasons = [r.get("display") or r.get("code", "") for r in card.get("overrideReasons") or ()]
    if reasons:
        lines += ["", f"  Override reasons: {'; '.join(reasons)}"]
    return lines


def format_cards(response: dict) -> str:
    cards = response.get("cards") or []
    if not cards:
        return "No cards."
    blocks = [_card(i, len(cards), c) for i, c in enumerate(cards, 1)]
    return "\n\n".join("\n".join(b) for b in blocks)

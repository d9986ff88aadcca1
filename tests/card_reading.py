"""Reading a CDS Hooks answer the way the contract describes it, whether each topic has a card of its own or the
topics are composed into one plan card (`extension["org.osteocds.topics"]`, suggestion `extension`s, option cards):
topics, node ids, drugs offered and recommended are read from the whole answer."""

from __future__ import annotations

import re

ATC = "http://www.whocc.no/atc"
# a node ("VITAZ-7b", "RCOP-FX-10", "GATE-RENAL-ZOL") or a chart cited as a whole ("VITAZ", "RCOP-FX")
NODE = re.compile(r"\b((?:VITAZ|RCOP|GATE|NET)(?:-[A-Z]+)*(?:-\d+[a-z]?)?)\b")


def card_topics(card: dict) -> list[str]:
    """The card's own topic first, then every topic it lists as covered."""
    listed = (card.get("extension") or {}).get("org.osteocds.topics") or []
    return list(dict.fromkeys([card["source"]["topic"]["code"], *listed]))


def topics(cards: list[dict]) -> set[str]:
    return {t for c in cards for t in card_topics(c)}


def cards_with(cards: list[dict], topic: str) -> list[dict]:
    return [c for c in cards if topic in card_topics(c)]


def card_nodes(card: dict) -> set[str]:
    listed = (card.get("extension") or {}).get("org.osteocds.nodes") or []
    return set(NODE.findall(card["detail"])) | set(listed)


def nodes(cards: list[dict]) -> set[str]:
    return {n for c in cards for n in card_nodes(c)}


def _atc(resource: dict) -> str | None:
    codings = (resource.get("medicationCodeableConcept") or {}).get("coding") or []
    return next((c["code"] for c in codings if c.get("system") == ATC), None)


def medication_requests(cards: list[dict], *, recommended_only: bool = False) -> list[dict]:
    """Every MedicationRequest a suggestion would create (optionally only those of `isRecommended` suggestions)."""
    return [
        a["resource"]
        for c in cards
        for s in c.get("suggestions", [])
        if s.get("isRecommended") or not recommended_only
        for a in s.get("actions", [])
        if a.get("resource", {}).get("resourceType") == "MedicationRequest"
    ]


def offered(cards: list[dict]) -> set[str]:
    """ATC codes of every drug any suggestion would order."""
    return {code for r in medication_requests(cards) if (code := _atc(r))}


def recommended(cards: list[dict]) -> set[str]:
    """ATC codes of the drugs of `isRecommended` suggestions."""
    return {code for r in medication_requests(cards, recommended_only=True) if (code := _atc(r))}


def service_codes(cards: list[dict]) -> set[str]:
    """Codes of every ServiceRequest any suggestion would create."""
    return {
        coding["code"]
        for c in cards
        for s in c.get("suggestions", [])
        for a in s.get("actions", [])
        if a.get("resource", {}).get("resourceType") == "ServiceRequest"
        for coding in a["resource"].get("code", {}).get("coding", [])
    }

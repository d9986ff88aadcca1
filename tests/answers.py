"""Reading a CDS Hooks answer as a clinician does: which topics it covers, which card carries a topic, which drugs
it offers and which nodes it cites — whether a topic is a card of its own or a step of the plan card."""

from __future__ import annotations

from cards.suggestions import medication_concept

ATC = "http://www.whocc.no/atc"


def topics_of(card: dict) -> list[str]:
    """The card's own topic first, then every other topic it covers (the plan card's steps)."""
    covered = card.get("extension", {}).get("org.osteocds.topics", [])
    return list(dict.fromkeys([card["source"]["topic"]["code"], *covered]))


def answer_topics(cards: list[dict]) -> set[str]:
    return {t for c in cards for t in topics_of(c)}


def card_for(cards: list[dict], topic: str) -> dict | None:
    """The card that decides the topic: the drug-options card when its drugs are chosen there, else the card whose
    topic it is, else the card that covers it as a step."""
    options = next((c for c in cards if c["source"]["topic"]["code"] == "drug-options" and topic in topics_of(c)), None)
    return options or next((c for c in cards if c["source"]["topic"]["code"] == topic), None) or next(
        (c for c in cards if topic in topics_of(c)), None)


def _atc(suggestion: dict) -> str | None:
    resource = suggestion["actions"][0]["resource"]
    if resource["resourceType"] != "MedicationRequest":
        return None
    return next((c["code"] for c in medication_concept(resource).get("coding", []) if c["system"] == ATC), None)


def offered_atcs(cards: list[dict]) -> set[str]:
    """Every drug (ATC) any card of the answer offers as a one-click order."""
    return {atc for c in cards for s in c.get("suggestions", []) if (atc := _atc(s))}


SUPPLEMENTS = ("A11", "A12")  # vitamin D and calcium: orders of the plan, not osteoporosis drugs


def offered_drugs(cards: list[dict]) -> set[str]:
    """The osteoporosis drugs (ATC) offered: without the calcium and vitamin D supplements of the plan (A11, A12)."""
    return {atc for atc in offered_atcs(cards) if not atc.startswith(SUPPLEMENTS)}


def recommended_atc(card: dict) -> str | None:
    """The osteoporosis drug the card recommends (its supplements aside)."""
    return next((atc for s in card.get("suggestions", []) if s["isRecommended"] and (atc := _atc(s)) and not atc.startswith(SUPPLEMENTS)), None)


def nodes(card: dict) -> list[str]:
    return card.get("extension", {}).get("org.osteocds.nodes", [])


def answer_nodes(cards: list[dict]) -> set[str]:
    return {n for c in cards for n in nodes(c)}


def cards_with(cards: list[dict], topic: str) -> list[dict]:
    """Every card that covers the topic, as its own or as a step."""
    return [c for c in cards if topic in topics_of(c)]


def medication_requests(cards: list[dict]) -> list[dict]:
    """Every MedicationRequest a suggestion of the answer would create."""
    return [a["resource"] for c in cards for s in c.get("suggestions", []) for a in s["actions"]
            if a["resource"]["resourceType"] == "MedicationRequest"]


def recommended_atcs(cards: list[dict]) -> set[str]:
    """The drugs (ATC) of every `isRecommended` suggestion of the answer."""
    return {atc for c in cards for s in c.get("suggestions", []) if s["isRecommended"] and (atc := _atc(s))}


def service_codes(cards: list[dict]) -> set[str]:
    """The codes of every ServiceRequest a suggestion of the answer would create (an order's details included)."""
    resources = [a["resource"] for c in cards for s in c.get("suggestions", []) for a in s["actions"]
                 if a["resource"]["resourceType"] == "ServiceRequest"]
    concepts = [x for r in resources for x in (r.get("code", {}), *r.get("orderDetail", []))]
    return {coding["code"] for concept in concepts for coding in concept.get("coding", [])}

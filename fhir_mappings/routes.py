"""Dosage.route -> systemic, local, or unreadable (value set `routes`: SNOMED and EDQM codes, text routes).

A route arrives coded (SNOMED, EDQM, under any of their system spellings), as text in Dutch or
English or as a Latin abbreviation ("oral", "PO", "per os", "oraal", "p.o.", "i.v."), or as a coding
of another system whose display says it. Codes are read first, then the text and displays.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cache
from typing import Any

from fhir_mappings.provenance import concept_text
from fhir_mappings.valuesets import codings, match_concept, valuesets

_PUNCTUATION = re.compile(r"[,;:()/]")


class Route(StrEnum):
    SYSTEMIC = "systemic"
    LOCAL = "local"
    UNREADABLE = "unreadable"


def normalise(text: str) -> str:
    """'P.O.' -> 'po', 'Swallow, oral' -> 'swallow oral': dots dropped, separators read as spaces."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower().replace(".", "")).split())


@cache
def _text_routes() -> dict[str, Route]:
    listed = valuesets()["routes"].extra["text"]
    return {normalise(word): Route(kind) for kind in (Route.SYSTEMIC, Route.LOCAL) for word in listed[kind]}


def _texts(route: dict) -> list[str]:
    texts = [route.get("text")] + [c.get("display") for c in codings(route)]
    return [t for t in texts if isinstance(t, str)]


def route_of(route: Any) -> tuple[Route, str]:
    """(how the route counts, the route as written)."""
    written = concept_text(route) or "(not a CodeableConcept)"
    coded = {Route.SYSTEMIC if c.get("systemic") else Route.LOCAL for c in match_concept([route], "routes")}
    if len(coded) == 1:
        return coded.pop(), written
    texts = _texts(route) if isinstance(route, dict) else []
    words = {kind for t in texts if (kind := _text_routes().get(normalise(t))) is not None}
    if not coded and len(words) == 1:
        return words.pop(), written
    return Route.UNREADABLE, written

"""The osteoporosis lab panel ("Lab"): which of its items are due, and which item answers a lab concept.

One order for the items without a recent result (lab-panel.toml), never the whole panel again.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from fhir_mappings.facts import PatientFacts
from pathways import routines

with Path(__file__).with_name("lab-panel.toml").open("rb") as _fh:
    _PANEL = tomllib.load(_fh)

SHOWN_ALSO: dict[str, str] = dict(_PANEL["shown_also"])  # concept -> a second unit to show the result in
ITEMS: dict[str, tuple[str, ...]] = {item: tuple(concepts) for item, concepts in _PANEL["items"].items()}
_ITEM_OF = {concept: item for item, concepts in ITEMS.items() for concept in concepts}


def item_for(concept: str) -> str | None:
    """The panel item that orders a lab concept ("m-protein" -> "protein-electrophoresis"); None for "weight"."""
    return _ITEM_OF.get(concept)


def items_due(facts: PatientFacts, months: int | None = None) -> tuple[str, ...]:
    """Panel items with no result in the last `months` (default: the panel's own re-order window), panel order."""
    since = routines.add_months(facts.today, -(_PANEL["recent_months"] if months is None else months))
    measured = routines.labs_since(facts, since)
    return tuple(item for item, concepts in ITEMS.items() if not measured & set(concepts))

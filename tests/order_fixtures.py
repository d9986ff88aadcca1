"""The order-check fixtures (fixtures/orders/*.json, written by fixtures/orders/make_fixtures.py): each a Bundle of two
Bundles, the patient's record and the draft orders of the call."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "orders"


def names() -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob("*.json"))


def load(name: str) -> tuple[dict, dict]:
    """(the record Bundle, the draftOrders Bundle) of one fixture."""
    record, drafts = (e["resource"] for e in json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["entry"])
    return record, drafts

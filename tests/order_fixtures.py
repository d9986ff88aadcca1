"""The order-check fixtures (fixtures/orders/*.json, written by fixtures/orders/make_fixtures.py): each a Bundle of two
Bundles, the patient's record and the draft orders of the call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "orders"


def names() -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob("*.json"))


def load(name: str) -> tuple[dict, dict]:
    """(the record Bundle, the draftOrders Bundle) of one fixture."""
    record, drafts = (e["resource"] for e in json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["entry"])
    return record, drafts


@pytest.fixture
def post(client, cds_request):
    """`post(fixture, service, selections=None, lang="nl") -> cards`: the fixture's record and drafts sent to an order
    service; order-select selects every draft unless `selections` says which."""

    def call(fixture: str, service: str = "osteoporosis-rcop-order-sign", *, selections: list[str] | None = None,
             lang: str = "nl") -> list[dict]:
        record, drafts = load(fixture)
        body = cds_request(record, hook=service.split("-", 2)[2], draft_orders=drafts)
        if selections is not None:
            body["context"]["selections"] = selections
        resp = client.post(f"/cds-services/{service}", json=body, headers={"Accept-Language": lang})
        assert resp.status_code == 200
        return resp.get_json()["cards"]

    return call

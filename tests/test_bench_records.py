"""`make bench`'s inputs: seeded request bodies that mean what they say, and a floor that only reads and parses."""

from __future__ import annotations

import io
from datetime import date

import orjson
import pytest

from benchmarks.bench_records import bodies
from benchmarks.floor import app as floor
from cds_service.pipeline import gather_resources
from cds_service.services import SERVICES
from cds_service.validation import validate_request
from fhir_mappings import build_facts

BODIES = bodies()


def _resources(case: str) -> list[dict]:
    service, body = BODIES[case]
    return gather_resources(validate_request(body, SERVICES[service]), {}, None)[0]


def test_the_same_seed_gives_the_same_bytes():
    assert {k: orjson.dumps(b) for k, (_, b) in bodies().items()} == {k: orjson.dumps(b) for k, (_, b) in BODIES.items()}


def test_the_cases_have_the_sizes_the_readme_gives():
    sizes = {case: (len(_resources(case)), len(orjson.dumps(body))) for case, (_, body) in BODIES.items()}
    assert 120 <= sizes["typical"][0] <= 135 and sizes["typical"][1] < 150_000
    assert 3_800 <= sizes["heavy"][0] <= 4_100 and 2_500_000 < sizes["heavy"][1] < 3_500_000
    assert sizes["heavy-unfiltered"][0] > sizes["heavy"][0] + 3_000


def test_the_code_filter_drops_only_what_the_mapping_never_reads():
    """The unfiltered record is the heavy one plus unrelated Observations and Procedures: the same facts."""
    facts = {case: build_facts(_resources(case), today=date(2026, 11, 22)) for case in ("heavy", "heavy-unfiltered")}
    assert facts["heavy"] == facts["heavy-unfiltered"]
    assert len(facts["heavy"].therapies) >= 1 and len(facts["heavy"].labs) >= 5


def test_order_select_carries_three_selected_drafts():
    _, body = BODIES["order-select"]
    drafts = [e["resource"] for e in body["context"]["draftOrders"]["entry"]]
    assert [d["status"] for d in drafts] == ["draft"] * 3
    assert body["context"]["selections"] == [f"MedicationRequest/{d['id']}" for d in drafts]


@pytest.mark.parametrize(("method", "body", "status"), [
    ("POST", orjson.dumps(BODIES["typical"][1]), "200 OK"), ("POST", b'{"a": ', "400 Bad Request"), ("GET", b"", "200 OK"),
])
def test_the_floor_reads_and_parses_the_body_and_nothing_else(method, body, status):
    seen = []
    answer = floor({"REQUEST_METHOD": method, "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)},
                   lambda s, headers: seen.append(s))
    assert seen == [status] and answer == [b'{"cards":[]}']

"""Real requests through the whole pipeline (mappings, pathways, cards): spec example and Sandbox captures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import responses

from cds_service import cli, create_app
from pathways.recommendation import Topic
from tests.protocol_helpers import empty_values

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CDS = SHARED / "cds-hooks"
EMPTY = {"resourceType": "Bundle", "type": "searchset", "total": 0}
TOPICS = {t.value for t in Topic}


def assert_protocol_valid(response: dict) -> None:
    assert set(response) == {"cards"} and isinstance(response["cards"], list)
    for card in response["cards"]:
        assert list(empty_values(card)) == []
        assert card["uuid"] and card["summary"] and card["indicator"] in ("info", "warning", "critical")
        assert card["source"]["topic"]["code"] in TOPICS


@pytest.fixture
def app(tmp_path):
    return create_app({"TESTING": True, "DEV": True, "TODAY": "2026-11-22",
                       "FHIR_ALLOWLIST": "http://hooks.smarthealthit.org:9080,http://127.0.0.1:8081",
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.sqlite3'}"})


@pytest.mark.parametrize("service", ["osteoporosis-rcop-patient-view", "osteoporosis-vitaz-patient-view"])
def test_spec_patient_view_example_is_accepted_and_gives_no_cards(client, service):
    """The spec's example patient has no osteoporosis data at all: no recommendation, no card."""
    body = json.loads((CDS / "spec-examples" / "patient-view-request-with-prefetch.json").read_text())
    base = body["fhirServer"]
    with responses.RequestsMock() as rsps:
        rsps.get(f"{base}/Patient/1288992", json=body["prefetch"]["patientToGreet"])
        rsps.add(responses.GET, re.compile(re.escape(base) + r"/[A-Za-z]+\?.*"), json=EMPTY)
        resp = client.post(f"/cds-services/{service}", json=body)
        assert {c.request.headers["Authorization"] for c in rsps.calls} == {"Bearer some-opaque-fhir-access-token"}
    assert resp.status_code == 200
    assert resp.get_json() == {"cards": []}


@pytest.mark.parametrize(("capture", "service"), [
    ("sandbox-request-osteo-pv.json", "osteoporosis-rcop-patient-view"),
    ("sandbox-request-osteo-pv.json", "osteoporosis-vitaz-patient-view"),
    ("sandbox-request-osteo-os-before-med-chosen.json", "osteoporosis-rcop-order-select"),
    ("sandbox-request-osteo-os-with-med.json", "osteoporosis-vitaz-order-select"),
])
def test_sandbox_captures_are_accepted(client, capture, service):
    body = json.loads((CDS / "sandbox-captured" / capture).read_text())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, re.compile(r"http://127\.0\.0\.1:8081/.*"), json=EMPTY)
        resp = client.post(f"/cds-services/{service}", json=body, headers={"Accept-Language": "en"})
        assert all(c.request.url.startswith("http://127.0.0.1:8081/") for c in rsps.calls)
    assert resp.status_code == 200
    assert_protocol_valid(resp.get_json())


def test_evaluate_cli_runs_a_bundle_without_a_server(tmp_path, capsys):
    spec = json.loads((CDS / "spec-examples" / "patient-view-request-with-prefetch.json").read_text())
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": spec["prefetch"]["patientToGreet"]}]}
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    assert cli.main(["evaluate", str(path), "--service", "osteoporosis-rcop-patient-view", "--json",
                     "--today", "2026-11-22", "--lang", "en"]) == 0
    assert json.loads(capsys.readouterr().out) == {"cards": []}
    assert cli.main(["evaluate", str(path), "--service", "osteoporosis-rcop-patient-view"]) == 0
    assert capsys.readouterr().out.strip() == "No cards."
    assert cli.main(["evaluate", str(path), "--service", "no-such-service"]) == 2


def test_evaluate_cli_on_a_synthea_record(capsys):
    path = SHARED / "synthea" / "extracts"
    record = sorted(path.glob("Hallie_Hoeger_*.json"))[0]
    assert cli.main(["evaluate", str(record), "--service", "osteoporosis-rcop-patient-view", "--json",
                     "--today", "2026-11-22", "--lang", "en"]) == 0
    assert_protocol_valid(json.loads(capsys.readouterr().out))

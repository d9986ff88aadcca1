"""Discovery, health, OpenAPI, CORS and routing: protocol behaviour that needs no patient."""

from __future__ import annotations

import pytest

from cds_service import create_app
from cds_service.bundle_request import PREFETCH_KEYS
from cds_service.services import SERVICES
from fhir_mappings.prefetch import prefetch_templates
from tests.protocol_helpers import empty_values

SERVICE_IDS = {
    "osteoporosis-rcop-patient-view": "patient-view",
    "osteoporosis-vitaz-patient-view": "patient-view",
    "osteoporosis-rcop-order-select": "order-select",
    "osteoporosis-vitaz-order-select": "order-select",
    "osteoporosis-rcop-order-sign": "order-sign",
    "osteoporosis-vitaz-order-sign": "order-sign",
}


def test_discovery_lists_the_six_contract_services_with_their_hooks(client):
    resp = client.get("/cds-services")
    assert resp.status_code == 200
    services = resp.get_json()["services"]
    assert {s["id"]: s["hook"] for s in services} == SERVICE_IDS
    for s in services:
        assert s["title"] and s["description"]


def test_discovery_has_no_empty_or_null_value(client):
    assert list(empty_values(client.get("/cds-services").get_json())) == []


def test_discovery_prefetch_is_each_services_own_generated_templates(client):
    for s in client.get("/cds-services").get_json()["services"]:
        assert s["prefetch"] == SERVICES[s["id"]].prefetch
        assert set(s["prefetch"]) <= set(PREFETCH_KEYS)
        assert s["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert "http://loinc.org|38267-1" in s["prefetch"]["observations"]  # narrowed by code (lumbar-spine T-score)


def test_services_ask_only_for_what_they_read():
    """The order services read no family history, and palliative care only because ORDER-GC runs the guideline ahead;
    rcop's patient view reads no FRAX, vitaz's does."""
    rcop, vitaz = SERVICES["osteoporosis-rcop-patient-view"].prefetch, SERVICES["osteoporosis-vitaz-patient-view"].prefetch
    order, vitaz_order = SERVICES["osteoporosis-rcop-order-select"].prefetch, SERVICES["osteoporosis-vitaz-order-sign"].prefetch
    assert "familyMemberHistory" not in order and "familyMemberHistory" not in vitaz_order
    assert all("103735009" in p["procedures"] for p in (rcop, order, vitaz_order))
    assert "90265-0" not in rcop["observations"] and "90265-0" in vitaz["observations"]
    assert len(order) < len(prefetch_templates())


def test_discovery_needs_no_token_outside_dev_mode(tmp_path):
    app = create_app({"TESTING": True, "DEV": False, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    resp = app.test_client().get("/cds-services")
    assert resp.status_code == 200


def test_healthz_reports_version_and_dev_mode(client, tmp_path):
    body = client.get("/healthz").get_json()
    assert body["status"] == "ok" and body["dev"] is True
    assert "DEVELOPMENT MODE" in body["warning"] and body["version"]
    prod = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    body = prod.test_client().get("/healthz").get_json()
    assert body["dev"] is False and "warning" not in body


@pytest.mark.parametrize(("value", "dev"), [("1", True), ("true", True), ("0", False), ("false", False), ("no", False)])
def test_dev_flag_comes_from_the_environment(monkeypatch, tmp_path, value, dev):
    monkeypatch.setenv("OSTEOCDS_DEV", value)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'e.sqlite3'}"})
    assert app.test_client().get("/healthz").get_json()["dev"] is dev


def test_openapi_describes_our_endpoints_precisely_enough_to_fuzz(client):
    doc = client.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert {"/cds-services", "/cds-services/", "/cds-services/{id}/feedback", "/healthz"} <= set(doc["paths"])
    feedback = doc["paths"]["/cds-services/{id}/feedback"]["post"]
    assert set(feedback["parameters"][0]["schema"]["enum"]) == set(SERVICE_IDS)
    assert {"400", "401", "404", "409", "413"} <= set(feedback["responses"])
    discovery = {s["id"]: s for s in client.get("/cds-services").get_json()["services"]}
    for service_id, hook in SERVICE_IDS.items():
        invoke = doc["paths"][f"/cds-services/{service_id}"]["post"]
        body = invoke["requestBody"]["content"]["application/json"]["schema"]
        assert body["properties"]["hook"] == {"const": hook}
        assert set(body["properties"]["prefetch"]["properties"]) == set(discovery[service_id]["prefetch"])
        assert {"400", "401", "412", "413", "500"} <= set(invoke["responses"])


def test_cors_preflight_allows_authorization_and_content_type(client):
    resp = client.options(
        "/cds-services/osteoporosis-rcop-patient-view",
        headers={"Origin": "https://ehr.example.org", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"},
    )
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {h.strip().lower() for h in resp.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]


def test_cors_headers_on_error_responses_too(client):
    for resp in (client.post("/cds-services/unknown", json={}),
                 client.post("/cds-services/osteoporosis-rcop-patient-view", data="{")):
        assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_configured_origins_echo_only_a_listed_origin(tmp_path):
    app = create_app({"TESTING": True, "DEV": True, "CORS_ORIGINS": "https://ehr.example.org,https://b.example.org",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}"})
    c = app.test_client()
    ok = c.get("/cds-services", headers={"Origin": "https://b.example.org"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://b.example.org"
    assert "Origin" in ok.headers["Vary"]
    other = c.get("/cds-services", headers={"Origin": "https://evil.example.net"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_unknown_service_is_404_with_a_json_body(client):
    resp = client.post("/cds-services/no-such-service", json={"hook": "patient-view"})
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "not-found"
    assert client.post("/cds-services/no-such-service/feedback", json={}).status_code == 404


def test_discovery_and_its_cors_preflight_answer_with_a_trailing_slash_too(client):
    assert client.get("/cds-services/").get_json() == client.get("/cds-services").get_json()
    resp = client.options("/cds-services/", headers={
        "Origin": "https://sandbox.cds-hooks.org", "Access-Control-Request-Method": "GET"})
    assert resp.status_code == 200
    assert resp.headers["Access-Control-Allow-Origin"] == "*" and "GET" in resp.headers["Access-Control-Allow-Methods"]


def test_an_empty_path_segment_is_a_404_json_not_a_redirect(client):
    for path in ("/cds-services//osteoporosis-rcop-patient-view", "/cds-services//osteoporosis-rcop-patient-view/feedback"):
        resp = client.post(path, json={})
        assert resp.status_code == 404 and resp.get_json()["error"] == "not-found"
        assert "Location" not in resp.headers

"""POST /cds-services/{id}: validation per hook, status codes, language, date and logs."""

from __future__ import annotations

import copy
import json
import logging
from datetime import date
from pathlib import Path

import pytest

from cds_service import create_app, pipeline
from cds_service.views import hook_instance_hash
from fhir_mappings.bundle import iter_resources

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PV = "/cds-services/osteoporosis-rcop-patient-view"
OS = "/cds-services/osteoporosis-vitaz-order-select"
SIGN = "/cds-services/osteoporosis-rcop-order-sign"
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-01-01"}
BUNDLE = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": PATIENT}]}
DRAFT = {"resourceType": "MedicationRequest", "id": "d1", "status": "draft", "intent": "order",
         "subject": {"reference": "Patient/p1"}}


def sandbox(name):
    return json.loads((SHARED / "cds-hooks" / "sandbox-captured" / name).read_text())


def drop(body, *path):
    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return body


def put(body, value, *path):
    body = copy.deepcopy(body)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


@pytest.fixture
def pv(cds_request):
    return cds_request(BUNDLE)


@pytest.fixture
def os_body(cds_request):
    return cds_request(BUNDLE, hook="order-select", draft_orders=[DRAFT])


@pytest.fixture
def sign_body(cds_request):
    return cds_request(BUNDLE, hook="order-sign", draft_orders=[DRAFT])


def test_valid_patient_view_is_200(client, evaluated, pv):
    resp = client.post(PV, json=pv)
    assert resp.status_code == 200 and resp.get_json() == {"cards": []}
    assert evaluated[0]["patient_id"] == "p1" and evaluated[0]["service"] == "osteoporosis-rcop-patient-view"


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda b: drop(b, "hook"), "'hook' is required"),
    (lambda b: put(b, "order-sign", "hook"), "does not match service"),
    (lambda b: drop(b, "hookInstance"), "'hookInstance' is required"),
    (lambda b: put(b, "", "hookInstance"), "'hookInstance' is required"),
    (lambda b: drop(b, "context"), "'context' is required"),
    (lambda b: put(b, [], "context"), "'context' is required"),
    (lambda b: drop(b, "context", "userId"), "context.userId is required"),
    (lambda b: drop(b, "context", "patientId"), "context.patientId is required"),
    (lambda b: put(b, 42, "context", "patientId"), "context.patientId must be"),
    (lambda b: put(b, "../Patient/x", "context", "patientId"), "not a valid FHIR id"),
    (lambda b: put(b, "yes", "prefetch"), "'prefetch' must be an object"),
    (lambda b: put(b, "Patient/1", "prefetch", "patient"), "prefetch.patient must be a FHIR resource"),
    (lambda b: put(b, "ftp://x", "fhirServer"), "'fhirServer' must be"),
    (lambda b: put(b, {"access_token": "t"}, "fhirAuthorization"), "'fhirServer' is required"),
    (lambda b: put(put(b, "https://f.example.org", "fhirServer"), {"token_type": "Bearer"}, "fhirAuthorization"),
     "access_token"),
])
def test_invalid_patient_view_is_400_with_a_precise_message(client, evaluated, pv, mutate, message):
    resp = client.post(PV, json=mutate(pv))
    assert resp.status_code == 400
    assert message in resp.get_json()["message"]
    assert evaluated == []


@pytest.mark.parametrize(("path", "mutate", "message"), [
    (OS, lambda b: drop(b, "context", "selections"), "context.selections is required"),
    (OS, lambda b: drop(b, "context", "draftOrders"), "context.draftOrders is required"),
    (OS, lambda b: put(b, "MedicationRequest/d1", "context", "selections"), "context.selections must be"),
    (OS, lambda b: put(b, [], "context", "draftOrders"), "context.draftOrders must be"),
    (OS, lambda b: put(b, {"resourceType": "MedicationRequest"}, "context", "draftOrders"), "must be a FHIR Bundle"),
    (SIGN, lambda b: drop(b, "context", "draftOrders"), "context.draftOrders is required"),
    (SIGN, lambda b: put(b, "order-select", "hook"), "does not match service"),
])
def test_invalid_order_requests_are_400(client, evaluated, os_body, sign_body, path, mutate, message):
    resp = client.post(path, json=mutate(os_body if path == OS else sign_body))
    assert resp.status_code == 400 and message in resp.get_json()["message"]


def test_order_select_and_sign_are_200(client, evaluated, os_body, sign_body):
    assert client.post(OS, json=os_body).status_code == 200
    assert client.post(SIGN, json=sign_body).status_code == 200
    assert client.post(SIGN, json=drop(sign_body, "context", "patientId")).status_code == 400


def test_odd_drafts_never_fail_the_call(client, evaluated, os_body):
    odd = put(os_body, {"resourceType": "Bundle", "entry": [
        "not an object", {"fullUrl": "urn:uuid:1"}, {"resource": {"id": "no-type"}},
        {"resource": {"resourceType": "MedicationRequest", "id": "d2", "status": "draft",
                      "category": {"coding": [{"code": "community"}]}}},
    ]}, "context", "draftOrders")
    assert client.post(OS, json=odd).status_code == 200


def test_sandbox_order_select_before_a_medication_is_chosen_is_200(app, evaluated, cds_request):
    """The Sandbox's first order-select: a draft without medication or intent, a Bundle without type."""
    captured = sandbox("sandbox-request-osteo-os-before-med-chosen.json")
    record = {"resourceType": "Bundle", "entry": [{"resource": r} for r in iter_resources(list(captured["prefetch"].values()))]}
    body = cds_request(record, hook="order-select")
    body["context"] = captured["context"]
    resp = app.test_client().post("/cds-services/osteoporosis-rcop-order-select", json=body)
    assert resp.status_code == 200


def test_malformed_json_is_400(client):
    for data in ("{", "", "[1,", b"\xff\xfe{}"):
        resp = client.post(PV, data=data, content_type="application/json")
        assert resp.status_code == 400
        assert resp.get_json()["error"] == "bad-request" and resp.get_json()["message"]
    resp = client.post(PV, data="{\"hook\": }", content_type="application/json")
    assert "line 1 column 10" in resp.get_json()["message"]
    assert client.post(PV, json=[1, 2]).get_json()["message"] == "request body must be a JSON object"


def test_body_over_the_limit_is_413(app, pv):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    pv["prefetch"]["patient"]["text"] = {"status": "generated", "div": "<div>" + "x" * 2000 + "</div>"}
    resp = app.test_client().post(PV, json=pv)
    assert resp.status_code == 413
    assert resp.get_json()["error"] == "payload-too-large"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_default_body_limit_is_16_mb(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 16 * 1024 * 1024


def test_unexpected_fault_is_a_generic_500_with_the_hook_instance_in_the_log(client, pv, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(pipeline, "evaluate", boom)
    logger = logging.getLogger("osteocds")
    logger.addHandler(caplog.handler)
    try:
        resp = client.post(PV, json=pv)
    finally:
        logger.removeHandler(caplog.handler)
    assert resp.status_code == 500
    assert resp.get_json() == {"error": "internal", "message": "internal error; see the service log"}
    assert "Traceback" not in resp.get_data(as_text=True)
    faults = [r for r in caplog.records if getattr(r, "event", None) == "fault"]
    assert faults and faults[0].hookInstance == hook_instance_hash(pv["hookInstance"])


def test_logs_carry_the_call_but_no_token_and_no_patient_id(tmp_path, pv, evaluated, caplog):
    app = create_app({"TESTING": True, "DEV": True, "FHIR_ALLOWLIST": "https://fhir.example.org",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'l.sqlite3'}"})
    body = dict(pv, fhirServer="https://fhir.example.org",
                fhirAuthorization={"access_token": "SECRET-FHIR-TOKEN", "token_type": "Bearer"})
    logger = logging.getLogger("osteocds")
    logger.addHandler(caplog.handler)
    try:
        resp = app.test_client().post(PV, json=body, headers={"Authorization": "Bearer SECRET-JWT"})
    finally:
        logger.removeHandler(caplog.handler)
    assert resp.status_code == 200
    calls = [r for r in caplog.records if getattr(r, "event", None) == "cds-call"]
    assert calls[0].hookInstance == hook_instance_hash(pv["hookInstance"]) and calls[0].service == "osteoporosis-rcop-patient-view"
    assert calls[0].status == 200 and calls[0].duration_ms >= 0 and calls[0].topics == []
    text = "\n".join(caplog.handler.format(r) for r in caplog.records)
    assert "SECRET" not in text and "p1" not in text and pv["hookInstance"] not in text


@pytest.mark.parametrize(("configured", "header", "expected"), [
    (None, None, "nl"),
    (None, "en-GB,en;q=0.9", "en"),
    (None, "fr-FR,fr;q=0.9", "nl"),
    (None, "de, en;q=0.5, nl;q=0.8", "nl"),
    ("en", None, "en"),
    ("en", "*", "en"),
    ("en", "nl-BE", "nl"),
])
def test_language_service_default_then_config_then_accept_language(app, evaluated, pv, configured, header, expected):
    app.config["LANGUAGE"] = configured
    headers = {"Accept-Language": header} if header else {}
    assert app.test_client().post(PV, json=pv, headers=headers).status_code == 200
    assert evaluated[0]["lang"] == expected


def test_today_comes_from_config(client, evaluated, pv):
    client.post(PV, json=pv)
    assert evaluated[0]["today"] == date(2026, 11, 22)


def test_a_bad_today_fails_at_start(tmp_path):
    with pytest.raises(ValueError):
        create_app({"TODAY": "22-11-2026", "DATABASE_URL": f"sqlite:///{tmp_path / 't.sqlite3'}"})

"""Prefetch states and the FHIR-server fallback (every outbound call mocked with `responses`)."""

from __future__ import annotations

import pytest
import requests
import responses

from cds_service import create_app
from cds_service.allowlist import Allowlist
from cds_service.services import SERVICES
from fhir_mappings import prefetch
from fhir_mappings.prefetch import prefetch_templates

FHIR = "https://fhir.example.org/r4"
PV = "/cds-services/osteoporosis-rcop-patient-view"
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-01-01"}


def searchset(*resources, next_url=None):
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}
    if next_url:
        bundle["link"] = [{"relation": "self", "url": "x"}, {"relation": "next", "url": next_url}]
    return bundle


def obs(i):
    return {"resourceType": "Observation", "id": f"o{i}", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "38267-1"}]},
            "subject": {"reference": "Patient/p1"}, "valueQuantity": {"value": -2.0}}


def full_prefetch():
    prefetch = {k: searchset() for k in prefetch_templates()}
    prefetch["patient"] = PATIENT
    return prefetch


def body(prefetch, *, server=FHIR, token="fhir-token"):
    b = {"hook": "patient-view", "hookInstance": "11111111-2222-3333-4444-555555555555",
         "context": {"userId": "Practitioner/u1", "patientId": "p1"}, "prefetch": prefetch}
    if server is not None:
        b["fhirServer"] = server
        if token is not None:
            b["fhirAuthorization"] = {"access_token": token, "token_type": "Bearer", "expires_in": 300,
                                      "scope": "user/*.read", "subject": "osteocds"}
    return b


@pytest.fixture
def app(tmp_path):
    return create_app({"TESTING": True, "DEV": True, "TODAY": "2026-11-22", "FHIR_ALLOWLIST": f"{FHIR},http://other:8081",
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'pf.sqlite3'}"})


def ids(call):
    return sorted(f"{r['resourceType']}/{r['id']}" for r in call["resources"])


def test_complete_prefetch_makes_no_outbound_call(client, evaluated):
    with responses.RequestsMock() as rsps:
        resp = client.post(PV, json=body(full_prefetch()))
        assert len(rsps.calls) == 0
    assert resp.status_code == 200 and resp.get_json() == {"cards": []}
    assert ids(evaluated[0]) == ["Patient/p1"]


def test_empty_bundle_is_a_valid_answer_not_a_reason_to_fetch(client, evaluated):
    prefetch = full_prefetch()
    prefetch["observations"] = {"resourceType": "Bundle", "type": "searchset", "total": 0}
    with responses.RequestsMock() as rsps:
        assert client.post(PV, json=body(prefetch)).status_code == 200
        assert len(rsps.calls) == 0


@pytest.mark.parametrize("state", ["absent", "null", "operation-outcome"])
def test_missing_or_failed_key_is_fetched_with_the_bearer_token(client, evaluated, state):
    prefetch = full_prefetch()
    if state == "absent":
        del prefetch["observations"]
    elif state == "null":
        prefetch["observations"] = None
    else:
        prefetch["observations"] = {"resourceType": "OperationOutcome",
                                    "issue": [{"severity": "error", "code": "processing"}]}
    with responses.RequestsMock() as rsps:
        rsps.get(f"{FHIR}/Observation", json=searchset(obs(1)))
        resp = client.post(PV, json=body(prefetch))
        assert len(rsps.calls) == 1
        sent = rsps.calls[0].request
    assert resp.status_code == 200
    assert sent.headers["Authorization"] == "Bearer fhir-token"
    assert "patient=p1" in sent.url and "38267-1" in requests.utils.unquote(sent.url)
    assert ids(evaluated[0]) == ["Observation/o1", "Patient/p1"]


def test_missing_patient_is_read_by_id(client, evaluated):
    prefetch = full_prefetch()
    del prefetch["patient"]
    with responses.RequestsMock() as rsps:
        rsps.get(f"{FHIR}/Patient/p1", json=PATIENT)
        assert client.post(PV, json=body(prefetch)).status_code == 200
    assert ids(evaluated[0]) == ["Patient/p1"]


def test_no_prefetch_at_all_fetches_every_template_key(client, evaluated):
    advertised = SERVICES["osteoporosis-rcop-patient-view"].prefetch
    with responses.RequestsMock() as rsps:
        rsps.get(f"{FHIR}/Patient/p1", json=PATIENT)
        for rtype in {q.split("?")[0] for q in advertised.values() if "?" in q}:
            rsps.get(f"{FHIR}/{rtype}", json=searchset())
        resp = client.post(PV, json=body(None))
        assert len(rsps.calls) == len(advertised)
    assert resp.status_code == 200


def test_a_template_split_into_several_keys_is_fetched_key_by_key(client, evaluated, monkeypatch):
    """Past the URL limit the Observation query is several keys: the fallback asks for each, and reads them all."""
    monkeypatch.setattr(prefetch, "MAX_TEMPLATE_CHARS", 500)
    prefetch.templates.cache_clear()
    try:
        advertised = SERVICES["osteoporosis-rcop-patient-view"].prefetch
        keys = [k for k in advertised if k.startswith("observations")]
        assert len(keys) >= 3
        sent = {k: v for k, v in full_prefetch().items() if k in advertised and not k.startswith("observations")}
        with responses.RequestsMock() as rsps:
            rsps.get(f"{FHIR}/Observation", json=searchset(obs(1)))
            resp = client.post(PV, json=body(sent))
            asked = [requests.utils.unquote(c.request.url).split("&code=")[1] for c in rsps.calls]
    finally:
        prefetch.templates.cache_clear()
    assert resp.status_code == 200
    assert asked == [advertised[k].split("&code=")[1] for k in keys]
    assert "Observation/o1" in ids(evaluated[0])


def test_fetch_without_fhir_authorization_sends_no_authorization_header(client, evaluated):
    prefetch = full_prefetch()
    del prefetch["conditions"]
    with responses.RequestsMock() as rsps:
        rsps.get(f"{FHIR}/Condition", json=searchset())
        assert client.post(PV, json=body(prefetch, token=None)).status_code == 200
        assert "Authorization" not in rsps.calls[0].request.headers


def test_paginated_prefetch_bundle_is_followed_from_the_fhir_server(client, evaluated):
    prefetch = full_prefetch()
    prefetch["observations"] = searchset(obs(1), next_url=f"{FHIR}/Observation?page=2")
    with responses.RequestsMock() as rsps:
        rsps.get(f"{FHIR}/Observation?page=2", json=searchset(obs(2), next_url=f"{FHIR}/Observation?page=3"))
        rsps.get(f"{FHIR}/Observation?page=3", json=searchset(obs(3)))
        assert client.post(PV, json=body(prefetch)).status_code == 200
        assert [c.request.headers["Authorization"] for c in rsps.calls] == ["Bearer fhir-token"] * 2
    assert ids(evaluated[0]) == ["Observation/o1", "Observation/o2", "Observation/o3", "Patient/p1"]


def test_fetched_search_is_paged_up_to_the_cap(app, evaluated):
    app.config["FHIR_MAX_PAGES"] = 3
    prefetch = full_prefetch()
    del prefetch["observations"]
    with responses.RequestsMock() as rsps:
        rsps.get(f"{FHIR}/Observation", json=searchset(obs(1), next_url=f"{FHIR}/Observation?page=2"))
        rsps.get(f"{FHIR}/Observation?page=2", json=searchset(obs(2), next_url=f"{FHIR}/Observation?page=3"))
        rsps.get(f"{FHIR}/Observation?page=3", json=searchset(obs(3), next_url=f"{FHIR}/Observation?page=4"))
        resp = app.test_client().post(PV, json=body(prefetch))
        assert len(rsps.calls) == 3  # the 4th page is never requested
    assert resp.status_code == 412
    assert "more than 3 pages" in resp.get_json()["message"]


def test_next_link_off_the_allow_list_is_never_followed(client, evaluated):
    prefetch = full_prefetch()
    prefetch["observations"] = searchset(obs(1), next_url="https://evil.example.net/r4/Observation?page=2")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get("https://evil.example.net/r4/Observation", json=searchset(obs(2)))
        resp = client.post(PV, json=body(prefetch))
        assert len(rsps.calls) == 0
    assert resp.status_code == 412


def test_operation_outcome_entries_inside_a_bundle_are_removed(client, evaluated):
    prefetch = full_prefetch()
    prefetch["observations"] = searchset(obs(1), {"resourceType": "OperationOutcome", "issue": []})
    assert client.post(PV, json=body(prefetch)).status_code == 200
    assert ids(evaluated[0]) == ["Observation/o1", "Patient/p1"]


@pytest.mark.parametrize("server", [
    "https://evil.example.net/r4",
    "https://fhir.example.org/r4x",
    "https://fhir.example.org.evil.net/r4",
    "https://fhir.example.org:8443/r4",
    "http://fhir.example.org/r4",
    "https://user@evil.net/r4",
])
def test_fhir_server_off_the_allow_list_is_refused_without_a_request(client, evaluated, server):
    prefetch = full_prefetch()
    del prefetch["observations"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{server}/Observation", json=searchset())
        rsps.get("https://evil.net/r4/Observation", json=searchset())
        resp = client.post(PV, json=body(prefetch, server=server))
        assert len(rsps.calls) == 0
    assert resp.status_code == 412
    assert "allow-listed" in resp.get_json()["message"]
    assert evaluated == []


def test_empty_allow_list_refuses_every_server_in_dev_mode_too(tmp_path, evaluated):
    app = create_app({"TESTING": True, "DEV": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    prefetch = full_prefetch()
    del prefetch["observations"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{FHIR}/Observation", json=searchset())
        resp = app.test_client().post(PV, json=body(prefetch))
        assert len(rsps.calls) == 0
    assert resp.status_code == 412


def test_missing_key_without_fhir_server_is_412(client, evaluated):
    prefetch = full_prefetch()
    prefetch["medicationRequests"] = {"resourceType": "OperationOutcome", "issue": []}
    resp = client.post(PV, json=body(prefetch, server=None))
    assert resp.status_code == 412
    assert "medicationRequests" in resp.get_json()["message"] and "no fhirServer" in resp.get_json()["message"]


@pytest.mark.parametrize("failure", [
    {"status": 500, "json": {"resourceType": "OperationOutcome", "issue": []}},
    {"status": 401, "json": {}},
    {"status": 302, "headers": {"Location": "https://evil.example.net/"}},
    {"body": requests.exceptions.ReadTimeout("read timed out")},
    {"body": requests.exceptions.ConnectTimeout("connect timed out")},
    {"body": requests.exceptions.ConnectionError("refused")},
    {"status": 200, "body": "not json"},
    {"status": 200, "json": {"resourceType": "OperationOutcome", "issue": []}},
])
def test_fhir_server_errors_and_time_outs_are_412(client, evaluated, failure):
    prefetch = full_prefetch()
    del prefetch["procedures"]
    with responses.RequestsMock() as rsps:
        rsps.get(f"{FHIR}/Procedure", **failure)
        resp = client.post(PV, json=body(prefetch))
    assert resp.status_code == 412
    assert resp.get_json()["error"] == "precondition-failed"
    assert evaluated == []


def test_time_outs_and_deadline_are_passed_to_requests(app, evaluated, monkeypatch):
    app.config.update(FHIR_CONNECT_TIMEOUT=1.5, FHIR_READ_TIMEOUT=4.0, FHIR_DEADLINE=30.0)
    seen = []
    original = requests.Session.send

    def spy(self, prepared, **kwargs):
        seen.append(kwargs["timeout"])
        return original(self, prepared, **kwargs)

    monkeypatch.setattr(requests.Session, "send", spy)
    prefetch = full_prefetch()
    del prefetch["procedures"]
    with responses.RequestsMock() as rsps:
        rsps.get(f"{FHIR}/Procedure", json=searchset())
        assert app.test_client().post(PV, json=body(prefetch)).status_code == 200
    assert seen == [(1.5, 4.0)]


def test_spent_deadline_stops_fetching_before_any_request(app, evaluated):
    app.config["FHIR_DEADLINE"] = 0
    prefetch = full_prefetch()
    del prefetch["procedures"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{FHIR}/Procedure", json=searchset())
        resp = app.test_client().post(PV, json=body(prefetch))
        assert len(rsps.calls) == 0
    assert resp.status_code == 412 and "deadline" in resp.get_json()["message"]


def test_unknown_prefetch_keys_are_used_as_data(client, evaluated):
    """The Sandbox sends its own keys (dxa, meds): their resources count like ours."""
    prefetch = full_prefetch()
    prefetch["dxa"] = searchset(obs(7))
    assert client.post(PV, json=body(prefetch)).status_code == 200
    assert "Observation/o7" in ids(evaluated[0])


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://fhir.example.org/r4/Observation?patient=1", True),
    ("https://FHIR.example.org:443/r4/Patient/1", True),
    ("https://fhir.example.org/r4", True),
    ("https://fhir.example.org/r4x/Patient/1", False),
    ("https://fhir.example.org/r4/../admin", False),
    ("https://fhir.example.org/other", False),
    ("http://fhir.example.org/r4/Patient/1", False),
    ("https://fhir.example.org.evil.net/r4/Patient/1", False),
    ("https://fhir.example.org@evil.net/r4/Patient/1", False),
    ("ftp://fhir.example.org/r4/Patient/1", False),
    ("http://localhost:8081/Patient/1", True),
    ("http://localhost:8082/Patient/1", False),
])
def test_allow_list_compares_scheme_host_port_and_path_segments(url, allowed):
    assert Allowlist(" https://fhir.example.org/r4/ , http://localhost:8081").allows(url) is allowed

"""FHIR-server faults against a real loopback server: every one ends in 412 within the deadline, and the
allow-list is checked on the canonical URL that is then requested."""

from __future__ import annotations

import gc
import os
import threading
import time

import pytest
import requests

from cds_service import create_app
from cds_service.allowlist import Allowlist, canonical_url
from cds_service.fhir_client import FetchError, FhirClient
from fhir_mappings.prefetch import prefetch_templates
from tests.fhir_stub import FhirStub

PV = "/cds-services/osteoporosis-rcop-patient-view"
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-01-01"}
DEADLINE = 0.5


@pytest.fixture
def stub():
    with FhirStub() as server:
        yield server


@pytest.fixture
def app(tmp_path, stub):
    return create_app({"TESTING": True, "DEV": True, "TODAY": "2026-11-22", "FHIR_ALLOWLIST": stub.base,
                       "FHIR_DEADLINE": DEADLINE, "FHIR_READ_TIMEOUT": 10.0, "FHIR_MAX_BYTES": 1024 * 1024,
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'faults.sqlite3'}"})


def body_without_observations(server: str) -> dict:
    prefetch = {k: {"resourceType": "Bundle", "type": "searchset"} for k in prefetch_templates()}
    prefetch["patient"] = PATIENT
    del prefetch["observations"]
    return {"hook": "patient-view", "hookInstance": "f1", "context": {"userId": "Practitioner/u1", "patientId": "p1"},
            "prefetch": prefetch, "fhirServer": server,
            "fhirAuthorization": {"access_token": "fhir-token", "token_type": "Bearer"}}


FAULTS = {
    "drip-body": "deadline exceeded",
    "drip-headers": "deadline exceeded",
    "hang": "deadline exceeded",
    "redirect": "HTTP 302",
    "huge": "byte budget",
    "next": "more than 20 pages",
    "status401": "HTTP 401",
    "status500": "HTTP 500",
    "malformed": "invalid JSON",
}


@pytest.mark.parametrize(("mode", "reason"), FAULTS.items())
def test_each_fhir_fault_ends_in_412_within_the_deadline(app, stub, mode, reason):
    start = time.monotonic()
    resp = app.test_client().post(PV, json=body_without_observations(f"{stub.base}/{mode}"))
    elapsed = time.monotonic() - start
    assert resp.status_code == 412, resp.get_json()
    assert reason in resp.get_json()["message"]
    assert elapsed < DEADLINE + 0.4, f"{mode}: {elapsed:.2f} s"
    assert all(p.startswith(f"/r4/{mode}/") for p in stub.paths)  # the redirect was never followed


def test_a_slow_but_complete_server_still_answers(app, stub):
    resp = app.test_client().post(PV, json=body_without_observations(f"{stub.base}/ok"))
    assert resp.status_code == 200 and len(stub.paths) == 1


def _resources() -> tuple[int, int, int]:
    gc.collect()
    with open("/proc/self/statm") as f:
        rss_pages = int(f.read().split()[1])
    return threading.active_count(), len(os.listdir("/proc/self/fd")), rss_pages * os.sysconf("SC_PAGE_SIZE")


def test_no_thread_fd_or_memory_growth_over_1000_fast_fault_calls(app, stub):
    client = app.test_client()
    modes = ["status500", "status401", "malformed", "redirect"]
    for i in range(100):  # warm-up: caches, pools, allocator arenas
        client.post(PV, json=body_without_observations(f"{stub.base}/{modes[i % 4]}"))
    threads, fds, rss = _resources()
    statuses = {client.post(PV, json=body_without_observations(f"{stub.base}/{modes[i % 4]}")).status_code
                for i in range(1000)}
    time.sleep(0.1)
    threads_after, fds_after, rss_after = _resources()
    assert statuses == {412}
    assert threads_after <= threads and fds_after <= fds
    assert rss_after - rss < 8 * 1024 * 1024, f"RSS grew by {(rss_after - rss) / 1e6:.1f} MB"


# URL canonicalisation and the allow-list ------------------------------------------------------------------
DISGUISED = [
    "https://fhir.example.org/r4/%2e%2e/evil/Patient/1",
    "https://fhir.example.org/r4/%2E%2e/evil",
    "https://fhir.example.org/r4/%252e%252e/evil",
    "https://fhir.example.org/r4/../evil",
    "https://fhir.example.org/r4/./../evil",
    "https://fhir.example.org/r4/..%2fevil",
    "https://fhir.example.org/r4%2f..%2fevil",
    "https://fhir.example.org/r4\\..\\evil",
    "https://fhir.example.org\\@evil.net/r4",
    "https://user:pw@fhir.example.org/r4/Patient/1",
    "https://fhir.example.org@evil.net/r4/Patient/1",
    "https://fhir.example.org:443@evil.net/r4",
    "https://evil.net#@fhir.example.org/r4",
    "https://fhir.example.org/r4/Patient/1 HTTP/1.1\r\nX: y",
    "https://fhir.example.org/r4/%00/Patient",
    "https://fhir.example.org.evil.net/r4",
    "https://fhir.example.org:8443/r4",
    "http://fhir.example.org/r4",
    "https://fhir.example.org/r4x",
    "https://fhír.example.org/r4",
    "https://fhir.example.org:99999/r4",
    "file:///etc/passwd",
    "//fhir.example.org/r4",
]


@pytest.mark.parametrize("url", DISGUISED)
def test_disguised_urls_are_refused(url):
    assert not Allowlist("https://fhir.example.org/r4").allows(url)


@pytest.mark.parametrize(("url", "canonical"), [
    ("HTTPS://FHIR.Example.ORG:443/r4/Patient/1", "https://fhir.example.org/r4/Patient/1"),
    ("https://fhir.example.org//r4///Patient/1", "https://fhir.example.org/r4/Patient/1"),
    ("https://fhir.example.org/r4/Observation?code=http://loinc.org|38267-1&patient=p1",
     "https://fhir.example.org/r4/Observation?code=http://loinc.org%7C38267-1&patient=p1"),
    ("http://127.0.0.1:80/r4/%41bc", "http://127.0.0.1/r4/Abc"),
    ("http://[::1]:8080/r4", "http://[::1]:8080/r4"),
])
def test_urls_are_put_in_one_canonical_form_that_requests_sends_unchanged(url, canonical):
    assert canonical_url(url) == canonical
    assert requests.Request("GET", canonical).prepare().url == canonical
    assert Allowlist(canonical.split("/r4")[0] + "/r4").allows(url)


def test_an_encoded_dot_segment_in_a_next_link_sends_nothing(app, stub):
    client = FhirClient(stub.base, Allowlist(stub.base), deadline=DEADLINE)
    bundle = {"resourceType": "Bundle", "link": [{"relation": "next", "url": f"{stub.base}/%2e%2e/evil/Observation"}]}
    with pytest.raises(FetchError, match="allow-list"):
        client.follow_pages(bundle)
    client.close()
    assert stub.paths == []


def test_the_request_goes_to_the_canonical_url_that_was_checked(stub):
    disguised = "HTTP://" + stub.base[len("http://"):].replace("/r4", "//r4") + "//"
    client = FhirClient(disguised, Allowlist(stub.base), deadline=2)
    client.read("ok//Observation?patient=p1")
    client.close()
    assert stub.paths == ["/r4/ok/Observation?patient=p1"]

"""What the README's "Try it with the CDS Hooks Sandbox" says, checked against what the Sandbox really sent
(../shared/cds-hooks/sandbox-captured) and its key set (../shared/cds-hooks/sandbox-jwks.json).

We cannot sign as the Sandbox: its key set is checked to load as the static `jwks` the README shows, and a token of
the captured shape (header and claims) is signed with a test key put in the Sandbox's place, under its issuer."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import ec

from cds_service import create_app
from cds_service.auth import load_issuers

CDS = Path(__file__).resolve().parents[1].parent / "shared" / "cds-hooks"
CAPTURED = CDS / "sandbox-captured"
SANDBOX = "https://sandbox.cds-hooks.org"
FHIR = "http://127.0.0.1:8081"  # the FHIR server of the captured session
EMPTY = {"resourceType": "Bundle", "type": "searchset", "total": 0}
CALLS = [  # the Sandbox's session in order: patient view, then the Rx View before and after a medication is chosen
    ("sandbox-request-osteo-pv.json", "osteoporosis-rcop-patient-view"),
    ("sandbox-request-osteo-os-before-med-chosen.json", "osteoporosis-rcop-order-select"),
    ("sandbox-request-osteo-os-with-med.json", "osteoporosis-rcop-order-select"),
]


def captured(name: str) -> dict:
    return json.loads((CAPTURED / name).read_text(encoding="utf-8"))


def readme_section() -> str:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    return text.split("## Try it with the CDS Hooks Sandbox", 1)[1].split("\n## ", 1)[0]


def issuers_file(tmp_path, jwks: dict) -> str:
    path = tmp_path / "sandbox-issuers.json"
    path.write_text(json.dumps({"issuers": [{"iss": SANDBOX, "jwks": jwks}]}))
    return str(path)


def test_the_readme_names_the_sandbox_parameters_settings_and_key_set():
    section = readme_section()
    for needed in ("serviceDiscoveryURL=", "fhirServiceUrl=", "patientId=", "OSTEOCDS_PUBLIC_BASE_URL",
                   "OSTEOCDS_TODAY", "OSTEOCDS_FHIR_ALLOWLIST", "OSTEOCDS_CORS_ORIGINS",
                   f"{SANDBOX}/.well-known/jwks.json", "../shared/cds-hooks/sandbox-jwks.json"):
        assert needed in section
    issuers = json.loads(re.search(r"<<'JSON'\n(.*?)\nJSON", section, re.S).group(1))
    assert issuers == {"issuers": [{"iss": SANDBOX, "jwks_url": f"{SANDBOX}/.well-known/jwks.json"}]}


def test_the_sandbox_key_set_loads_as_a_static_jwks_with_the_key_its_tokens_name(tmp_path):
    jwks = json.loads((CDS / "sandbox-jwks.json").read_text())
    header = captured("sandbox-jwt-decoded-discovery.json")["header"]
    issuer = load_issuers(issuers_file(tmp_path, jwks))[SANDBOX]
    key = next(k for k in issuer.keys if k["kid"] == header["kid"])
    assert jwt.PyJWK(key).algorithm_name == header["alg"] == "ES384"


@pytest.fixture
def sandbox_key():
    """A test key in the Sandbox's place (same issuer, kid and algorithm)."""
    private = ec.generate_private_key(ec.SECP384R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    kid = captured("sandbox-jwt-decoded-discovery.json")["header"]["kid"]
    return private, {"keys": [{**public, "kid": kid, "alg": "ES384", "use": "sig"}]}


def sandbox_token(private, audience: str) -> str:
    """The captured token's shape: ES384, kid and jku headers, iat rounded up half a second, exp = iat + 300."""
    header = captured("sandbox-jwt-decoded-discovery.json")["header"]
    iat = int(time.time() + 0.5) + 1
    claims = {"iss": SANDBOX, "aud": audience, "iat": iat, "exp": iat + 300, "jti": f"jti-{time.monotonic_ns()}"}
    return jwt.encode(claims, private, algorithm="ES384", headers={"kid": header["kid"], "jku": header["jku"]})


def test_a_token_of_the_sandboxs_shape_is_accepted_at_the_public_base_url_and_only_there(tmp_path, sandbox_key):
    """The captured `aud` is http://127.0.0.1:8082/...: with PUBLIC_BASE_URL equal to it the call is trusted; the same
    call addressed as localhost is another audience (401)."""
    private, jwks = sandbox_key
    base = captured("sandbox-jwt-decoded-discovery.json")["payload"]["aud"].rsplit("/cds-services", 1)[0]
    app = create_app({"TESTING": True, "DEV": False, "ISSUERS_FILE": issuers_file(tmp_path, jwks), "PUBLIC_BASE_URL": base,
                      "FHIR_ALLOWLIST": FHIR, "TODAY": "2026-11-22", "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite3'}"})
    client = app.test_client()
    path = "/cds-services/osteoporosis-rcop-patient-view"
    body = captured("sandbox-request-osteo-pv.json")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, re.compile(re.escape(FHIR) + "/.*"), json=EMPTY)
        def call(audience: str) -> int:
            return client.post(path, json=body, headers={"Authorization": f"Bearer {sandbox_token(private, audience)}"}).status_code

        assert call(base + path) == 200
        assert call(base.replace("127.0.0.1", "localhost") + path) == 401
        assert client.post(path, json=body).status_code == 401  # production: never without a token


def test_the_captured_session_replays_in_development_mode(tmp_path):
    """Patient view (prefetch keys of an earlier discovery; the rest fetched from the allow-listed FHIR server), the
    Rx View's odd drafts, then feedback accepted and overridden: all answered, both feedback rows stored."""
    app = create_app({"TESTING": True, "DEV": True, "FHIR_ALLOWLIST": FHIR, "TODAY": "2026-11-22",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'replay.sqlite3'}"})
    client = app.test_client()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.GET, re.compile(re.escape(FHIR) + "/.*"), json=EMPTY)
        answers = [client.post(f"/cds-services/{service}", json=captured(name)) for name, service in CALLS]
        fetched = {c.request.url.split("?")[0].rsplit("/", 1)[-1] for c in rsps.calls}
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert {"Observation", "Procedure"} <= fetched  # keys the Sandbox's cached discovery lacked
    pv_topics = {c["source"]["topic"]["code"] for c in answers[0].get_json()["cards"]}
    assert "switch-therapy" in pv_topics  # Hallie Hoeger's fracture on alendronate (tests/test_rcop_synthea.py)
    stored = [client.post("/cds-services/osteoporosis-rcop-patient-view/feedback", json=captured(name)).get_json()
              for name in ("sandbox-feedback-accepted.json", "sandbox-feedback-overridden.json")]
    assert stored == [{"stored": 1, "duplicates": 0}] * 2

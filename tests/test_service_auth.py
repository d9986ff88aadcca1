"""JWT bearer authentication: the matrix of the CDS Hooks security rules (keys generated here)."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from cds_service import create_app
from cds_service.auth import IssuersFileError, load_issuers

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ISS = "https://ehr.example.org"
URL_ISS = "https://url-ehr.example.org"
JWKS_URL = "https://url-ehr.example.org/.well-known/jwks.json"
FEEDBACK = "/cds-services/osteoporosis-rcop-patient-view/feedback"
FEEDBACK_BODY = {"feedback": [{"card": "c1", "outcome": "overridden", "outcomeTimestamp": "2026-11-22T10:00:00Z"}]}


def _jwk(public_key, kid, alg):
    algo = ECAlgorithm if alg.startswith("ES") else RSAAlgorithm
    jwk = algo.to_jwk(public_key, as_dict=True)
    jwk.update(kid=kid, alg=alg, use="sig")
    return jwk


@pytest.fixture(scope="module")
def keys():
    ec384 = ec.generate_private_key(ec.SECP384R1())
    ec256 = ec.generate_private_key(ec.SECP256R1())
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = ec.generate_private_key(ec.SECP384R1())
    return {
        "ES384": (ec384, _jwk(ec384.public_key(), "ec384", "ES384")),
        "ES256": (ec256, _jwk(ec256.public_key(), "ec256", "ES256")),
        "RS384": (rsa_key, _jwk(rsa_key.public_key(), "rsa", "RS384")),
        "RS256": (rsa_key, _jwk(rsa_key.public_key(), "rsa256", "RS256")),
        "other": (other, _jwk(other.public_key(), "other", "ES384")),
    }


NO_ALG_ISS = "https://no-alg.example.org"


def without_alg(jwk, kid):
    return {**{k: v for k, v in jwk.items() if k != "alg"}, "kid": kid}


@pytest.fixture
def app(tmp_path, keys, database_url):
    """Production mode; the replay cache is on SQLite and, in CI, on PostgreSQL too (`database_url`)."""
    static = [keys[a][1] for a in ("ES384", "ES256", "RS384", "RS256")]
    no_alg = [without_alg(keys["ES384"][1], "ec-no-alg"), without_alg(keys["RS384"][1], "rsa-no-alg")]
    issuers = {"issuers": [
        {"iss": ISS, "jwks": {"keys": static}},
        {"iss": URL_ISS, "jwks_url": JWKS_URL},
        {"iss": NO_ALG_ISS, "jwks": {"keys": no_alg}},
    ]}
    path = tmp_path / "issuers.json"
    path.write_text(json.dumps(issuers))
    app = create_app({"TESTING": True, "DEV": False, "TODAY": "2026-11-22", "ISSUERS_FILE": str(path),
                      "DATABASE_URL": database_url})
    yield app
    app.extensions["osteocds.db"].dispose()


def token(keys, alg="ES384", *, key_name=None, kid=None, aud="http://localhost" + FEEDBACK, iss=ISS, **claims):
    private, jwk = keys[key_name or alg]
    now = int(time.time())
    payload = {"iss": iss, "aud": aud, "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, private, algorithm=alg, headers={"kid": kid or jwk["kid"]})


def post(client, tok, path=FEEDBACK, body=FEEDBACK_BODY):
    headers = {} if tok is None else {"Authorization": f"Bearer {tok}"}
    return client.post(path, json=body, headers=headers)


@pytest.mark.parametrize("alg", ["ES384", "RS384", "ES256", "RS256"])
def test_valid_token_is_accepted(client, keys, alg):
    assert post(client, token(keys, alg)).status_code == 200


def test_invocation_checks_the_token_against_its_own_url(client, keys, cds_request):
    path = "/cds-services/osteoporosis-rcop-patient-view"
    body = {"hook": "patient-view", "hookInstance": "h1", "context": {"userId": "Practitioner/1", "patientId": "p1"}}
    assert post(client, None, path=path, body=body).status_code == 401
    wrong = post(client, token(keys, aud="http://localhost" + FEEDBACK), path=path, body=body)
    assert wrong.status_code == 401
    right = post(client, token(keys, aud="http://localhost" + path), path=path, body={**body, "hook": "order-sign"})
    assert right.status_code == 400  # authenticated, then validated


def test_missing_or_non_bearer_authorization_is_401_without_details(client, keys):
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}):
        resp = client.post(FEEDBACK, json=FEEDBACK_BODY, headers=headers)
        assert resp.status_code == 401
        assert resp.get_json() == {"error": "unauthorized"}
        assert resp.headers["WWW-Authenticate"] == "Bearer"


def test_alg_none_is_refused(client):
    now = int(time.time())
    tok = jwt.encode({"iss": ISS, "aud": "http://localhost" + FEEDBACK, "iat": now, "exp": now + 300, "jti": "n1"},
                     None, algorithm="none")
    assert post(client, tok).status_code == 401


@pytest.mark.parametrize("alg", ["HS256", "HS384", "HS512"])
def test_hmac_algorithms_are_refused(client, alg):
    now = int(time.time())
    tok = jwt.encode({"iss": ISS, "aud": "http://localhost" + FEEDBACK, "iat": now, "exp": now + 300, "jti": alg},
                     "k" * 64, algorithm=alg, headers={"kid": "ec384"})
    assert post(client, tok).status_code == 401


def test_wrong_signature_is_refused(client, keys):
    # signed by another key but claiming the trusted key's kid
    assert post(client, token(keys, "ES384", key_name="other", kid="ec384")).status_code == 401


def test_unknown_kid_is_refused(client, keys):
    assert post(client, token(keys, "ES384", key_name="other")).status_code == 401


def test_unknown_issuer_is_refused(client, keys):
    assert post(client, token(keys, iss="https://stranger.example.org")).status_code == 401


def test_wrong_audience_is_refused(client, keys):
    assert post(client, token(keys, aud="http://localhost/cds-services/osteoporosis-vitaz-patient-view/feedback")).status_code == 401
    assert post(client, token(keys, aud="http://localhost" + FEEDBACK + "/")).status_code == 401


def test_public_base_url_sets_the_expected_audience(app, keys):
    app.config["PUBLIC_BASE_URL"] = "https://cds.example.org/osteo/"
    client = app.test_client()
    assert post(client, token(keys)).status_code == 401
    assert post(client, token(keys, aud="https://cds.example.org/osteo" + FEEDBACK)).status_code == 200


def test_expired_token_is_refused(client, keys):
    now = int(time.time())
    assert post(client, token(keys, iat=now - 400, exp=now - 5)).status_code == 401


@pytest.mark.parametrize("claim", ["exp", "iat", "jti", "aud", "iss"])
def test_required_claims(client, keys, claim):
    assert post(client, token(keys, **{claim: None})).status_code == 401


def test_replayed_jti_is_refused(client, keys):
    tok = token(keys)
    assert post(client, tok).status_code == 200
    assert post(client, tok).status_code == 401


def test_iat_slightly_in_the_future_is_accepted_within_60_seconds(client, keys):
    now = int(time.time())
    assert post(client, token(keys, iat=now + 30)).status_code == 200
    assert post(client, token(keys, iat=now + 120, exp=now + 400)).status_code == 401


def test_jwks_url_is_fetched_from_configuration_never_from_jku(client, keys):
    private, jwk = keys["ES384"]
    now = int(time.time())
    payload = {"iss": URL_ISS, "aud": "http://localhost" + FEEDBACK, "iat": now, "exp": now + 300, "jti": "j1"}
    tok = jwt.encode(payload, private, algorithm="ES384",
                     headers={"kid": jwk["kid"], "jku": "https://evil.example.net/jwks.json"})
    with responses.RequestsMock() as rsps:
        rsps.get(JWKS_URL, json={"keys": [jwk]})
        assert post(client, tok).status_code == 200
        assert [c.request.url for c in rsps.calls] == [JWKS_URL]


def test_unknown_kid_refreshes_the_jwks_at_most_once_a_minute(app, keys):
    client = app.test_client()
    first, rotated = keys["ES384"][1], keys["other"][1]
    with responses.RequestsMock() as rsps:
        rsps.get(JWKS_URL, json={"keys": [first]})
        assert post(client, token(keys, "ES384", iss=URL_ISS)).status_code == 200
        # a new kid right away: no refetch within the minute, so refused
        assert post(client, token(keys, "ES384", key_name="other", iss=URL_ISS)).status_code == 401
        assert len(rsps.calls) == 1
    issuer = app.extensions["osteocds.auth"].issuers[URL_ISS]
    issuer.fetched_at -= 61  # a minute later the rotated key is fetched once
    with responses.RequestsMock() as rsps:
        rsps.get(JWKS_URL, json={"keys": [first, rotated]})
        assert post(client, token(keys, "ES384", key_name="other", iss=URL_ISS)).status_code == 200
        assert post(client, token(keys, "ES384", key_name="other", iss=URL_ISS)).status_code == 200
        assert len(rsps.calls) == 1


def test_dev_mode_needs_no_token(tmp_path):
    app = create_app({"TESTING": True, "DEV": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'd.sqlite3'}"})
    assert app.test_client().post(FEEDBACK, json=FEEDBACK_BODY).status_code == 200


def test_the_sandbox_key_set_loads_as_a_static_jwks(tmp_path):
    jwks = json.loads((SHARED / "cds-hooks" / "sandbox-jwks.json").read_text())
    path = tmp_path / "issuers.json"
    path.write_text(json.dumps({"issuers": [{"iss": "https://sandbox.cds-hooks.org", "jwks": jwks}]}))
    issuer = load_issuers(path)["https://sandbox.cds-hooks.org"]
    assert [k["kid"] for k in issuer.keys] == ["44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"]
    assert jwt.PyJWK(issuer.keys[0]).algorithm_name == "ES384"


@pytest.mark.parametrize("content", [
    "not json",
    json.dumps({"issuers": {}}),
    json.dumps({"issuers": [{"iss": ISS}]}),
    json.dumps({"issuers": [{"iss": ISS, "jwks_url": "https://a", "jwks": {"keys": []}}]}),
    json.dumps({"issuers": [{"iss": ISS, "jwks": {"keys": [{"kty": "EC", "crv": "P-384"}]}}]}),
])
def test_a_bad_issuers_file_fails_at_start(tmp_path, content):
    path = tmp_path / "issuers.json"
    path.write_text(content)
    with pytest.raises(IssuersFileError):
        create_app({"TESTING": True, "ISSUERS_FILE": str(path), "DATABASE_URL": f"sqlite:///{tmp_path / 'f.sqlite3'}"})


@pytest.mark.parametrize(("alg", "key_name", "kid"), [
    ("RS384", "RS384", "ec-no-alg"),   # an RSA signature naming an EC key that states no alg
    ("ES384", "ES384", "rsa-no-alg"),  # an EC signature naming an RSA key
    ("ES256", "ES256", "ec-no-alg"),   # P-256 signature naming a P-384 key
])
def test_an_alg_that_does_not_fit_the_key_type_is_401_not_500(client, keys, alg, key_name, kid):
    resp = post(client, token(keys, alg, key_name=key_name, kid=kid, iss=NO_ALG_ISS))
    assert resp.status_code == 401 and resp.get_json() == {"error": "unauthorized"}


def test_keys_without_alg_still_verify_their_own_algorithm(client, keys):
    assert post(client, token(keys, "ES384", kid="ec-no-alg", iss=NO_ALG_ISS)).status_code == 200
    assert post(client, token(keys, "RS384", kid="rsa-no-alg", iss=NO_ALG_ISS)).status_code == 200


@pytest.mark.parametrize(("claim", "value"), [
    ("exp", "99999999999"), ("exp", float("nan")), ("exp", float("inf")), ("exp", True), ("exp", 2**63),
    ("exp", 2**64 + 5), ("iat", "0"), ("iat", float("nan")), ("iat", False), ("iat", -(2**63) - 1),
    ("nbf", "0"), ("nbf", float("-inf")), ("nbf", [1]),
])
def test_time_claims_must_be_finite_64_bit_numbers(client, keys, claim, value):
    assert post(client, token(keys, **{claim: value})).status_code == 401


def test_the_largest_64_bit_exp_is_accepted_once_and_replay_is_still_refused(client, keys):
    tok = token(keys, exp=2**63 - 1)
    assert post(client, tok).status_code == 200
    assert post(client, tok).status_code == 401
    assert post(client, token(keys, exp=time.time() + 300.5, iat=time.time())).status_code == 200


def test_an_overlong_jti_is_401_not_a_database_error(client, keys):
    assert post(client, token(keys, jti="j" * 201)).status_code == 401

"""Production: the viewer's own server-side issuer signs the page's feedback calls; nothing else gets in."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cds_service import create_app
from cds_service.auth import IssuersFileError
from cds_service.viewer.signer import VIEWER_ISSUER, ViewerKeyError

SERVICE = "osteoporosis-rcop-patient-view"
FEEDBACK = {"feedback": [{"card": "a6bfa6a5-3a3e-4a8d-9b8e-0d0d1b0f0c01", "outcome": "overridden",
                          "outcomeTimestamp": datetime.now(timezone.utc).isoformat()}]}


def pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


@pytest.fixture
def key_file(tmp_path):
    path = tmp_path / "viewer.pem"
    path.write_bytes(pem(ec.generate_private_key(ec.SECP384R1())))
    return path


def production(tmp_path, key_file, **config):
    return create_app({"TESTING": True, "DEV": False, "VIEWER_KEY_FILE": str(key_file),
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}", **config}).test_client()


def token(client, service=SERVICE, **headers) -> str:
    resp = client.post("/viewer/token", json={"service": service}, headers=headers)
    assert resp.status_code == 200
    return resp.get_json()["token"]


def test_the_page_and_its_token_are_served_in_production_with_the_viewer_key(tmp_path, key_file):
    client = production(tmp_path, key_file)
    assert client.get("/viewer").status_code == 200
    assert 'data-auth="jwt"' in client.get("/viewer").get_data(as_text=True)
    claims = jwt.decode(token(client), options={"verify_signature": False})
    assert claims["iss"] == VIEWER_ISSUER and claims["aud"] == f"http://localhost/cds-services/{SERVICE}/feedback"
    assert claims["exp"] - claims["iat"] == 60 and claims["jti"]


def test_a_viewer_token_posts_feedback_once_for_its_own_service_only(tmp_path, key_file):
    client = production(tmp_path, key_file)
    url = f"/cds-services/{SERVICE}/feedback"
    assert client.post(url, json=FEEDBACK).status_code == 401  # production: no token, no feedback
    signed = token(client)
    assert client.post(url, json=FEEDBACK, headers={"Authorization": f"Bearer {signed}"}).status_code == 200
    assert client.post(url, json=FEEDBACK, headers={"Authorization": f"Bearer {signed}"}).status_code == 401  # one use
    other = token(client, "osteoporosis-vitaz-patient-view")
    assert client.post(url, json=FEEDBACK, headers={"Authorization": f"Bearer {other}"}).status_code == 401  # its aud
    invoke = token(client)
    assert client.post(f"/cds-services/{SERVICE}", json={}, headers={"Authorization": f"Bearer {invoke}"}).status_code == 401


def test_the_audience_follows_the_public_base_url(tmp_path, key_file):
    client = production(tmp_path, key_file, PUBLIC_BASE_URL="https://cds.example.org/osteo")
    claims = jwt.decode(token(client), options={"verify_signature": False})
    assert claims["aud"] == f"https://cds.example.org/osteo/cds-services/{SERVICE}/feedback"


def test_a_token_is_refused_to_another_site_and_for_an_unknown_service(tmp_path, key_file):
    client = production(tmp_path, key_file)
    assert client.post("/viewer/token", json={"service": SERVICE}, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/viewer/token", json={"service": SERVICE}, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    for body in ({"service": "nope"}, {"service": ["a"]}, ["x"], None):
        assert client.post("/viewer/token", json=body).status_code == 400
    assert token(client, Origin="http://localhost", **{"Sec-Fetch-Site": "same-origin"})


def test_development_mode_without_a_key_has_no_token_endpoint(client):
    assert 'data-auth="none"' in client.get("/viewer").get_data(as_text=True)
    assert client.post("/viewer/token", json={"service": SERVICE}).status_code == 404


@pytest.mark.parametrize("content", [b"not a key", pem(ec.generate_private_key(ec.SECP521R1())),
                                     pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))])
def test_an_unusable_viewer_key_fails_at_start(tmp_path, content):
    path = tmp_path / "bad.pem"
    path.write_bytes(content)
    with pytest.raises(ViewerKeyError):
        production(tmp_path, path)


def test_the_issuers_file_cannot_claim_the_viewers_issuer(tmp_path, key_file):
    issuers = tmp_path / "issuers.json"
    issuers.write_text(json.dumps({"issuers": [{"iss": VIEWER_ISSUER, "jwks_url": "https://example.org/jwks"}]}))
    with pytest.raises(IssuersFileError):
        production(tmp_path, key_file, ISSUERS_FILE=str(issuers))

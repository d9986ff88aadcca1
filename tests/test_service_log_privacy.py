"""The whole log output of the suite's kinds of requests holds no token, patient id, name or birth date."""

from __future__ import annotations

import io
import json
import logging
import re
import time
import uuid
from pathlib import Path

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from cds_service import create_app, pipeline
from cds_service.bundle_request import request_from_bundle
from cds_service.logs import JsonFormatter

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "rcop" / "RCOP-DMAB-4-in-overdue-under-3-years-critical.json"
ISS = "https://ehr.example.org"
FHIR = "https://fhir.example.org/r4"
PATIENT_ID = "pz7q4k1x"
SECRETS = {"FHIR access token": "fhir-access-7Hq2LmZ", "family name": "Jansenius", "given name": "Jantje",
           "birth date": "1951-03-17", "patient id": PATIENT_ID, "hookInstance": f"1288992 Jantje Jansenius 1951-03-17"}


def record() -> dict:
    bundle = json.loads(FIXTURE.read_text().replace('"dm4"', f'"{PATIENT_ID}"').replace("Patient/dm4", f"Patient/{PATIENT_ID}"))
    patient = bundle["entry"][0]["resource"]
    patient.update(birthDate=SECRETS["birth date"], name=[{"family": SECRETS["family name"], "given": [SECRETS["given name"]]}])
    return bundle


@pytest.fixture
def signer(tmp_path):
    key = ec.generate_private_key(ec.SECP384R1())
    jwk = {**ECAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "k1", "alg": "ES384"}
    path = tmp_path / "issuers.json"
    path.write_text(json.dumps({"issuers": [{"iss": ISS, "jwks": {"keys": [jwk]}}]}))
    tokens: list[str] = []

    def sign(path: str) -> dict:
        now = int(time.time())
        tok = jwt.encode({"iss": ISS, "aud": "http://localhost" + path, "iat": now, "exp": now + 300,
                          "jti": str(uuid.uuid4())}, key, algorithm="ES384", headers={"kid": "k1"})
        tokens.append(tok)
        return {"Authorization": f"Bearer {tok}"}

    return str(path), sign, tokens


def test_no_secret_or_patient_data_in_the_log(tmp_path, signer, monkeypatch):
    issuers, sign, tokens = signer
    app = create_app({"TESTING": True, "DEV": False, "TODAY": "2026-11-22", "ISSUERS_FILE": issuers,
                      "FHIR_ALLOWLIST": FHIR, "LOG_LEVEL": "DEBUG",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'privacy.sqlite3'}"})
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for name in ("osteocds", ""):
        logging.getLogger(name).addHandler(handler)
    root.setLevel(logging.DEBUG)
    client = app.test_client()
    pv, os_, fb = ("/cds-services/osteoporosis-rcop-patient-view", "/cds-services/osteoporosis-rcop-order-select",
                   "/cds-services/osteoporosis-rcop-patient-view/feedback")
    body = request_from_bundle(record())
    body["hookInstance"] = SECRETS["hookInstance"]
    fetch = {**body, "fhirServer": FHIR, "fhirAuthorization": {"access_token": SECRETS["FHIR access token"],
                                                                "token_type": "Bearer"}}
    fetch["prefetch"] = {k: v for k, v in body["prefetch"].items() if k != "observations"}
    try:
        cards = client.post(pv, json=body, headers=sign(pv)).get_json()["cards"]
        assert cards
        with responses.RequestsMock() as rsps:
            rsps.get(f"{FHIR}/Observation", json={"resourceType": "Bundle", "type": "searchset"})
            assert client.post(pv, json=fetch, headers=sign(pv)).status_code == 200
            rsps.get(f"{FHIR}/Observation", status=500, body="patient " + PATIENT_ID)
            assert client.post(pv, json=fetch, headers=sign(pv)).status_code == 412
        order = request_from_bundle(record(), hook="order-select", draft_orders=[
            {"resourceType": "MedicationRequest", "id": "d1", "status": "draft", "subject": {"reference": f"Patient/{PATIENT_ID}"}}])
        assert client.post(os_, json=order, headers=sign(os_)).status_code == 200
        replayed = sign(pv)
        assert client.post(pv, json=body, headers=replayed).status_code == 200
        assert client.post(pv, json=body, headers=replayed).status_code == 401
        assert client.post(pv, json=body, headers={"Authorization": "Bearer " + tokens[0][:-5] + "AAAAA"}).status_code == 401
        bad = {**body, "context": {**body["context"], "patientId": SECRETS["patient id"] + "/../x"}}
        assert client.post(pv, json=bad, headers=sign(pv)).status_code == 400
        feedback = {"feedback": [{"card": cards[0]["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-11-22T10:00:00Z",
                                  "overrideReason": {"userComment": "fine"}}]}
        assert client.post(fb, json=feedback, headers=sign(fb)).status_code == 200
        assert client.post(fb, json={"feedback": [{"card": SECRETS["birth date"]}]}, headers=sign(fb)).status_code == 400
        monkeypatch.setattr(pipeline, "evaluate", lambda *a, **k: {}[f"{SECRETS['family name']} {PATIENT_ID}"])
        assert client.post(pv, json=body, headers=sign(pv)).status_code == 500
    finally:
        for name in ("osteocds", ""):
            logging.getLogger(name).removeHandler(handler)
        root.setLevel(logging.WARNING)
    text = out.getvalue()
    assert "cds-call" in text and "feedback" in text and "fault" in text and "KeyError" in text
    leaks = {what: secret for what, secret in SECRETS.items() if secret in text}
    leaks.update({"bearer JWT": t for t in tokens if t in text or t.split(".")[2] in text})
    assert not re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", text), "a JWT in the log"
    assert leaks == {}, f"in the log: {sorted(leaks)}"

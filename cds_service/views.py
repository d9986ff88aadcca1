"""HTTP endpoints: discovery, invocation, feedback, health, OpenAPI."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import orjson

from flask import Flask, current_app, g, request
from werkzeug.exceptions import RequestEntityTooLarge

from cds_service import middleware, openapi, pipeline, version
from cds_service.errors import BadRequest, NotFound, Unauthorized
from cds_service.allowlist import Allowlist
from cds_service.fhir_client import FhirClient
from cds_service.logs import DEV_WARNING
from cds_service.services import SERVICES, Service, discovery_document
from cds_service.storage import IssuedCard
from cds_service.validation import validate_feedback, validate_request

LANGUAGES = ("nl", "en")


# helpers -----------------------------------------------------------------------------------------------
def today_of(config) -> date:
    value = config.get("TODAY")
    if value in (None, ""):
        return date.today()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def language_for(service: Service) -> str:
    lang = current_app.config.get("LANGUAGE") or service.default_lang
    named = [v.split("-")[0].lower() for v, q in request.accept_languages if q > 0]
    if any(v in LANGUAGES for v in named):
        lang = request.accept_languages.best_match(LANGUAGES) or lang
    return lang if lang in LANGUAGES else service.default_lang


def reject_oversized() -> None:
    """413 from the declared length, before authentication and before reading the body."""
    if request.content_length is not None and request.content_length > current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()


def read_body() -> bytearray:
    """The whole body, or 413 as soon as it passes MAX_CONTENT_LENGTH (chunked bodies too: never a truncated
    body parsed). gunicorn ends the stream at the declared length or the last chunk; a body shorter than its
    Content-Length (the client stopped, or the server's read deadline passed) is a 400. One growing buffer,
    not a list of chunks joined at the end: a multi-megabyte body is held once, not twice."""
    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    declared = request.content_length
    body = bytearray()
    if declared is None and not request.environ.get("wsgi.input_terminated"):
        return body  # no length and a server that does not end the stream: nothing is safe to read
    stream = request.environ["wsgi.input"]
    want = limit + 1 if declared is None else min(declared, limit + 1)
    while len(body) < want:
        try:
            chunk = stream.read(min(1 << 16, want - len(body)))
        except OSError:  # the server's read deadline passed mid-chunk, or a broken chunked encoding
            raise BadRequest(f"request body incomplete after {len(body)} bytes") from None
        if not chunk:
            break
        body += chunk
    if len(body) > limit:
        raise RequestEntityTooLarge()
    if declared is not None and len(body) < declared:
        raise BadRequest(f"request body ended after {len(body)} of the {declared} bytes its Content-Length announced")
    return body


def parse_json_body() -> Any:
    return parse_json(read_body())


def parse_json(raw: bytes | bytearray) -> Any:
    if not raw:
        raise BadRequest("request body is empty; a JSON object is required")
    try:
        return orjson.loads(raw)  # a multi-megabyte prefetch parses several times faster than with `json`
    except orjson.JSONDecodeError as exc:  # invalid UTF-8 included
        raise BadRequest(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def expected_audience() -> str:
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return str(base).rstrip("/") + request.path
    return request.base_url


def audience_for(path: str) -> str:
    """The `aud` a call to `path` of this service must carry, as `expected_audience` will compute it there."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/") + request.script_root
    return str(base).rstrip("/") + path


def authenticate() -> None:
    if current_app.config["DEV"]:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token")
    db = current_app.extensions["osteocds.db"]
    current_app.extensions["osteocds.auth"].verify(token.strip(), expected_audience(), db.remember_jti)


def hook_instance_hash(value: str) -> str:
    """What the log keeps of a hookInstance: a hash, since an EHR may put anything there (contract)."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def service_or_404(service_id: str) -> Service:
    service = SERVICES.get(service_id)
    if service is None:
        raise NotFound(f"no service '{service_id[:100]}'; GET /cds-services lists them")
    return service


_json = middleware.json_response


# endpoints ---------------------------------------------------------------------------------------------
def discovery():
    return _json(current_app.extensions["osteocds.discovery"])


def invoke(service_id: str):
    g.log = {"event": "cds-call", "service": service_id}
    service = service_or_404(service_id)
    reject_oversized()
    authenticate()
    raw = read_body()  # waiting for the client's bytes takes no budget, parsing and evaluating do
    with current_app.extensions["osteocds.budget"].hold(len(raw)):
        return _evaluate(service, parse_json(raw))


def _evaluate(service: Service, body: Any):
    if isinstance(body, dict) and isinstance(body.get("hookInstance"), str):
        g.log["hookInstance"] = hook_instance_hash(body["hookInstance"])
    req = validate_request(body, service)
    g.log["hook"] = req.hook

    cfg = current_app.config
    client = None
    if req.fhir_server:
        client = FhirClient(
            req.fhir_server,
            current_app.extensions["osteocds.allowlist"],
            access_token=req.access_token,
            connect_timeout=float(cfg["FHIR_CONNECT_TIMEOUT"]),
            read_timeout=float(cfg["FHIR_READ_TIMEOUT"]),
            deadline=float(cfg["FHIR_DEADLINE"]),
            max_pages=int(cfg["FHIR_MAX_PAGES"]),
            max_bytes=int(cfg["FHIR_MAX_BYTES"]),
        )
    try:
        outcome = pipeline.run(service, req, client, today=today_of(cfg), lang=language_for(service))
    finally:
        if client is not None:
            client.close()
            g.log["fhir_requests"] = client.requests_made
    issued = record_issued(service.id, outcome)
    g.log.update(topics=[c.topic for c in issued], cards=len(outcome.cards), fetched=list(outcome.fetched_keys))
    return _json({"cards": outcome.cards})


def record_issued(service_id: str, outcome: pipeline.Outcome) -> list[IssuedCard]:
    """Queue the answer's cards for the feedback join (the endpoint's and the viewer's alike; never waits, never
    raises); returns them."""
    issued = pipeline.issued_cards(outcome)
    current_app.extensions["osteocds.cards"].store_issued(service_id, issued)
    return issued


def feedback(service_id: str):
    g.log = {"event": "feedback", "service": service_id}
    service = service_or_404(service_id)
    reject_oversized()
    authenticate()
    items = validate_feedback(parse_json_body(), int(current_app.config["FEEDBACK_MAX_ITEMS"]))
    stored, duplicates = current_app.extensions["osteocds.db"].store_feedback(service.id, items)
    g.log.update(stored=stored, duplicates=duplicates)
    return _json({"stored": stored, "duplicates": duplicates})


def healthz():
    body = {"status": "ok", "version": version(), "dev": bool(current_app.config["DEV"])}
    if body["dev"]:
        body["warning"] = DEV_WARNING
    return _json(body)


def openapi_json():
    return _json(current_app.extensions["osteocds.openapi"])


# wiring --------------------------------------------------------------------------------------------------
def register(app: Flask) -> None:
    app.extensions["osteocds.allowlist"] = Allowlist(app.config.get("FHIR_ALLOWLIST"))
    app.extensions["osteocds.discovery"] = discovery_document()
    app.extensions["osteocds.openapi"] = openapi.document(version(), app.extensions["osteocds.discovery"])
    today_of(app.config)  # a bad TODAY fails at start, not per request

    app.url_map.merge_slashes = False  # POST /cds-services//id is an unknown path (404), not a redirect
    app.add_url_rule("/cds-services", "discovery", discovery, methods=["GET"])
    app.add_url_rule("/cds-services/", "discovery-slash", discovery, methods=["GET"])  # the Sandbox sends it
    app.add_url_rule("/cds-services/<service_id>", "invoke", invoke, methods=["POST"])
    app.add_url_rule("/cds-services/<service_id>/feedback", "feedback", feedback, methods=["POST"])
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
    app.add_url_rule("/openapi.json", "openapi", openapi_json, methods=["GET"])

    middleware.install(app)

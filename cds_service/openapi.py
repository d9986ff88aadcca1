"""The OpenAPI 3.1 description of our endpoints (GET /openapi.json), precise enough to fuzz: each service's
invocation with the request body of its hook and the prefetch keys of its discovery entry, service ids as
an enum for feedback, every status code we answer with its body (schemas in `openapi_schemas`)."""

from __future__ import annotations

from cds_service.openapi_schemas import SCHEMAS, request_schema
from cds_service.services import SERVICES


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _errors(*codes: str) -> dict:
    reasons = {
        "400": "Malformed JSON or an invalid request (the message says what)",
        "401": "Authentication failed (no details)",
        "404": "Unknown service",
        "409": "Feedback for a card another service issued",
        "412": "The data needed could not be obtained (prefetch or FHIR server)",
        "413": "Request body, or feedback batch, over the limit",
        "500": "Unexpected fault (generic body)",
    }
    return {code: _json(reasons[code], "Error") for code in codes}


def _discovery() -> dict:
    return {"get": {"summary": "CDS Hooks discovery: the six services with their prefetch templates", "security": [],
                    "responses": {"200": _json("Discovery document", "Discovery")}}}


def _invoke(service: dict) -> dict:
    schema = request_schema(service["hook"], list(service.get("prefetch", {})))
    return {"post": {
        "summary": f"Invoke {service['id']} with a {service['hook']} request",
        "operationId": f"invoke-{service['id']}",
        "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
        "responses": {"200": _json("Cards (may be none)", "CdsResponse"),
                      **_errors("400", "401", "412", "413", "500")},
    }}


def document(version: str, discovery: dict) -> dict:
    """`discovery` is the discovery document: its services and prefetch keys shape the invocation bodies."""
    service_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "enum": list(SERVICES)},
                  "description": "A service id from the discovery document"}
    paths: dict = {
        "/cds-services": _discovery(),
        "/cds-services/": _discovery(),
        **{f"/cds-services/{s['id']}": _invoke(s) for s in discovery["services"]},
        "/cds-services/{id}/feedback": {"post": {
            "summary": "CDS Hooks feedback on issued cards (a batch is stored whole, duplicates once)",
            "parameters": [service_id],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Feedback")}}},
            "responses": {"200": _json("Stored (duplicates counted, not stored twice)", "FeedbackResult"),
                          **_errors("400", "401", "404", "409", "413", "500")},
        }},
        "/healthz": {"get": {"summary": "Liveness, version and development-mode flag", "security": [],
                             "responses": {"200": _json("Alive", "Health")}}},
        "/openapi.json": {"get": {"summary": "This document", "security": [], "responses": {"200": {
            "description": "OpenAPI document", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "OsteoCDS", "version": version,
                 "description": "CDS Hooks 2.0.1 service for osteoporosis guidelines (rcop-2023, vitaz-2025)."},
        "paths": paths,
        "security": [{"ehrJwt": []}],
        "components": {
            "securitySchemes": {"ehrJwt": {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": "CDS Hooks client JWT (ES384/RS384/ES256/RS256), aud = the URL called"}},
            "schemas": SCHEMAS,
        },
    }

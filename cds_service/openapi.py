"""The OpenAPI 3.1 description of our endpoints (GET /openapi.json)."""

from __future__ import annotations


def json_error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def document(version: str, echo: bool = False) -> dict:
    service_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
                  "description": "A service id from the discovery document"}
    paths: dict = {
        "/cds-services": {
            "get": {
                "summary": "CDS Hooks discovery: the six services with their prefetch templates",
                "security": [],
                "responses": {"200": {"description": "Discovery document",
                                      "content": {"application/json": {"schema": {"type": "object"}}}}},
            }
        },
        "/cds-services/{id}": {
            "post": {
                "summary": "Invoke a service (patient-view, order-select or order-sign request)",
                "parameters": [service_id],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {
                    "200": {"description": "Cards (one per recommendation topic; may be none)",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CdsResponse"}}}},
                    "400": json_error("Malformed JSON or an invalid request for this hook"),
                    "401": json_error("Authentication failed"),
                    "404": json_error("Unknown service"),
                    "412": json_error("The data needed could not be obtained (prefetch or FHIR server)"),
                    "413": json_error("Request body too large"),
                    "500": json_error("Unexpected fault"),
                },
            }
        },
        "/cds-services/{id}/feedback": {
            "post": {
                "summary": "CDS Hooks feedback on issued cards (stored idempotently)",
                "parameters": [service_id],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {
                    "200": {"description": "Stored (duplicates are counted, not stored twice)",
                            "content": {"application/json": {"schema": {"type": "object"}}}},
                    "400": json_error("Invalid feedback"),
                    "401": json_error("Authentication failed"),
                    "404": json_error("Unknown service"),
                    "413": json_error("Request body too large"),
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Liveness, version and development-mode flag",
                "security": [],
                "responses": {"200": {"description": "Alive", "content": {"application/json": {"schema": {"type": "object"}}}}},
            }
        },
        "/openapi.json": {
            "get": {"summary": "This document", "security": [],
                    "responses": {"200": {"description": "OpenAPI document"}}}
        },
    }
    if echo:
        paths["/_bench/echo"] = {
            "post": {"summary": "Benchmark only (BENCHMARK_ECHO): parses and re-serialises the JSON body",
                     "security": [], "responses": {"200": {"description": "The same JSON"}}}
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "OsteoCDS",
            "version": version,
            "description": "CDS Hooks 2.0.1 service for osteoporosis guidelines (rcop-2023, vitaz-2025).",
        },
        "paths": paths,
        "security": [{"ehrJwt": []}],
        "components": {
            "securitySchemes": {
                "ehrJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                           "description": "CDS Hooks client JWT (ES384/RS384/ES256/RS256), aud = the URL called"}
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"],
                          "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
                "CdsResponse": {"type": "object", "required": ["cards"],
                                "properties": {"cards": {"type": "array", "items": {"type": "object"}}}},
            },
        },
    }

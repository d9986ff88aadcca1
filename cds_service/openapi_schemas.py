"""JSON Schemas of what the service accepts and answers, for /openapi.json (precise enough to fuzz).

Requests are described as we read them (contract, "Requests we accept"): strict where the protocol needs it
(hook per service, a non-empty hookInstance, FHIR ids), lenient where real clients deviate (any non-empty
hookInstance, drafts without `type`, `category` as an object, a draft with no medication yet).
"""

from __future__ import annotations

from cds_service.services import ORDER_SELECT, ORDER_SIGN, PATIENT_VIEW, SERVICES
from cds_service.storage import ID_MAX, SYSTEM_MAX

TEXT = {"type": "string", "minLength": 1, "pattern": r"\S"}
FHIR_ID = {"type": "string", "pattern": r"^[A-Za-z0-9\-.]{1,64}$"}
ID_TEXT = {**TEXT, "maxLength": ID_MAX}
RESOURCE = {"type": "object", "required": ["resourceType"], "additionalProperties": True,
            "properties": {"resourceType": TEXT, "id": {"type": "string"}}}
BUNDLE = {"type": "object", "additionalProperties": True,
          "properties": {"resourceType": {"const": "Bundle"}, "type": {"type": "string"},
                         "entry": {"type": "array", "items": {"type": "object", "additionalProperties": True,
                                                              "properties": {"resource": RESOURCE}}}}}
SEARCHSET = {**BUNDLE, "required": ["resourceType"]}
PATIENT = {"type": "object", "required": ["resourceType", "id"], "additionalProperties": True,
           "properties": {"resourceType": {"const": "Patient"}, "id": FHIR_ID,
                          "gender": {"enum": ["female", "male", "other", "unknown"]},
                          "birthDate": {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"}}}
CONTEXTS = {
    PATIENT_VIEW: ({}, []),
    ORDER_SELECT: ({"selections": {"type": "array", "items": TEXT}, "draftOrders": BUNDLE}, ["selections", "draftOrders"]),
    ORDER_SIGN: ({"draftOrders": BUNDLE}, ["draftOrders"]),
}


def request_schema(hook: str, prefetch_keys: list[str]) -> dict:
    """The request of `hook` with every prefetch key the service asks for: what a well-behaved EHR sends. (A
    key that is missing, null or an OperationOutcome is fetched from `fhirServer`, else the answer is 412;
    any other key carries resources too.)"""
    context, required = CONTEXTS[hook]
    prefetch = {k: (PATIENT if k == "patient" else SEARCHSET) for k in prefetch_keys}
    return {
        "type": "object",
        "required": ["hook", "hookInstance", "context", "prefetch"],
        "dependentRequired": {"fhirAuthorization": ["fhirServer"]},
        "properties": {
            "hook": {"const": hook},
            "hookInstance": {**TEXT, "description": "a UUID per the spec; any non-empty string is accepted"},
            "context": {"type": "object", "required": ["userId", "patientId", *required],
                        "properties": {"userId": TEXT, "patientId": FHIR_ID, "encounterId": {"type": "string"},
                                       **context}},
            "prefetch": {"type": "object", "properties": prefetch, "required": list(prefetch_keys),
                         "additionalProperties": RESOURCE},
            "fhirServer": {"type": "string", "pattern": "^https?://"},
            "fhirAuthorization": {"type": "object", "required": ["access_token"],
                                  "properties": {"access_token": TEXT, "token_type": {"enum": ["Bearer", "bearer"]},
                                                 "expires_in": {"type": "integer"}, "scope": {"type": "string"},
                                                 "subject": {"type": "string"}}},
        },
    }


_FEEDBACK_BASE = {"card": ID_TEXT, "outcomeTimestamp": {"type": "string", "format": "date-time"}}
FEEDBACK = {
    "type": "object",
    "required": ["feedback"],
    "properties": {"feedback": {"type": "array", "minItems": 1, "items": {"oneOf": [
        {"type": "object", "required": ["card", "outcome", "outcomeTimestamp", "acceptedSuggestions"],
         "properties": {**_FEEDBACK_BASE, "outcome": {"const": "accepted"},
                        "acceptedSuggestions": {"type": "array", "minItems": 1, "items": {
                            "type": "object", "required": ["id"], "properties": {"id": ID_TEXT}}}}},
        {"type": "object", "required": ["card", "outcome", "outcomeTimestamp"],
         "properties": {**_FEEDBACK_BASE, "outcome": {"const": "overridden"},
                        "overrideReason": {"type": "object", "properties": {
                            "reason": {"type": "object", "required": ["code"],
                                       "properties": {"code": ID_TEXT, "system": {**TEXT, "maxLength": SYSTEM_MAX}}},
                            "userComment": {"type": "string"}}}}},
    ]}}},
}

CARD = {
    "type": "object",
    "required": ["uuid", "summary", "indicator", "source"],
    "properties": {
        "uuid": {"type": "string"},
        "summary": {"type": "string", "minLength": 1, "maxLength": 140},
        "indicator": {"enum": ["info", "warning", "critical"]},
        "detail": {"type": "string"},
        "source": {"type": "object", "required": ["label", "topic"],
                   "properties": {"label": {"type": "string"}, "topic": {
                       "type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}}},
        "suggestions": {"type": "array", "items": {"type": "object", "required": ["label"]}},
        "selectionBehavior": {"enum": ["at-most-one", "any"]},
        "links": {"type": "array", "items": {"type": "object", "required": ["label", "url", "type"]}},
    },
}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error"],
              "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
    "CdsResponse": {"type": "object", "required": ["cards"], "properties": {"cards": {"type": "array", "items": CARD}}},
    "Discovery": {"type": "object", "required": ["services"], "properties": {"services": {"type": "array", "items": {
        "type": "object", "required": ["hook", "id", "description"],
        "properties": {"hook": {"enum": [PATIENT_VIEW, ORDER_SELECT, ORDER_SIGN]}, "id": {"enum": list(SERVICES)},
                       "title": {"type": "string"}, "description": {"type": "string"},
                       "prefetch": {"type": "object", "additionalProperties": {"type": "string"}}}}}}},
    "FeedbackResult": {"type": "object", "required": ["stored", "duplicates"],
                       "properties": {"stored": {"type": "integer", "minimum": 0},
                                      "duplicates": {"type": "integer", "minimum": 0}}},
    "Health": {"type": "object", "required": ["status", "version", "dev"],
               "properties": {"status": {"const": "ok"}, "version": {"type": "string"}, "dev": {"type": "boolean"},
                              "warning": {"type": "string"}}},
    "Feedback": FEEDBACK,
}

"""Validation of CDS Hooks 2.0.1 requests (per hook, CDS Hooks library 1.0.1) and feedback.

Strict where the protocol needs it (hook, hookInstance, context ids, feedback outcome), lenient where
real clients deviate: the Sandbox's draftOrders Bundle has no `type`, its drafts may lack a medication,
`intent`, or carry `category` as an object. One odd draft is skipped, never a failed call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cds_service.errors import BadRequest, PayloadTooLarge
from cds_service.services import ORDER_SELECT, ORDER_SIGN, PATIENT_VIEW, Service
from cds_service.storage import ID_MAX, SYSTEM_MAX

REQUIRED_CONTEXT: dict[str, tuple[str, ...]] = {
    PATIENT_VIEW: ("userId", "patientId"),
    ORDER_SELECT: ("userId", "patientId", "selections", "draftOrders"),
    ORDER_SIGN: ("userId", "patientId", "draftOrders"),
}
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


@dataclass
class CdsRequest:
    hook: str
    hook_instance: str
    context: dict
    prefetch: dict = field(default_factory=dict)
    fhir_server: str | None = None
    access_token: str | None = None
    draft_orders: list[dict] = field(default_factory=list)  # the readable drafts only

    @property
    def patient_id(self) -> str:
        return self.context["patientId"]


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _stored_text(value: Any, limit: int | None) -> bool:
    """A string a database column takes: at most `limit` characters, no NUL (PostgreSQL refuses it)."""
    return isinstance(value, str) and "\x00" not in value and (limit is None or len(value) <= limit)


def _drafts(bundle: dict) -> list[dict]:
    drafts = []
    for entry in bundle.get("entry") or ():
        res = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(res, dict) and _nonempty_str(res.get("resourceType")):
            drafts.append(res)
    return drafts


def validate_request(body: Any, service: Service) -> CdsRequest:
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    hook = body.get("hook")
    if not _nonempty_str(hook):
        raise BadRequest("'hook' is required and must be a string")
    if hook != service.hook:
        raise BadRequest(f"hook '{hook[:40]}' does not match service '{service.id}', which answers '{service.hook}'")
    if not _nonempty_str(body.get("hookInstance")):
        raise BadRequest("'hookInstance' is required and must be a non-empty string")
    context = body.get("context")
    if not isinstance(context, dict):
        raise BadRequest("'context' is required and must be an object")
    for name in REQUIRED_CONTEXT[hook]:
        if name not in context or context[name] is None:
            raise BadRequest(f"context.{name} is required for {hook}")
    if not _nonempty_str(context["userId"]):
        raise BadRequest("context.userId must be a non-empty string")
    if not _nonempty_str(context["patientId"]):
        raise BadRequest("context.patientId must be a non-empty string")
    if not FHIR_ID.fullmatch(context["patientId"]):
        raise BadRequest("context.patientId is not a valid FHIR id")
    if "encounterId" in context and context["encounterId"] is not None and not isinstance(context["encounterId"], str):
        raise BadRequest("context.encounterId must be a string")

    drafts: list[dict] = []
    if hook in (ORDER_SELECT, ORDER_SIGN):
        bundle = context["draftOrders"]
        if not isinstance(bundle, dict):
            raise BadRequest("context.draftOrders must be a FHIR Bundle object")
        if bundle.get("resourceType") not in (None, "Bundle"):
            raise BadRequest("context.draftOrders must be a FHIR Bundle")
        if bundle.get("entry") is not None and not isinstance(bundle["entry"], list):
            raise BadRequest("context.draftOrders.entry must be an array")
        drafts = _drafts(bundle)
    if hook == ORDER_SELECT:
        sel = context["selections"]
        if not isinstance(sel, list) or not all(_nonempty_str(s) for s in sel):
            raise BadRequest("context.selections must be an array of strings")

    prefetch = body.get("prefetch")
    if prefetch is None:
        prefetch = {}
    if not isinstance(prefetch, dict):
        raise BadRequest("'prefetch' must be an object")
    for key, value in prefetch.items():
        if value is not None and not (isinstance(value, dict) and _nonempty_str(value.get("resourceType"))):
            raise BadRequest(f"prefetch.{key[:60]} must be a FHIR resource or null")

    fhir_server = body.get("fhirServer")
    if fhir_server is not None and not (_nonempty_str(fhir_server) and fhir_server.startswith(("http://", "https://"))):
        raise BadRequest("'fhirServer' must be an http(s) URL")
    token = None
    auth = body.get("fhirAuthorization")
    if auth is not None:
        if not isinstance(auth, dict) or not _nonempty_str(auth.get("access_token")):
            raise BadRequest("'fhirAuthorization' must be an object with an access_token")
        if auth.get("token_type") is not None and str(auth["token_type"]).lower() != "bearer":
            raise BadRequest("fhirAuthorization.token_type must be 'Bearer'")
        if fhir_server is None:
            raise BadRequest("'fhirServer' is required with 'fhirAuthorization'")
        token = auth["access_token"]

    return CdsRequest(
        hook=hook,
        hook_instance=body["hookInstance"],
        context=context,
        prefetch=prefetch,
        fhir_server=fhir_server,
        access_token=token,
        draft_orders=drafts,
    )


# feedback ------------------------------------------------------------------------------------------------
def _instant(value: Any) -> bool:
    if not isinstance(value, str) or "T" not in value or len(value) > 40:
        return False
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        parsed.astimezone(timezone.utc)  # 0001-01-01T00:00:00+01:00 has no UTC instant
    except (ValueError, OverflowError):
        return False
    return parsed.tzinfo is not None


def validate_feedback(body: Any, max_items: int) -> list[dict]:
    """The `feedback` array of a POST {id}/feedback body, every item checked before anything is stored."""
    if not isinstance(body, dict):
        raise BadRequest("feedback body must be a JSON object")
    items = body.get("feedback")
    if not isinstance(items, list) or not items:
        raise BadRequest("'feedback' must be a non-empty array")
    if len(items) > max_items:
        raise PayloadTooLarge(f"{len(items)} feedback items; at most {max_items} per request")
    for i, item in enumerate(items):
        _check_feedback_item(item, f"feedback[{i}]")
    return items


def _check_feedback_item(item: Any, where: str) -> None:
    if not isinstance(item, dict):
        raise BadRequest(f"{where} must be an object")
    if not (_nonempty_str(item.get("card")) and _stored_text(item["card"], ID_MAX)):
        raise BadRequest(f"{where}.card must be the card's uuid (a non-empty string of at most {ID_MAX} characters)")
    outcome = item.get("outcome")
    if outcome not in ("accepted", "overridden"):
        raise BadRequest(f"{where}.outcome must be 'accepted' or 'overridden'")
    if not _instant(item.get("outcomeTimestamp")):
        raise BadRequest(f"{where}.outcomeTimestamp must be an ISO 8601 instant with a time zone")
    accepted = item.get("acceptedSuggestions")
    if outcome == "accepted":
        if not isinstance(accepted, list) or not accepted:
            raise BadRequest(f"{where}.acceptedSuggestions is required for an accepted outcome")
        for j, s in enumerate(accepted):
            if not isinstance(s, dict) or not (_nonempty_str(s.get("id")) and _stored_text(s["id"], ID_MAX)):
                raise BadRequest(f"{where}.acceptedSuggestions[{j}].id must be a non-empty string "
                                 f"of at most {ID_MAX} characters")
        if item.get("overrideReason") is not None:
            raise BadRequest(f"{where}.overrideReason is only allowed for an overridden outcome")
        return
    if accepted is not None:
        raise BadRequest(f"{where}.acceptedSuggestions is only allowed for an accepted outcome")
    reason = item.get("overrideReason")
    if reason is None:
        return
    if not isinstance(reason, dict):
        raise BadRequest(f"{where}.overrideReason must be an object")
    coding = reason.get("reason")
    if coding is not None and not (
        isinstance(coding, dict) and _nonempty_str(coding.get("code")) and _stored_text(coding["code"], ID_MAX)
        and (coding.get("system") is None or (_nonempty_str(coding["system"]) and _stored_text(coding["system"], SYSTEM_MAX)))
    ):
        raise BadRequest(f"{where}.overrideReason.reason must be a Coding with a code")
    if reason.get("userComment") is not None and not _stored_text(reason["userComment"], None):
        raise BadRequest(f"{where}.overrideReason.userComment must be a string without NUL characters")

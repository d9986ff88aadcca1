"""Turn a FHIR Bundle (one patient's record) into a CDS Hooks request with every prefetch key filled.

Used by the tests (`cds_request` fixture), `osteocds evaluate`, the card viewer, the fixture gallery and the
benchmark, so all of them send exactly what a well-behaved EHR would prefetch.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir_mappings.bundle import iter_entries, iter_resources
from fhir_mappings.prefetch import prefetch_types

# Every discovery key of every service -> the resource type it carries. A template split into several keys gives
# a type several keys: its resources go under the first, the others get an empty searchset (nothing to fetch).
PREFETCH_KEYS: dict[str, str] = prefetch_types()


def _first_keys() -> dict[str, str]:
    """resource type -> the first discovery prefetch key that carries it."""
    firsts: dict[str, str] = {}
    for key, resource_type in PREFETCH_KEYS.items():
        firsts.setdefault(resource_type, key)
    return firsts


PREFETCH_KEY_BY_TYPE: dict[str, str] = _first_keys()

DEFAULT_USER = "Practitioner/example"


def searchset(resources: list[dict], included: list[dict] = ()) -> dict:
    entries = [{"resource": r, "search": {"mode": "match"}} for r in resources]
    entries += [{"resource": r, "search": {"mode": "include"}} for r in included]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources), "entry": entries}


def prefetch_from_resources(resources: list[dict], patient_id: str | None) -> dict[str, Any]:
    """Every discovery key: the Patient itself under `patient`, a searchset Bundle (maybe empty) under the others."""
    by_key: dict[str, list[dict]] = {k: [] for k in PREFETCH_KEYS}
    patient = None
    medications: list[dict] = []  # referenced Medication resources ride along as `_include` entries
    for res in resources:
        if res.get("resourceType") == "Medication":
            medications.append(res)
            continue
        rtype = res.get("resourceType")
        if rtype == "Patient":
            if patient is None and (patient_id is None or res.get("id") == patient_id):
                patient = res
            continue
        key = PREFETCH_KEY_BY_TYPE.get(rtype)
        if key is not None:
            by_key[key].append(res)
    prefetch: dict[str, Any] = {}
    for key, items in by_key.items():
        if key == "patient":
            prefetch[key] = patient
        else:
            prefetch[key] = searchset(items, medications if key == "medicationRequests" else ())
    return prefetch


def patient_id_of(resources: list[dict]) -> str | None:
    for res in resources:
        if res.get("resourceType") == "Patient" and isinstance(res.get("id"), str):
            return res["id"]
    return None


def draft_orders_bundle(draft_orders: Any) -> dict:
    if isinstance(draft_orders, dict) and draft_orders.get("resourceType") == "Bundle":
        return draft_orders
    items = list(iter_resources(draft_orders or []))
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in items]}


def request_from_bundle(
    bundle: dict,
    hook: str = "patient-view",
    patient_id: str | None = None,
    draft_orders: Any = None,
    user_id: str = DEFAULT_USER,
) -> dict:
    """A valid CDS Hooks request body for `hook` whose prefetch carries the whole Bundle."""
    resources = list(iter_resources(bundle))
    patient_id = patient_id or patient_id_of(resources)
    if not patient_id:
        raise ValueError("the Bundle has no Patient with an id; pass patient_id")
    context: dict[str, Any] = {"userId": user_id, "patientId": patient_id}
    if hook in ("order-select", "order-sign"):
        drafts = draft_orders_bundle(draft_orders)
        context["draftOrders"] = drafts
        if hook == "order-select":
            context["selections"] = [
                f"{r['resourceType']}/{r['id']}" for r in iter_resources(drafts) if isinstance(r.get("id"), str)
            ]
    return {
        "hookInstance": str(uuid.uuid4()),
        "hook": hook,
        "context": context,
        "prefetch": prefetch_from_resources(resources, patient_id),
    }


DRAFT_TYPES = ("MedicationRequest", "ServiceRequest")


def split_drafts(bundle: dict) -> tuple[dict, list[dict]]:
    """(the record, its draft orders) of an order-service fixture: a Bundle whose MedicationRequests and
    ServiceRequests with status `draft` are the orders being entered, sent as `context.draftOrders`."""
    entries, drafts = [], []
    for full_url, res in iter_entries(bundle):
        if res.get("resourceType") in DRAFT_TYPES and res.get("status") == "draft":
            drafts.append(res)
        else:
            entries.append({"resource": res} if full_url is None else {"fullUrl": full_url, "resource": res})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}, drafts

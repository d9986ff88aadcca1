"""CDS Hooks suggestions with the FHIR R4 resources an EHR can apply (MedicationRequest, ServiceRequest)."""

from __future__ import annotations

import uuid
from typing import Any

from cards.messages import Catalogue
from cards.reference import load
from pathways.recommendation import Suggestion, SuggestionKind

UCUM = "http://unitsofmeasure.org"
UNIT_DISPLAY = {"ug": "µg", "[iU]": "IU"}


def _codeable(codings: list[dict[str, str]], text: str) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if codings:
        concept["coding"] = [{k: c[k] for k in ("system", "code", "display")} for c in codings]
    return concept


def _base(resource_type: str, patient_id: str) -> dict[str, Any]:
    return {"resourceType": resource_type, "status": "draft", "intent": "proposal", "subject": {"reference": f"Patient/{patient_id}"}}


def _regimen(key: str) -> dict[str, Any]:
    """A drug's regimen (`regimens.json`), else a supplement's (`supplements.json`)."""
    drugs = load("regimens")
    return drugs[key] if key in drugs else load("supplements")[key]


def medication_request(agent: str, patient_id: str, msg: Catalogue) -> dict[str, Any]:
    """A draft MedicationRequest for `agent` (or a supplement) with its standard regimen (dose and interval)."""
    regimen = _regimen(agent)
    dose = regimen["dose"]
    repeat = dict(regimen["timing"])
    if "boundsDuration" in repeat:
        bounds = repeat["boundsDuration"]
        repeat["boundsDuration"] = {"value": bounds["value"], "unit": bounds["unit"], "system": UCUM, "code": bounds["unit"]}
    dosage = {
        "text": msg.text(f"dosage.{agent}"),
        "timing": {"repeat": repeat},
        "doseAndRate": [
            {"doseQuantity": {"value": dose["value"], "unit": UNIT_DISPLAY.get(dose["unit"], dose["unit"]), "system": UCUM, "code": dose["unit"]}}
        ],
    }
    return {
        **_base("MedicationRequest", patient_id),
        "medicationCodeableConcept": _codeable(regimen["codings"], msg.text(f"value.{agent}")),
        "dosageInstruction": [dosage],
    }


def service_requests(key: str, patient_id: str, msg: Catalogue) -> list[tuple[str, dict[str, Any]]]:
    """(description, draft ServiceRequest) for each item of an orderable (DXA+VFA is two, the lab panel many)."""
    out = []
    for item in load("orderables")[key]:
        label = msg.text(f"order.{item['item']}")
        out.append((label, {**_base("ServiceRequest", patient_id), "code": _codeable(item["codings"], label)}))
    return out


def suggestion(s: Suggestion, patient_id: str, msg: Catalogue) -> dict[str, Any]:
    """One suggestion: a labelled group of `create` actions, `isRecommended` for the first choice."""
    if s.kind is SuggestionKind.MEDICATION:
        label = msg.text("suggestion.medication", (("agent", s.key), ("dosage", msg.text(f"dosage.{s.key}"))))
        actions = [(label, medication_request(s.key, patient_id, msg))]
    else:
        label = msg.text(f"suggestion.{s.key}")
        actions = service_requests(s.key, patient_id, msg)
    return {
        "label": label,
        "uuid": str(uuid.uuid4()),
        "isRecommended": s.recommended,
        "actions": [{"type": "create", "description": d, "resource": r} for d, r in actions],
    }

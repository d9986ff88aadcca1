"""CDS Hooks suggestions with the FHIR R4 resources an EHR can apply (MedicationRequest, ServiceRequest).

A drug order carries what the person giving it needs: the coded route, the schedule (with its start date where
the guideline or a gate times it), the patient instruction of oral bisphosphonates and the infusion time of
zoledronic acid. The lab panel is one order for the items without a recent result.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from cards import draft_actions
from cards.messages import Catalogue
from cards.reference import load
from pathways.recommendation import Reason, Suggestion, SuggestionKind, Topic
from pathways.safety import waits_for_lab

UCUM = "http://unitsofmeasure.org"
UNIT_DISPLAY = {"ug": "µg", "[iU]": "IU"}
TOPIC_EXTENSION = "org.osteocds.topic"


def _codeable(codings: list[dict[str, str]], text: str) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if codings:
        concept["coding"] = [{k: c[k] for k in ("system", "code", "display")} for c in codings]
    return concept


def _base(resource_type: str, patient_id: str, intent: str = "proposal") -> dict[str, Any]:
    return {"resourceType": resource_type, "status": "draft", "intent": intent, "subject": {"reference": f"Patient/{patient_id}"}}


def regimen(key: str, variant: str | None = None) -> dict[str, Any]:
    """The regimen data of a drug (cards/data/regimens.json) or a supplement (cards/data/supplements.json), a
    variant's changes laid over it."""
    drugs = load("regimens")
    base = dict(drugs[key] if key in drugs else load("supplements")[key])
    if variant:
        changes = base["variants"][variant]
        base["timing"] = {**base["timing"], **changes.get("timing", {})}
        if "count" in changes.get("timing", {}):
            base["timing"] = {k: v for k, v in base["timing"].items() if k not in ("frequency", "period", "periodUnit")}
    return base


def _timing(data: dict[str, Any], start: date | None) -> dict[str, Any]:
    repeat = dict(data["timing"])
    if "boundsDuration" in repeat:
        bounds = repeat["boundsDuration"]
        repeat["boundsDuration"] = {"value": bounds["value"], "unit": bounds["unit"], "system": UCUM, "code": bounds["unit"]}
    if start is not None and "boundsDuration" not in repeat:
        repeat["boundsPeriod"] = {"start": start.isoformat()}
    if "infusion_minutes" in data:
        repeat.update(duration=data["infusion_minutes"], durationUnit="min")
    return {"repeat": repeat}


def medication_concept(resource: dict) -> dict:
    """The drug of a MedicationRequest as written here: inline, or the code of its contained Medication."""
    if "medicationCodeableConcept" in resource:
        return resource["medicationCodeableConcept"]
    ref = (resource.get("medicationReference") or {}).get("reference", "")
    return next((m.get("code") or {} for m in resource.get("contained") or () if f"#{m.get('id')}" == ref), {})


def dosage_key(key: str, variant: str | None) -> str:
    return f"dosage.{key}.{variant}" if variant else f"dosage.{key}"


def medication_request(s: Suggestion, patient_id: str, msg: Catalogue) -> dict[str, Any]:
    """A draft MedicationRequest for the suggestion's drug with its regimen, route and timing."""
    data = regimen(s.key, s.variant)
    dose = data["dose"]
    route = load("routes")[data["route"]]
    dosage: dict[str, Any] = {
        "text": msg.text(dosage_key(s.key, s.variant)),
        "timing": _timing(data, s.start),
        "route": {"coding": [route], "text": msg.text(f"route.{data['route']}")},
        "doseAndRate": [
            {"doseQuantity": {"value": dose["value"], "unit": UNIT_DISPLAY.get(dose["unit"], dose["unit"]), "system": UCUM, "code": dose["unit"]}}
        ],
    }
    if "instruction" in data:
        dosage["patientInstruction"] = msg.text(data["instruction"])
    drug = _codeable(data["codings"], msg.text(f"value.{s.key}"))
    if "form" not in data:
        return {**_base("MedicationRequest", patient_id, s.intent), "medicationCodeableConcept": drug, "dosageInstruction": [dosage]}
    # a dose form the drug's code does not carry (an oral solution): a contained Medication with its EDQM form
    form = {k: data["form"][k] for k in ("system", "code", "display")}
    medication = {"resourceType": "Medication", "id": "medication", "code": drug,
                  "form": {"coding": [form], "text": msg.text(f"value.{s.key}.{s.variant}")}}
    return {**_base("MedicationRequest", patient_id, s.intent), "contained": [medication],
            "medicationReference": {"reference": "#medication"}, "dosageInstruction": [dosage]}


def service_requests(s: Suggestion, patient_id: str, msg: Catalogue) -> list[tuple[str, dict[str, Any]]]:
    """(description, draft ServiceRequest) per action: DXA+VFA is two orders; the lab panel one order whose
    `orderDetail` lists the items due (all items when none are named)."""
    items = load("orderables")[s.key]
    if s.key == "lab-panel":
        wanted = [i for i in items if not s.items or i["item"] in s.items]
        label = msg.text("order.lab-panel", (("items", ", ".join(msg.text(f"order.{i['item']}") for i in wanted)),))
        detail = [_codeable(i["codings"], msg.text(f"order.{i['item']}")) for i in wanted]
        return [(label, {**_base("ServiceRequest", patient_id), "code": {"text": msg.text("order.lab-panel-name")}, "orderDetail": detail})]
    when = {"occurrenceDateTime": s.start.isoformat()} if s.start is not None else {}
    out = []
    for item in items:
        label = msg.text(f"order.{item['item']}")
        out.append((label, {**_base("ServiceRequest", patient_id, s.intent), "code": _codeable(item["codings"], label), **when}))
    return out


def _label(s: Suggestion, msg: Catalogue) -> str:
    """What the button says: the drug and its regimen, when to give it, and what to check first."""
    if s.kind is not SuggestionKind.MEDICATION:
        one = s.key == "lab-panel" and len(s.items) == 1  # one test is named, not the whole panel
        text = msg.text("suggestion.lab-item", (("item", msg.text(f"order.{s.items[0]}")),)) if one else msg.text(f"suggestion.{s.key}")
        return f"{text} {msg.text('suggestion.around', (('start', s.start),))}" if s.start is not None else text
    text = msg.text("suggestion.medication", (("agent", s.key), ("dosage", msg.text(dosage_key(s.key, s.variant)))))
    if s.start is not None:
        text += " " + msg.text("suggestion.from", (("start", s.start),))
    if s.intent == "plan":
        text += " " + msg.text("suggestion.planned")
    if s.then is not None:  # the planned order that comes with it: "; second infusion around <date> (planned; ...)"
        then = msg.text(f"suggestion.then.{s.then.key}.{s.then.variant}", (("start", s.then.start),))
        text += f"; {then} {msg.text('suggestion.planned')}"
    shown = [c for c in s.checks if f"check.{c.message.removeprefix('gate.')}" in msg]  # a start date says it already
    waiting = [_check(c, msg) for c in shown if waits_for_lab(c)]
    other = [_check(c, msg) for c in shown if not waits_for_lab(c)]
    notes = ([msg.text("check.after-lab", (("checks", ", ".join(dict.fromkeys(waiting))),))] if waiting else []) + list(dict.fromkeys(other))
    return f"{text} — {'; '.join(notes)}" if notes else text


def _check(reason: Reason, msg: Catalogue) -> str:
    return msg.text(f"check.{reason.message.removeprefix('gate.')}", reason.params)


def _create(s: Suggestion, patient_id: str, msg: Catalogue) -> list[dict[str, Any]]:
    if s.kind is SuggestionKind.MEDICATION:
        made = [(msg.text(f"value.{x.key}"), medication_request(x, patient_id, msg)) for x in (s, s.then) if x is not None]
    else:
        made = service_requests(s, patient_id, msg)
    return [{"type": "create", "description": d, "resource": r} for d, r in made]


def suggestion(s: Suggestion, patient_id: str, msg: Catalogue, topic: Topic | None = None,
               drafts: Mapping[str, dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """One suggestion: a labelled group of actions — `create` orders, or an `update` / `delete` of one of this call's
    `drafts` (None when that draft is not among them) — `isRecommended` for the first choice, and the topic it counts
    under in feedback analytics (its own, where a chart's step sits on an order card)."""
    if s.kind in (SuggestionKind.UPDATE, SuggestionKind.DELETE):
        actions, text = draft_actions.actions(s, msg, drafts or {}), draft_actions.label(s, msg)
        if not actions:
            return None
    else:
        actions, text = _create(s, patient_id, msg), _label(s, msg)
    out: dict[str, Any] = {"label": text, "uuid": str(uuid.uuid4()), "isRecommended": s.recommended, "actions": actions}
    counted = s.topic or topic
    if counted is not None:
        out["extension"] = {TOPIC_EXTENSION: counted.value}
    return out

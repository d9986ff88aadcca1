"""Suggestions that act on the clinician's own draft orders (order-select / order-sign): `update` rewrites the draft
(same resource id) to an accepted regimen or to a later start, `delete` removes it by `resourceId`.

The card layer reads no patient data: the drafts (each a valid R4 MedicationRequest, as the mapping read it) are
handed in by the pipeline. An update changes only the dosage's dose, timing and text, or its start; the draft's
medication, route and everything else stay as the prescriber wrote them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from cards.messages import Catalogue
from cards.reference import load
from pathways.orders.config import Regimen, regimen
from pathways.recommendation import Suggestion, SuggestionKind
from pathways.routines import add_months

UCUM = "http://unitsofmeasure.org"
_DAYS = {"d": 1, "wk": 7, "mo": 30, "a": 365}  # a bounds duration re-dated as a period: whole days, rounded down


def _mg(dose_mg: float) -> dict[str, Any]:
    """A dose in mg (micrograms below 1 mg) as a UCUM quantity."""
    value, unit = (dose_mg * 1000, "ug") if dose_mg < 1 else (dose_mg, "mg")
    value = int(round(value)) if abs(value - round(value)) < 1e-9 else value
    return {"value": value, "unit": "µg" if unit == "ug" else unit, "system": UCUM, "code": unit}


def _regimen_dosage(dosage: dict[str, Any], r: Regimen, msg: Catalogue) -> dict[str, Any]:
    """The draft's dosage with the accepted regimen's dose and interval (its bounds, route and instructions kept)."""
    repeat = {k: v for k, v in ((dosage.get("timing") or {}).get("repeat") or {}).items()
              if k in ("boundsPeriod", "boundsDuration", "boundsRange")}
    repeat.update(frequency=r.frequency, period=r.period, periodUnit=r.period_unit)
    out = {k: v for k, v in dosage.items() if k not in ("timing", "doseAndRate", "text", "asNeededBoolean", "asNeededCodeableConcept")}
    out.update(text=msg.text(f"value.regimen.{r.id}"), timing={"repeat": repeat}, doseAndRate=[{"doseQuantity": _mg(r.dose_mg)}])
    if "route" not in out:
        route = load("routes")[load("regimens")[r.agent.value]["route"]]
        out["route"] = {"coding": [route], "text": msg.text(f"route.{load('regimens')[r.agent.value]['route']}")}
    return out


def _started(dosage: dict[str, Any], start: date) -> dict[str, Any]:
    """The dosage from `start`: its bounds re-dated (a bounds duration becomes a period of the same length)."""
    out = copy.deepcopy(dosage)
    repeat = out.setdefault("timing", {}).setdefault("repeat", {})
    duration = repeat.pop("boundsDuration", None)
    period = {"start": start.isoformat()}
    if isinstance(duration, dict) and isinstance(duration.get("value"), (int, float)):
        length = int(duration["value"] * _DAYS.get(duration.get("code") or duration.get("unit"), 1))
        period["end"] = (start + timedelta(days=length)).isoformat()
    repeat["boundsPeriod"] = period
    return out


def _limited(dosage: dict[str, Any], months: int) -> dict[str, Any]:
    """The dosage bounded to `months` (its bounds replaced; a planned start kept as a period of that length)."""
    out = copy.deepcopy(dosage)
    repeat = out.setdefault("timing", {}).setdefault("repeat", {})
    start = (repeat.get("boundsPeriod") or {}).get("start")
    for bounds in ("boundsPeriod", "boundsDuration", "boundsRange"):
        repeat.pop(bounds, None)
    if isinstance(start, str):
        repeat["boundsPeriod"] = {"start": start, "end": add_months(date.fromisoformat(start[:10]), months).isoformat()}
    else:
        repeat["boundsDuration"] = {"value": months, "unit": "mo", "system": UCUM, "code": "mo"}
    return out


def _dispense_within(dispense: dict[str, Any], months: int) -> dict[str, Any]:
    """The dispense request cut so that supply x (repeats + 1) stays within `months`."""
    supply = dispense.get("expectedSupplyDuration")
    if not (isinstance(supply, dict) and isinstance(supply.get("value"), (int, float)) and supply["value"] > 0):
        return dispense
    days = supply["value"] * _DAYS.get(supply.get("code") or supply.get("unit"), 1)
    fills = max(int(months * 365.25 / 12 // days), 1)
    return {**dispense, "numberOfRepeatsAllowed": fills - 1}


def updated(s: Suggestion, draft: dict[str, Any], msg: Catalogue) -> dict[str, Any]:
    """The draft rewritten: every dosage to the regimen `s.variant`, started on `s.start`, or cut to `s.months`."""
    out = copy.deepcopy(draft)
    dosages = out.get("dosageInstruction") or [{}]
    if s.variant:
        dosages = [_regimen_dosage(dosages[0], regimen(s.variant), msg)]
    if s.start is not None:
        dosages = [_started(d, s.start) for d in dosages]
    if s.dose_mg is not None:  # the structured dose governs: a free text naming the old dose is dropped
        dosages = [{**{k: v for k, v in d.items() if k != "text"}, "doseAndRate": [{"doseQuantity": _mg(s.dose_mg)}]}
                   for d in dosages]
    if s.months is not None:
        dosages = [_limited(d, s.months) for d in dosages]
        if isinstance(out.get("dispenseRequest"), dict):
            out["dispenseRequest"] = _dispense_within(out["dispenseRequest"], s.months)
    out["dosageInstruction"] = dosages
    return out


def label(s: Suggestion, msg: Catalogue) -> str:
    if s.kind is SuggestionKind.DELETE:
        return msg.text("suggestion.delete-draft", (("drug", s.key),))
    if s.variant:
        return msg.text("suggestion.update-regimen", (("drug", s.key), ("regimen", f"regimen.{s.variant}")))
    if s.months is not None:
        return msg.text("suggestion.update-months", (("drug", s.key), ("months", s.months)))
    if s.dose_mg is not None:
        return msg.text("suggestion.update-dose", (("drug", s.key), ("dose", s.dose_mg)))
    return msg.text("suggestion.update-start", (("drug", s.key), ("start", s.start)))


def actions(s: Suggestion, msg: Catalogue, drafts: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The one action of a draft suggestion; none when the draft is not among this call's drafts."""
    if s.draft not in drafts:
        return []
    if s.kind is SuggestionKind.DELETE:
        return [{"type": "delete", "description": label(s, msg), "resourceId": s.draft}]
    return [{"type": "update", "description": label(s, msg), "resource": updated(s, drafts[s.draft], msg)}]

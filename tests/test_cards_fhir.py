"""Suggested resources are valid FHIR (R4B models) and their codes match the shared terminology."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cards import render
from cards.reference import load
from pathways.recommendation import Suggestion, SuggestionKind
from cards.messages import catalogue
from cards.suggestions import suggestion
from tests.rcop_scenarios import scenarios

TERMINOLOGY = Path(__file__).resolve().parents[1].parent / "shared" / "spec" / "terminology.json"
MODELS = {"MedicationRequest": MedicationRequest, "ServiceRequest": ServiceRequest}


def _resources():
    for name, recs in scenarios():
        for c in render(recs, patient_id="p1", lang="nl"):
            for s in c.get("suggestions", []):
                for a in s["actions"]:
                    yield name, a["resource"]


RESOURCES = list(_resources())


@pytest.mark.parametrize(("name", "resource"), RESOURCES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(RESOURCES)])
def test_every_suggested_resource_is_valid_fhir(name, resource):
    model = MODELS[resource["resourceType"]].model_validate(resource)
    assert model.status == "draft" and model.intent in ("proposal", "plan")
    assert model.subject.reference == "Patient/p1"


REGIMENS = {
    # agent: (ATC, dose, UCUM unit, period, period unit)
    "alendronic-acid": ("M05BA04", 70, "mg", 1, "wk"),
    "risedronic-acid": ("M05BA07", 35, "mg", 1, "wk"),
    "zoledronic-acid": ("M05BA08", 5, "mg", 1, "a"),
    "denosumab": ("M05BX04", 60, "mg", 6, "mo"),
    "raloxifene": ("G03XC01", 60, "mg", 1, "d"),
    "teriparatide": ("H05AA02", 20, "ug", 1, "d"),
    "romosozumab": ("M05BX06", 210, "mg", 1, "mo"),
}


@pytest.mark.parametrize("agent", sorted(REGIMENS))
def test_medication_request_carries_atc_and_the_standard_regimen(agent):
    atc, dose, unit, period, period_unit = REGIMENS[agent]
    s = suggestion(Suggestion(SuggestionKind.MEDICATION, agent, True), "p1", catalogue("en"))
    resource = MedicationRequest.model_validate(s["actions"][0]["resource"])
    codes = {(c.system, c.code) for c in resource.medicationCodeableConcept.coding}
    assert ("http://www.whocc.no/atc", atc) in codes
    dosage = resource.dosageInstruction[0]
    assert (float(dosage.doseAndRate[0].doseQuantity.value), dosage.doseAndRate[0].doseQuantity.code) == (dose, unit)
    assert (dosage.timing.repeat.period, dosage.timing.repeat.periodUnit) == (period, period_unit)


def test_dxa_vfa_and_lab_panel_use_loinc_and_snomed():
    dxa = suggestion(Suggestion(SuggestionKind.SERVICE, "dxa-vfa"), "p1", catalogue("nl"))
    codes = {c["code"] for a in dxa["actions"] for c in a["resource"]["code"]["coding"]}
    assert {"38268-9", "726548004"} <= codes
    lab = suggestion(Suggestion(SuggestionKind.SERVICE, "lab-panel"), "p1", catalogue("nl"))
    assert len(lab["actions"]) == 1  # one order, its items as orderDetail
    details = lab["actions"][0]["resource"]["orderDetail"]
    assert len(details) == 16 and {"58410-2", "62292-8", "2731-8", "3016-3"} <= {d["coding"][0]["code"] for d in details}
    due = suggestion(Suggestion(SuggestionKind.SERVICE, "lab-panel", items=("creatinine", "calcium")), "p1", catalogue("nl"))
    assert [d["coding"][0]["code"] for d in due["actions"][0]["resource"]["orderDetail"]] == ["2160-0", "17861-6"]
    endo = suggestion(Suggestion(SuggestionKind.SERVICE, "referral-endocrinology"), "p1", catalogue("nl"))
    assert endo["actions"][0]["resource"]["code"]["coding"][0]["code"] == "306278007"


def _data_codings():
    for agent, regimen in load("regimens").items():
        for c in regimen["codings"]:
            yield agent, c
    for key, items in load("orderables").items():
        for item in items:
            for c in item["codings"]:
                yield f"{key}/{item['item']}", c


@pytest.mark.parametrize(("where", "coding"), list(_data_codings()), ids=lambda v: v if isinstance(v, str) else v["code"])
def test_data_codes_are_in_terminology_with_their_status(where, coding):
    """Every code in cards/data is listed in shared terminology.json, with the status recorded there."""
    entries = json.loads(TERMINOLOGY.read_text(encoding="utf-8"))
    match = [e for e in entries if e["system"] == coding["system"] and coding["code"] in [p.strip() for p in e["code"].split("/")]]
    if not match:  # a code looked up after terminology.json was written names its own source
        assert coding.get("source") and coding["status"] in ("verified", "verified-secondary"), f"{where}: {coding['code']}"
        return
    assert coding["status"] in {e["status"] for e in match}

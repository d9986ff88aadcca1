"""Dutch that a Dutch clinician writes: no English word, no `{...}` brace, no raw FHIR reference, no ISO date, no
decimal point in any text a Dutch card shows — over every rcop fixture, every pathway scenario, every vitaz fixture
(Belgian Dutch: the catalogue with its nl-BE overrides) and every order fixture on the four order services."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cards import render
from cards.messages import capitalised, catalogue
from cards.suggestions import medication_concept
from tests.order_fixtures import load, names
from tests.rcop_scenarios import scenarios

ROOT = Path(__file__).resolve().parents[1] / "fixtures"
SERVICES = {"rcop": "/cds-services/osteoporosis-rcop-patient-view", "vitaz": "/cds-services/osteoporosis-vitaz-patient-view"}
WORD = re.compile(r"[A-Za-zÀ-ÿ]{3,}")
NODE = re.compile(r"\b(?:RCOP|GATE|NET|VITAZ|ORDER)-[A-Z0-9-]+")  # node ids are names, not words
SMPC_LINE = re.compile(r"^_Productinformatie \(SmPC-rubriek\): .*$", re.M)  # brand names and section numbers (4.3)
FHIR_REFERENCE = re.compile(r"\b(?:Observation|Condition|Procedure|Patient|Medication\w*|AllergyIntolerance|FamilyMemberHistory)/\S+")
# Words both languages write alike, or that Dutch clinicians use as they are.
ALLOWED = {
    "dxa", "vfa", "frax", "bmd", "crp", "pth", "tsh", "ldh", "ggt", "alt", "ast", "egfr", "pbo", "cva", "onj", "aff",
    "rcop", "vitaz", "genant", "cockcroft", "gault", "ckd", "mbd", "atc", "snomed", "loinc", "icd", "rxnorm", "iof", "ects",
    "lab", "calcium", "albumine", "creatinine", "denosumab", "raloxifeen", "teriparatide", "romosozumab", "prednison",
}


def _english_only() -> set[str]:
    """Words of the English catalogues (with their Belgian overrides) that no Dutch text uses."""
    nl = {w.lower() for text in catalogue("nl", "BE")._texts.values() for w in WORD.findall(text)}
    en = {w.lower() for region in (None, "BE") for text in catalogue("en", region)._texts.values() for w in WORD.findall(text)}
    return en - nl - ALLOWED


ENGLISH = _english_only()


def _texts(card: dict) -> list[str]:
    """Every string of a card a clinician reads."""
    out = [card["summary"], card["detail"], card["source"]["label"], card["source"]["topic"]["display"]]
    out += [o["display"] for o in card.get("overrideReasons", [])] + [link["label"] for link in card.get("links", [])]
    for s in card.get("suggestions", []):
        out.append(s["label"])
        for a in s["actions"]:
            out.append(a["description"])
            resource = a.get("resource", {})  # a delete names its draft by resourceId only
            if a["type"] == "create":  # an update keeps the prescriber's own drug text; its dosage is ours
                out += [c.get("text", "") for c in (medication_concept(resource), resource.get("code")) if c]
            for d in resource.get("dosageInstruction", []):
                out += [d.get("text", ""), d.get("patientInstruction", ""), d.get("route", {}).get("text", "")]
    return out


def _problems(cards: list[dict]) -> list[str]:
    found = []
    for text in (NODE.sub("", SMPC_LINE.sub("", t)) for c in cards for t in _texts(c)):
        found += [f"English '{w}' in: {text[:80]}" for w in WORD.findall(text) if w.lower() in ENGLISH]
        found += [f"brace in: {m.group(0)}" for m in re.finditer(r".{0,30}[{}].{0,30}", text)][:1]
        found += [f"reference in: {m.group(0)}" for m in FHIR_REFERENCE.finditer(text)][:1]
        found += [f"ISO date in: {text[:80]}" for _ in re.findall(r"\b\d{4}-\d{2}-\d{2}\b", text)][:1]
        found += [f"decimal point in: {text[:80]}" for _ in re.findall(r"\b\d+\.\d", text)][:1]  # not a code (ICD-10 M84.75)
    return found


def test_the_english_word_list_catches_english():
    """The check can fail: English words of the catalogue (not shared with Dutch) are in the list."""
    assert {"take", "every", "after", "refer"} <= ENGLISH and "dxa" not in ENGLISH


@pytest.mark.parametrize("fixture", sorted(f"{p.parent.name}/{p.stem}" for guideline in SERVICES for p in (ROOT / guideline).glob("*.json")))
def test_every_fixture_reads_as_dutch(client, cds_request, fixture):
    guideline = fixture.partition("/")[0]
    body = cds_request(json.loads((ROOT / f"{fixture}.json").read_text(encoding="utf-8")))
    cards = client.post(SERVICES[guideline], json=body, headers={"Accept-Language": "nl"}).get_json()["cards"]
    assert _problems(cards) == []


def test_the_vitaz_fixtures_are_read():
    """The vitaz answers are checked in Belgian Dutch: the region's overrides are in the catalogue the cards use."""
    assert catalogue("nl", "BE").text("value.zoledronic-acid") == "zoledronaat" and len(list((ROOT / "vitaz").glob("*.json"))) > 80


@pytest.mark.parametrize(("name", "recs"), list(scenarios()), ids=[s[0] for s in scenarios()])
def test_every_scenario_reads_as_dutch(name, recs):
    assert _problems(render(recs, patient_id="p1", lang="nl")) == []


@pytest.mark.parametrize("service", [f"osteoporosis-{g}-{hook}" for g in ("rcop", "vitaz") for hook in ("order-select", "order-sign")])
@pytest.mark.parametrize("fixture", names())
def test_every_order_fixture_reads_as_dutch(client, cds_request, fixture, service):
    record, drafts = load(fixture)
    body = cds_request(record, hook=service.split("-", 2)[2], draft_orders=drafts)
    cards = client.post(f"/cds-services/{service}", json=body, headers={"Accept-Language": "nl"}).get_json()["cards"]
    assert _problems(cards) == []


@pytest.mark.parametrize(("text", "expected"), [("eGFR 30 ml/min", "eGFR 30 ml/min"), ("alendroninezuur", "Alendroninezuur"),
                                                 ("pH laag", "pH laag"), ("", "")])
def test_a_sentence_opening_with_a_unit_keeps_its_capitals(text, expected):
    """Review (Wd6): "EGFR 30 ml/min" was a sentence capitalised blindly."""
    assert capitalised(text) == expected

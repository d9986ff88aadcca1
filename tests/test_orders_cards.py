"""What a pharmacist sees at order entry: the cases the issue names, suggestions that act on the clinician's own drafts
(each valid R4, each delete naming a draft of the call), order-select against order-sign with several drafts, a
finding said once, the Sandbox's odd drafts, and the order services' wording and override reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.servicerequest import ServiceRequest

from fhir_mappings.bundle import iter_resources
from tests.answers import offered_atcs
from tests.order_fixtures import FIXTURES, load, names, post  # noqa: F401 - `post` is a fixture
from tests.protocol_helpers import empty_values

SANDBOX = Path(__file__).resolve().parents[2] / "shared" / "cds-hooks" / "sandbox-captured"
SERVICES = [f"osteoporosis-{g}-{hook}" for g in ("rcop", "vitaz") for hook in ("order-select", "order-sign")]

PHARMACIST = {"prescriber-confirms", "specialist-advice", "temporary-course", "patient-refuses", "recently-done",
              "already-treated-elsewhere"}


def only(cards: list[dict], topic: str) -> dict:
    (card,) = [c for c in cards if c["source"]["topic"]["code"] == topic]
    return card


def actions(card: dict, kind: str) -> list[dict]:
    return [a for s in card.get("suggestions", []) for a in s["actions"] if a["type"] == kind]


# The five cases of the issue ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
def test_romosozumab_after_a_myocardial_infarction_is_critical_and_the_draft_is_removed(post, service):
    card = only(post("ORDER-ROMO-in-myocardial-infarction-2-years-ago-critical", service), "order-safety")
    assert card["indicator"] == "critical"
    assert card["summary"].startswith("Romosozumab niet geven") and "schrap" in card["summary"]
    (delete,) = [s for s in card["suggestions"] if s["actions"][0]["type"] == "delete"]
    assert delete["isRecommended"] and delete["actions"][0]["resourceId"] == "MedicationRequest/draft-1"


@pytest.mark.parametrize("service", SERVICES)
def test_alendronic_acid_70_mg_daily_is_rewritten_to_weekly(post, service):
    card = only(post("ORDER-DOSE-in-alendronic-acid-70-mg-daily", service), "order-safety")
    assert card["indicator"] == "critical" and "1× per week" in card["summary"]
    (update,) = actions(card, "update")
    draft = MedicationRequest.model_validate(update["resource"])
    assert draft.id == "draft-1" and draft.status == "draft"
    dosage = draft.dosageInstruction[0]
    assert (dosage.timing.repeat.frequency, dosage.timing.repeat.period, dosage.timing.repeat.periodUnit) == (1, 1, "wk")
    assert (float(dosage.doseAndRate[0].doseQuantity.value), dosage.doseAndRate[0].doseQuantity.code) == (70.0, "mg")


@pytest.mark.parametrize("service", SERVICES)
def test_denosumab_on_top_of_alendronic_acid_is_a_duplicate(post, service):
    card = only(post("ORDER-DUP-in-denosumab-on-top-of-alendronic-acid", service), "order-safety")
    assert card["indicator"] == "warning" and "ORDER-DUP" in card["extension"]["org.osteocds.nodes"]
    assert "denosumab" in card["summary"] and ("alendroninezuur" in card["summary"] or "alendronaat" in card["summary"])  # nl-BE
    assert [a["resourceId"] for a in actions(card, "delete")] == ["MedicationRequest/draft-1"]


def test_prednisone_10_mg_for_6_months_without_bone_protection_gets_it(post):
    card = only(post("ORDER-GC-in-prednisone-10-mg-6-months-no-bone-protection"), "glucocorticoid-bone-protection")
    assert card["indicator"] == "warning" and "10 mg/dag" in card["summary"]
    # alendronic acid, RCOP-GC-8's first line, one drug only; vitamin D3 and calcium with their dose (RCOP-GC-1)
    assert offered_atcs([card]) == {"M05BA04", "A11CC05", "A12AA04"}
    codes = {c["code"] for a in actions(card, "create") for c in a["resource"].get("code", {}).get("coding", [])}
    assert {"38268-9", "726548004"} <= codes  # DXA with VFA as baseline
    topics = {s["extension"]["org.osteocds.topic"] for s in card["suggestions"]}
    assert topics == {"start-antiresorptive", "order-dxa-vfa", "calcium-vitamin-d"}
    assert {"glucocorticoid-bone-protection", "start-antiresorptive", "order-dxa-vfa"} <= set(card["extension"]["org.osteocds.topics"])


@pytest.mark.parametrize("service", SERVICES)
def test_lorazepam_for_an_80_year_old_after_a_hip_fracture_is_a_fall_risk(post, service):
    card = only(post("ORDER-FALL-RISK-in-lorazepam-80-year-old-after-hip-fracture", service), "fall-risk-medication")
    assert card["indicator"] == "warning" and "benzodiazepine" in card["detail"] and "fragiliteitsfractuur" in card["detail"]
    (delete,) = card["suggestions"]
    assert not delete["isRecommended"] and delete["actions"][0]["resourceId"] == "MedicationRequest/draft-1"


# Suggestions act on the call's own drafts and are valid R4 ------------------------------------------------------------
@pytest.mark.parametrize("fixture", names())
def test_every_fixture_is_valid_r4_and_every_suggestion_too(post, fixture):
    Bundle.model_validate(json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8")))
    record, drafts = load(fixture)
    draft_ids = {f"MedicationRequest/{r['id']}" for r in iter_resources(drafts)}
    patient = next(r["id"] for r in iter_resources(record) if r["resourceType"] == "Patient")
    for service in SERVICES:
        cards = post(fixture, service)
        assert [p for c in cards for p in empty_values(c)] == []
        for action in (a for c in cards for s in c.get("suggestions", []) for a in s["actions"]):
            if action["type"] == "delete":
                assert action["resourceId"] in draft_ids
                continue
            resource = action["resource"]
            model = {"MedicationRequest": MedicationRequest, "ServiceRequest": ServiceRequest}[resource["resourceType"]]
            model.model_validate(resource)
            assert resource["status"] == "draft" and resource["subject"]["reference"] == f"Patient/{patient}"
            if action["type"] == "update":
                assert f"MedicationRequest/{resource['id']}" in draft_ids


def test_a_draft_after_denosumab_moves_to_the_day_6_months_after_the_last_injection(post):
    (update,) = actions(only(post("ORDER-DMAB-STOP-in-alendronic-acid-3-months-after-last-injection"), "order-safety"), "update")
    assert update["resource"]["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"] == {"start": "2027-02-22"}


def test_a_zoledronic_acid_infusion_too_soon_after_hip_surgery_moves_to_two_weeks_after_it(post):
    (update,) = actions(only(post("GATE-HIP-SURGERY-in-zoledronic-acid-10-days-after-surgery"), "order-safety"), "update")
    assert update["resource"]["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"] == {"start": "2026-11-26"}


# order-select and order-sign with several drafts ------------------------------------------------------------------------
SEVERAL = "ORDER-DOSE-in-sign-four-drafts-one-card-per-topic"  # prednisone 6 months, alendronic acid 70 mg daily, lorazepam, omeprazole


def test_order_sign_evaluates_every_draft_one_card_per_topic(post):
    cards = post(SEVERAL)
    assert [(c["source"]["topic"]["code"], c["indicator"]) for c in cards] == [("order-safety", "critical"), ("fall-risk-medication", "warning")]


def test_order_select_evaluates_the_selected_draft_against_the_others(post):
    """Lorazepam selected: only its finding. Prednisone selected: bone protection is ordered in another draft, so no
    card; the mis-dosed alendronic acid is not selected and is not said."""
    lorazepam = post(SEVERAL, "osteoporosis-rcop-order-select", selections=["MedicationRequest/draft-3"])
    assert [c["source"]["topic"]["code"] for c in lorazepam] == ["fall-risk-medication"]
    assert post(SEVERAL, "osteoporosis-rcop-order-select", selections=["MedicationRequest/draft-1"]) == []
    assert post(SEVERAL, "osteoporosis-rcop-order-select", selections=[]) == []


def test_a_duplicate_across_drafts_is_found_when_either_is_selected(post):
    for selected in ("MedicationRequest/draft-1", "MedicationRequest/draft-2"):
        card = only(post("ORDER-DUP-in-two-drafts-alendronic-acid-and-denosumab", "osteoporosis-vitaz-order-select",
                         selections=[selected]), "order-safety")
        assert sorted(a["resourceId"] for a in actions(card, "delete")) == ["MedicationRequest/draft-1", "MedicationRequest/draft-2"]


def test_a_finding_two_drafts_trigger_is_said_once(post):
    card = only(post("ORDER-FALL-RISK-in-two-benzodiazepines-said-once"), "fall-risk-medication")
    assert card["detail"].count("Conceptvoorschrift benzodiazepine bij een patiënt") == 1
    assert len(actions(card, "delete")) == 2


# order-sign is the last chance; select stays quiet about unknown inputs --------------------------------------------------
CRITICAL = [
    "ORDER-ROMO-in-myocardial-infarction-2-years-ago-critical", "ORDER-DOSE-in-alendronic-acid-70-mg-daily",
    "ORDER-ONJ-AFF-in-alendronic-acid-jaw-osteonecrosis", "GATE-RENAL-ZOL-in-clearance-25", "GATE-HYPOCALCAEMIA-in-calcium-1-95",
    "GATE-PREGNANCY-in-pregnant-woman-alendronic-acid", "GATE-VITAMIN-D-in-deficient-zoledronic-acid-loading-dose-first",
    "ORDER-DMAB-in-injection-overdue-critical",
]


@pytest.mark.parametrize("fixture", CRITICAL)
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_critical_finding_names_the_draft_and_the_action_that_resolves_it(post, fixture, lang):
    card = only(post(fixture, lang=lang), "order-safety")
    drug = {"nl": ("romosozumab", "alendroninezuur", "zoledroninezuur", "denosumab"),
            "en": ("romosozumab", "alendronic acid", "zoledronic acid", "denosumab")}[lang]
    action = {"nl": ("schrap", "pas aan", "oplaaddosis", "zonder uitstel"), "en": ("remove", "change it", "loading dose", "without delay")}[lang]
    assert card["indicator"] == "critical"
    assert any(d in card["summary"].lower() for d in drug) and any(a in card["summary"].lower() for a in action), card["summary"]
    signing_resolves = fixture == "ORDER-DMAB-in-injection-overdue-critical"  # the overdue injection is the draft itself
    assert signing_resolves or card["suggestions"], "the action is one click away"


def test_an_unknown_input_is_one_info_card_naming_the_checks_on_sign_only(post):
    card = only(post("GATE-RENAL-ALN-unknown-no-creatinine-sign-only"), "order-safety")
    assert card["indicator"] == "info" and card["summary"].startswith("Vóór ondertekenen")
    (lab,) = actions(card, "create")
    assert [d["coding"][0]["code"] for d in lab["resource"]["orderDetail"]] == ["2160-0"]  # creatinine
    assert post("GATE-RENAL-ALN-unknown-no-creatinine-sign-only", "osteoporosis-rcop-order-select") == []


# The Sandbox's drafts as it really sends them -------------------------------------------------------------------------
def _sandbox(client, cds_request, capture: str, service: str) -> list[dict]:
    captured = json.loads((SANDBOX / capture).read_text(encoding="utf-8"))
    record = {"resourceType": "Bundle", "entry": [{"resource": r} for r in iter_resources(list(captured["prefetch"].values()))]}
    body = cds_request(record, hook=service.split("-", 2)[2])
    body["context"] = {k: v for k, v in captured["context"].items() if service.endswith("select") or k != "selections"}
    resp = client.post(f"/cds-services/{service}", json=body, headers={"Accept-Language": "en"})
    assert resp.status_code == 200
    return resp.get_json()["cards"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_sandbox_draft_before_a_medication_is_chosen_gives_nothing(client, cds_request, service):
    assert _sandbox(client, cds_request, "sandbox-request-osteo-os-before-med-chosen.json", service) == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_sandbox_alendronic_acid_10_mg_daily_is_an_accepted_regimen(client, cds_request, service):
    """A Bundle without `type`, `category` as an object, a dose in {pill} of a 10 mg tablet: read; 10 mg daily is an
    accepted regimen; the labs the gates need are not in the Sandbox record, which only order-sign says."""
    cards = _sandbox(client, cds_request, "sandbox-request-osteo-os-with-med.json", service)
    if service.endswith("select"):
        assert cards == []
        return
    (card,) = cards
    assert card["indicator"] == "info" and "ORDER-DOSE" not in card["extension"]["org.osteocds.nodes"]
    assert {"GATE-RENAL-ALN", "GATE-HYPOCALCAEMIA"} <= set(card["extension"]["org.osteocds.nodes"])


# Wording and override reasons -----------------------------------------------------------------------------------------
def test_order_cards_offer_a_pharmacists_override_reasons(post):
    for fixture in ("ORDER-DOSE-in-alendronic-acid-70-mg-daily", "ORDER-GC-in-prednisone-10-mg-6-months-no-bone-protection",
                    "ORDER-FALL-RISK-in-zolpidem-t-minus-2-7", "ORDER-BONE-RISK-in-letrozole-no-dxa"):
        for card in post(fixture):
            codes = {o["code"] for o in card["overrideReasons"]}
            assert codes <= PHARMACIST and codes & {"prescriber-confirms", "temporary-course", "recently-done"}
    displays = {o["display"] for o in only(post("ORDER-DOSE-in-alendronic-acid-70-mg-daily"), "order-safety")["overrideReasons"]}
    assert displays == {"Voorschrijver bevestigt", "Specialistisch advies", "Tijdelijke kuur", "Patiënt weigert"}


def test_english_order_card_on_request(post):
    card = only(post("ORDER-DUP-in-denosumab-on-top-of-alendronic-acid", lang="en"), "order-safety")
    assert card["summary"] == "Duplicate therapy: denosumab on top of alendronic acid"
    assert "Draft order" in card["detail"]


def test_a_draft_that_cannot_be_read_is_named_on_sign_only(client, cds_request):
    """A draft of a drug the checks are about that is not valid R4 even read leniently: never signed unchecked."""
    record, drafts = load("ORDER-DOSE-out-alendronic-acid-70-mg-weekly")
    broken = dict(drafts["entry"][0]["resource"], dosageInstruction="70 mg once a week")
    for service, expected in (("osteoporosis-vitaz-order-sign", ["data-needed"]), ("osteoporosis-vitaz-order-select", [])):
        body = cds_request(record, hook=service.split("-", 2)[2], draft_orders=[broken])
        cards = client.post(f"/cds-services/{service}", json=body).get_json()["cards"]
        assert [c["source"]["topic"]["code"] for c in cards] == expected
        if cards:
            assert cards[0]["summary"] == "Vóór ondertekenen: een conceptvoorschrift is niet leesbaar"
            assert cards[0]["extension"]["org.osteocds.gaps"] == ["MedicationRequest/draft-1"]


def test_vitaz_applies_its_work_up_and_no_drug_until_the_bmd_is_known(post):
    """vitaz-2025's ORDER-GC: the course puts the patient in the population (Appendix 1); VITAZ-1's work-up, BMD with
    VFA; with the BMD known the table indicates therapy, whose unranked options are the prescriber's choice."""
    card = only(post("ORDER-GC-in-prednisone-10-mg-6-months-no-bone-protection", "osteoporosis-vitaz-order-sign"),
                "glucocorticoid-bone-protection")
    assert offered_atcs([card]) == set() and "VITAZ-2" in card["extension"]["org.osteocds.nodes"]
    assert {"38268-9", "726548004"} <= {c["code"] for a in actions(card, "create") for c in a["resource"]["code"]["coding"]}
    known = only(post("ORDER-GC-in-bmd-known-t-minus-2-7", "osteoporosis-vitaz-order-sign"), "glucocorticoid-bone-protection")
    assert offered_atcs([known]) == set() and "VITAZ-7" in known["extension"]["org.osteocds.nodes"]
    assert "de voorschrijver kiest uit" in known["detail"]


def test_vitaz_reimbursement_criteria_are_the_facts_of_the_romosozumab_card(post):
    card = only(post("ORDER-ROMO-in-vitaz-fracture-over-24-months-not-reimbursed", "osteoporosis-vitaz-order-select"), "order-safety")
    assert card["indicator"] == "warning" and card["summary"] == "Romosozumab: terugbetalingscriteria (Appendix 5) niet vervuld"
    assert "Romosozumab: fractuur van bekken, wervel" in card["detail"]  # the criterion not met, as a fact used
    assert post("ORDER-ROMO-in-vitaz-fracture-over-24-months-not-reimbursed", "osteoporosis-rcop-order-select") == []


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("fixture", ["GATE-ONJ-in-zoledronic-acid-jaw-osteonecrosis",
                                     "GATE-AFF-in-possible-aff-subtrochanteric-fracture-after-alendronic-acid"])
def test_a_refused_draft_carries_no_start_advice(post, service, fixture):
    """Review: a card that says "do not give" has no dental check or vitamin D loading dose for the start."""
    card = only(post(fixture, service), "order-safety")
    assert card["indicator"] == "critical"
    assert not {"GATE-DENTAL", "GATE-VITAMIN-D"} & set(card["extension"]["org.osteocds.nodes"])


@pytest.mark.parametrize("service", ["osteoporosis-rcop-order-sign", "osteoporosis-vitaz-order-sign"])
def test_no_order_card_says_only_check_the_order(post, service):
    """Review (Wd4): every order-safety card says its finding (hip surgery too recent, denosumab in CKD 4-5), never
    only the topic's fallback "Controleer de order"."""
    generic = [name for name in names() for c in post(name, service) if c["summary"] == "Controleer de order"]
    assert generic == []

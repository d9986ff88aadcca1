"""A hospital pharmacist's second review of the order cards (W4-W6, W19-W23): what each card must now say and offer,
through the real endpoints of both guidelines. Fixtures: fixtures/orders/*.json; today is 2026-11-22."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings.drafts import read_drafts
from tests.answers import nodes
from tests.order_fixtures import post  # noqa: F401 - `post` is a fixture

SERVICES = [f"osteoporosis-{g}-{hook}" for g in ("rcop", "vitaz") for hook in ("order-select", "order-sign")]


def only(cards: list[dict], topic: str) -> dict:
    (card,) = [c for c in cards if c["source"]["topic"]["code"] == topic]
    return card


def draft_actions(card: dict) -> list[tuple[bool, dict]]:
    """(recommended, action) of every suggestion that rewrites or removes a draft."""
    return [(s["isRecommended"], a) for s in card["suggestions"] for a in s["actions"] if a["type"] in ("update", "delete")]


def _regimen(action: dict) -> tuple[float, tuple[int, int, str]]:
    dosage = action["resource"]["dosageInstruction"][0]
    repeat = dosage["timing"]["repeat"]
    return dosage["doseAndRate"][0]["doseQuantity"]["value"], (repeat["frequency"], repeat["period"], repeat["periodUnit"])


# W4 ------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
def test_denosumab_every_12_months_is_critical_and_rewritten_to_6_monthly(post, service):
    card = only(post("ORDER-DOSE-in-denosumab-every-12-months", service), "order-safety")
    assert card["indicator"] == "critical" and "ORDER-DOSE" in nodes(card)
    assert "reboundrisico" in card["summary"] and "elke 6 maanden" in card["summary"]
    ((recommended, update),) = draft_actions(card)
    assert recommended and _regimen(update) == (60, (1, 6, "mo"))


# W22 -----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
def test_an_under_dose_offers_the_usual_regimen_first_and_the_same_dose_beside_it(post, service):
    card = only(post("ORDER-DOSE-in-alendronic-acid-10-mg-weekly", service), "order-safety")
    assert card["indicator"] == "warning" and card["selectionBehavior"] == "at-most-one"
    assert "onderdosering" in card["summary"]
    fixes = [(recommended, _regimen(a)) for recommended, a in draft_actions(card)]
    assert fixes == [(True, (70, (1, 1, "wk"))), (False, (10, (1, 1, "d")))]


# W23 -----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fixture", ["ORDER-DUP-in-alendronic-acid-ordered-twice", "ORDER-DUP-in-two-drafts-alendronic-acid-and-denosumab"])
@pytest.mark.parametrize("service", SERVICES)
def test_two_duplicate_drafts_cannot_both_be_removed(post, service, fixture):
    card = only(post(fixture, service), "order-safety")
    assert "ORDER-DUP" in nodes(card) and card["selectionBehavior"] == "at-most-one"
    removed = [a["resourceId"] for _, a in draft_actions(card) if a["type"] == "delete"]
    assert removed == ["MedicationRequest/draft-1", "MedicationRequest/draft-2"]


def test_a_single_duplicate_draft_on_top_of_therapy_keeps_any_selection(post):
    card = only(post("ORDER-DUP-in-denosumab-on-top-of-alendronic-acid"), "order-safety")
    assert card["selectionBehavior"] == "any"


# W19 -----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
def test_romosozumab_for_a_man_is_cited_under_order_romo_with_the_evenity_indication(post, service):
    card = only(post("ORDER-ROMO-in-man-not-indicated", service), "order-safety")
    assert card["indicator"] == "warning" and "ORDER-ROMO" in nodes(card) and "GATE-CV" not in nodes(card)
    assert "(GATE-CV)" not in card["detail"] and "Evenity 4.1/4.2 (ORDER-ROMO)" in card["detail"]


def test_romosozumab_after_a_myocardial_infarction_still_cites_gate_cv(post):
    card = only(post("ORDER-ROMO-in-myocardial-infarction-2-years-ago-critical"), "order-safety")
    assert {"GATE-CV", "ORDER-ROMO"} <= set(nodes(card)) and "Evenity 4.3/4.4 (GATE-CV)" in card["detail"]


# W20 -----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fixture", "cited", "not_cited"), [
    ("GATE-PREGNANCY-in-pregnant-woman-alendronic-acid", "Fosamax 4.6 (GATE-PREGNANCY)", "Aclasta"),
    ("GATE-RENAL-SEVERE-in-raloxifene-clearance-24", "Evista 4.3 (GATE-RENAL-SEVERE)", "Forsteo"),
    ("ORDER-ONJ-AFF-in-denosumab-atypical-femoral-fracture", "Prolia 4.4 (GATE-AFF)", "Fosamax"),
    ("ORDER-ONJ-AFF-in-alendronic-acid-jaw-osteonecrosis", "Beslispunten", "Aclasta"),
])
def test_product_information_is_cited_for_the_drug_on_the_card(post, fixture, cited, not_cited):
    (card,) = post(fixture)
    assert cited in card["detail"] and not_cited not in card["detail"]


# W21 -----------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fixture", "months", "summary"), [
    ("ORDER-TPTD-in-18-months-used-24-more", 6, "nog hooguit 6 maanden"),
    ("ORDER-TPTD-in-course-of-30-months", 24, "voor 30 maanden, hooguit 24"),
    ("ORDER-ROMO-in-course-of-15-months", 12, "voor 15 maanden, hooguit 12"),
    ("ORDER-ROMO-in-6-months-used-12-more", 6, "voor 12 maanden, hooguit 6"),
])
@pytest.mark.parametrize("service", SERVICES)
def test_a_draft_beyond_its_maximum_duration_is_cut_to_what_is_left(post, service, fixture, months, summary):
    card = only(post(fixture, service), "order-safety")
    assert card["indicator"] == "warning" and summary in card["summary"]
    ((recommended, update),) = draft_actions(card)
    assert recommended and update["type"] == "update"
    assert update["resource"]["dosageInstruction"][0]["timing"]["repeat"]["boundsDuration"]["value"] == months
    patient = update["resource"]["subject"]["reference"].removeprefix("Patient/")
    (reread,) = read_drafts([update["resource"]], today=date(2026, 11, 22), patient_id=patient).orders
    assert abs(reread.expected_days - months * 365.25 / 12) <= 2  # the rewritten draft reads as the shorter course


# W5 ------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
def test_order_cards_name_the_drafted_product_not_its_class(post, service):
    card = only(post("ORDER-FALL-RISK-in-two-benzodiazepines-said-once", service), "fall-risk-medication")
    assert "Conceptvoorschrift: lorazepam 1 mg 1× per dag (benzodiazepine)" in card["detail"]
    labels = [s["label"] for s in card["suggestions"]]
    assert labels == ["Schrap het conceptvoorschrift: lorazepam 1 mg", "Schrap het conceptvoorschrift: oxazepam 10 mg"]
    gc = only(post("ORDER-GC-in-prednisone-10-mg-6-months-no-bone-protection", service), "glucocorticoid-bone-protection")
    assert "Conceptvoorschrift: prednison 10 mg" in gc["detail"]


# W6 ------------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
def test_two_benzodiazepines_at_once_are_said(post, service):
    card = only(post("ORDER-FALL-RISK-in-two-benzodiazepines-said-once", service), "fall-risk-medication")
    assert "Meer dan één benzodiazepine tegelijk (lorazepam 1 mg, oxazepam 10 mg): houd er hoogstens één" in card["detail"]


@pytest.mark.parametrize("service", SERVICES)
def test_zolpidem_10_mg_at_76_offers_the_dose_for_older_patients(post, service):
    card = only(post("ORDER-FALL-RISK-in-zolpidem-t-minus-2-7", service), "fall-risk-medication")
    assert "Zolpidem 10 mg bij 76 jaar: boven de dosis voor ouderen (5 mg)" in card["detail"]
    assert card["selectionBehavior"] == "at-most-one"  # the draft rewritten or removed, not both
    (recommended, update), (_, delete) = draft_actions(card)
    assert not recommended and update["type"] == "update" and delete["type"] == "delete"
    dosage = update["resource"]["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == 5 and dosage["timing"]["repeat"]["frequency"] == 1


def test_lorazepam_at_80_has_no_dose_rule_and_no_rewrite(post):
    card = only(post("ORDER-FALL-RISK-in-lorazepam-80-year-old-after-hip-fracture"), "fall-risk-medication")
    assert [a["type"] for _, a in draft_actions(card)] == ["delete"] and "dosis voor ouderen" not in card["detail"]

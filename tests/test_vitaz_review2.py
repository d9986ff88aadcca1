"""The second clinical review of the vitaz-2025 cards (a Belgian GP's reading), finding by finding, through the real
endpoint: what each fixture's answer now recommends, orders and shows. Fixtures: fixtures/vitaz/*.json."""

from __future__ import annotations

import pytest

from tests.answers import card_for, cards_with, nodes, offered_drugs, service_codes
from tests.test_vitaz_e2e import RLX, post  # noqa: F401 - `post` is the endpoint fixture

VITAMIN_D_LOINC = "62292-8"  # 25-OH vitamin D (cards/data/orderables.json)


SHOWN = [
    # (finding, fixture, topic of the card, what it now shows)
    *(("W9", f, "no-drug-therapy", "Wervelfractuur op VFA of RX wervelzuil: geen — _verrichting") for f in (
        "VITAZ-2-out-dxa-23-months-old", "VITAZ-4-in-t-minus-0-9-no-drug-therapy", "VITAZ-5-in-frax-below-thresholds-age-65",
        "VITAZ-5-in-frax-hip-2-9-age-69", "VITAZ-5-in-frax-hip-4-9-age-70")),
    ("W9", "VITAZ-4-in-no-vfa-decision-waits-for-it", "order-dxa-vfa", "Wervelfractuur op VFA of RX wervelzuil: onbekend"),
    ("W17", "VITAZ-4-in-t-minus-0-9-no-drug-therapy", "calcium-vitamin-d",
     "deficiëntie (< 20 ng/ml): 25\u00a0000 IE 1x per week gedurende 8 weken, daarna 800 IE per dag"),
    *(("W18", f, "start-antiresorptive", "Teriparatide: ≥ 2 wervelfracturen (> 4 mm en 25 %), ≥ 1 bij "
       "corticoïdgeïnduceerde osteoporose: onbekend") for f in ("VITAZ-6-in-osteopenia-humerus-fracture", "VITAZ-8-in-man-hip-fracture-at-50-no-dxa")),
    ("W18", "VITAZ-9-in-romosozumab-humerus-age-74-not-met", "start-antiresorptive",
     "niet voldaan — humerus, 01-12-2025 op 74-jarige leeftijd (75+ vereist)"),
]


@pytest.mark.parametrize(("finding", "fixture", "topic", "text"), SHOWN, ids=[f"{s[0]}:{s[1]}" for s in SHOWN])
def test_the_card_shows_what_the_decision_rests_on(post, finding, fixture, topic, text):
    """W9: the VFA a "no drug" rests on (and its absence where the sibling waits); W17: the deficiency dose with its
    interval; W18: unknown read as unknown (no VFA), and the real reason a criterion is not met (the age)."""
    card = card_for(post(fixture), topic)
    assert text in card["detail"], finding


@pytest.mark.parametrize("fixture", [
    "VITAZ-9-in-romosozumab-unknown-bmd-older-than-6-months", "VITAZ-9-in-romosozumab-unknown-ungraded-vertebral-fracture",
    "VITAZ-9-in-teriparatide-unknown-second-fracture-ungraded",
])
def test_w10_anabolic_possibly_met_no_antiresorptive_one_click_away(post, fixture):
    cards = post(fixture)
    assert not offered_drugs(cards)
    assert not cards_with(cards, "start-antiresorptive")
    assert any("VITAZ-9" in nodes(c) for c in cards if c["indicator"] == "warning")


def test_w10_an_old_bmd_is_ordered_for_the_reimbursement(post):
    cards = post("VITAZ-9-in-romosozumab-unknown-bmd-older-than-6-months")
    order = card_for(cards, "order-dxa-vfa")
    assert order["indicator"] == "warning" and "VITAZ-9" in nodes(order)
    assert [s["isRecommended"] for s in order["suggestions"] if s["label"] == "BMD met VFA aanvragen"] == [True]
    assert "Start nog geen antiresorptief middel" in order["detail"]


def test_w10_an_ungraded_fracture_asks_for_its_grade(post):
    card = card_for(post("VITAZ-9-in-romosozumab-unknown-ungraded-vertebral-fracture"), "data-needed")
    assert card["indicator"] == "warning"
    assert "noteer de graad uit het VFA- of RX-verslag" in card["detail"]


def test_w11_jaw_osteonecrosis_is_no_invitation_to_switch(post):
    cards = post("VITAZ-FU-4-in-jaw-osteonecrosis-on-alendronic-acid")
    safety = card_for(cards, "medication-safety")
    assert safety["indicator"] == "critical" and "VITAZ-FU-4" in nodes(safety)
    assert "overweeg overschakeling" not in safety["detail"]
    assert "ook denosumab geeft kaaknecrose" in safety["detail"]
    assert not offered_drugs(cards)


def test_w12_no_dutch_chart_on_a_belgian_card(post):
    cards = post("VITAZ-FU-4-in-wrist-fracture-after-2-years-on-alendronic-acid")
    switch = card_for(cards, "switch-therapy")
    assert "schema 3" not in switch["detail"] and "VITAZ-FU-4" in nodes(switch)
    assert "Na de evaluatie (therapietrouw, labo, BMD met VFA)" in switch["detail"]
    assert not [s for s in switch["suggestions"] if s["isRecommended"]]


@pytest.mark.parametrize("fixture", ["VITAZ-FU-1-in-3-months-on-alendronic-acid", "VITAZ-FU-1-in-past-due-after-4-months"])
def test_w14_the_3_month_check_orders_vitamin_d_only(post, fixture):
    lab = card_for(post(fixture), "order-lab")
    suggestions = [s for s in lab["suggestions"] if s["actions"][0]["resource"]["resourceType"] == "ServiceRequest"]
    assert [s["label"] for s in suggestions] == ["25-OH-vitamine D bepalen"] and suggestions[0]["isRecommended"]
    assert service_codes([{"suggestions": suggestions}]) == {VITAMIN_D_LOINC}


@pytest.mark.parametrize("fixture", ["VITAZ-FU-3-in-5-years-dxa-and-referral", "VITAZ-FU-3-in-past-due"])
def test_w15_the_5_year_referral_is_recommended(post, fixture):
    cards = post(fixture)
    recommended = {s["label"] for c in cards for s in c.get("suggestions", []) if s["isRecommended"]}
    assert {"Verwijzen naar de tweede lijn (osteoporosecentrum)", "BMD met VFA aanvragen"} <= recommended
    assert "VITAZ-FU-3" in nodes(card_for(cards, "refer-secondary-care"))


def test_w16_a_deficiency_despite_a_supplement_gets_its_dose(post):
    card = card_for(post("VITAZ-APP4-in-vitamin-d-18-ng-despite-supplement"), "calcium-vitamin-d")
    assert "25\u00a0000 IE 1x per week gedurende 8 weken, daarna 800 IE per dag" in card["detail"]
    assert any(s["label"].startswith("colecalciferol (vitamine D3) 25\u00a0000 IE") for s in card["suggestions"])


def test_w26_raloxifene_carries_its_safety_note(post):
    card = card_for(post("VITAZ-7-in-smoker-t-minus-2-5"), "start-antiresorptive")
    raloxifene = [s for s in card["suggestions"] if s["label"].startswith("raloxifeen")]
    assert len(raloxifene) == 1 and not raloxifene[0]["isRecommended"]
    assert "niet bij (voorgeschiedenis van) veneuze trombo-embolie" in raloxifene[0]["label"]
    assert "GATE-RALOXIFENE" in nodes(card) and RLX in offered_drugs([card])


def test_w27_a_gate_ruling_out_the_anabolic_comes_with_a_referral(post):
    cards = post("VITAZ-9-in-teriparatide-met-paget-disease-gate-rules-it-out")
    refer = card_for(cards, "refer-secondary-care")
    assert "VITAZ-9" in nodes(refer)
    assert [s["isRecommended"] for c in cards for s in c.get("suggestions", [])
            if s["label"] == "Verwijzen naar de tweede lijn (osteoporosecentrum)"] == [True]

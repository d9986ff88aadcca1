"""Real Synthea records (../shared/synthea, 2019 vintage) through the rcop endpoint, as of 2026-11-22.

The records are not written for our charts, so they show what the service says about data as it arrives:
forearm-only DXA (LOINC 38265-5), alendronate 10 mg daily, fractures while on it, deceased patients.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.answers import answer_topics, card_for, nodes, offered_atcs

URL = "/cds-services/osteoporosis-rcop-patient-view"
BUNDLES = Path(__file__).resolve().parents[2] / "shared" / "synthea" / "bundles"


@pytest.fixture
def cards_for(client, cds_request):
    def call(first_name: str) -> dict[str, dict]:
        path = next(BUNDLES.glob(f"{first_name}_*.json"))
        resp = client.post(URL, json=cds_request(json.loads(path.read_text(encoding="utf-8"))))
        assert resp.status_code == 200
        cards = resp.get_json()["cards"]
        return {c["source"]["topic"]["code"]: c for c in cards}

    return call


def test_fracture_on_alendronate_is_therapy_failure_switch_to_zoledronic_acid_after_lab(cards_for):
    """Hallie: alendronate since 2016, forearm fracture 2020 -> RCOP-BP-3 (interpretation: therapy failure). Her
    record has no lab and no weight: the switch follows the re-evaluation, and no drug is a one-click order yet."""
    cards = cards_for("Hallie")
    switch = cards["switch-therapy"]
    assert switch["indicator"] == "warning" and "RCOP-BP-3" in nodes(switch)
    assert switch["summary"].startswith("Therapiefalen op tabletten: evalueer eerst, stap daarna over op zoledroninezuur")
    assert not offered_atcs(list(cards.values())) & {"M05BA08", "M05BA04"}  # not before the lab; her own drug never anew


def test_forearm_only_dxa_is_a_fact_of_the_plan_not_a_data_needed_card(cards_for):
    """Synthea's DXA (LOINC 38265-5) is a forearm T-score: stated once among the plan's facts, never "no DXA"."""
    cards = cards_for("Hallie")
    assert "data-needed" not in cards
    plan = cards["treatment-evaluation-due"]
    assert plan["detail"].count("DXA op een plaats die de richtlijn niet gebruikt: -3,3 (onderarm)") == 1


def test_a_lab_value_impossible_in_its_unit_stays_off_the_cards(cards_for):
    """Synthea writes total protein (2885-2) in g/L under the unit g/dL: not a fact, and not a data-needed line either
    (no decision of consequence turns on it)."""
    assert all("total-protein" not in c["detail"] for c in cards_for("Hallie").values())


def test_an_unverified_lab_code_the_decision_does_not_use_stays_off_the_cards(cards_for):
    """The record's total protein (LOINC 2885-2, unverified) is not a fact any rcop card shows."""
    assert all("2885-2" not in c["detail"] for c in cards_for("Hallie").values())


def test_risk_score_4_without_guideline_dxa_orders_dxa_vfa(cards_for):
    """Idalia, 85: age > 70 (2) + ankle fracture after 50 (2) = CBO 4 -> RCOP-RF-2; her DXA is forearm only."""
    cards = list(cards_for("Idalia").values())
    assert "RCOP-RF-2" in nodes(card_for(cards, "order-dxa-vfa"))
    assert "start-antiresorptive" not in answer_topics(cards)


@pytest.mark.parametrize("first_name", ["Wendell", "Tai", "Caridad", "Deidre"])
def test_quiet_for_deceased_unscreened_low_score_and_young_patients(cards_for, first_name):
    """Wendell and Tai are deceased; Caridad (CBO 2) and Deidre (45, hip fracture) meet no chart."""
    assert cards_for(first_name) == {}

"""Real Synthea records (../shared/synthea, 2019 vintage) through the rcop endpoint, as of 2026-11-22.

The records are not written for our charts, so they show what the service says about data as it arrives:
forearm-only DXA (LOINC 38265-5), alendronate 10 mg daily, fractures while on it, deceased patients.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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


def test_fracture_on_alendronate_is_therapy_failure_switch_to_zoledronic_acid(cards_for):
    """Hallie: alendronate since 2016, forearm fracture 2020 -> RCOP-BP-3 (interpretation: therapy failure)."""
    cards = cards_for("Hallie")
    switch = cards["switch-therapy"]
    assert switch["indicator"] == "warning" and "**RCOP-BP-3**" in switch["detail"]
    recommended = next(s for s in switch["suggestions"] if s.get("isRecommended"))
    codes = {c["code"] for c in recommended["actions"][0]["resource"]["medicationCodeableConcept"]["coding"]}
    assert "M05BA08" in codes
    assert "M05BA04" not in {  # the drug she takes is never proposed as a new start
        c["code"] for s in switch["suggestions"] for c in s["actions"][0]["resource"]["medicationCodeableConcept"]["coding"]
    }


def test_forearm_only_dxa_is_named_on_the_dxa_card_not_in_a_data_needed_card(cards_for):
    cards = cards_for("Hallie")
    assert "forearm T-score -3.3" in cards["order-dxa-vfa"]["detail"]
    assert "forearm" not in cards.get("data-needed", {}).get("detail", "")


def test_a_lab_value_impossible_in_its_unit_is_named_not_used(cards_for):
    """Synthea writes total protein (2885-2) in g/L under the unit g/dL (about 70 "g/dL"): not a fact, a gap,
    named once (the latest result) rather than once per result."""
    detail = cards_for("Hallie")["data-needed"]["detail"]
    assert detail.count("Onmogelijke waarde, niet gebruikt: total-protein") == 1


def test_an_unverified_lab_code_the_decision_does_not_use_stays_off_the_cards(cards_for):
    """The record's total protein (LOINC 2885-2, unverified) is not a fact any rcop card shows."""
    assert all("2885-2" not in c["detail"] for c in cards_for("Hallie").values())


def test_risk_score_4_without_guideline_dxa_orders_dxa_vfa(cards_for):
    """Idalia, 85: age > 70 (2) + ankle fracture after 50 (2) = CBO 4 -> RCOP-RF-2; her DXA is forearm only."""
    cards = cards_for("Idalia")
    assert "**RCOP-RF-2**" in cards["order-dxa-vfa"]["detail"]
    assert "start-antiresorptive" not in cards


@pytest.mark.parametrize("first_name", ["Wendell", "Tai", "Caridad", "Deidre"])
def test_quiet_for_deceased_unscreened_low_score_and_young_patients(cards_for, first_name):
    """Wendell and Tai are deceased; Caridad (CBO 2) and Deidre (45, hip fracture) meet no chart."""
    assert cards_for(first_name) == {}

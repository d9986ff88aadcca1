"""The safety gates (GATE-*) and the safety net (NET-*) through the real endpoint: a drug the record contraindicates is
in no suggestion, the plan says why and what instead, and the indicator follows the contract's rule.

Fixtures: fixtures/rcop/GATE-*.json and NET-*.json (fixtures/rcop/make_fixtures.py `safety()`); today is 2026-11-22.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.answers import answer_nodes, answer_topics, card_for, nodes, offered_atcs, recommended_atc, topics_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rcop"
URL = "/cds-services/osteoporosis-rcop-patient-view"
ZOL, ALN, RIS, DMAB, RLX, TPTD = "M05BA08", "M05BA04", "M05BA07", "M05BX04", "G03XC01", "H05AA02"
ANTIRESORPTIVES = {ZOL, ALN, RIS, DMAB, RLX, "M05BA06", "M05BX06"}

CASES = [
    # (fixture, ATCs in no suggestion, topic of the card that carries the finding, its indicator, ATC it recommends, node)
    # clearance 26 with eGFR 55: the lower decides for alendronic acid too (not recommended): denosumab is next
    ("GATE-RENAL-ZOL-in-clearance-26-no-zoledronic-acid", {ZOL, RIS}, "start-antiresorptive", "warning", DMAB, "GATE-RENAL-ZOL"),
    ("GATE-RENAL-ZOL-out-clearance-normal-zoledronic-acid", set(), "start-antiresorptive", "warning", ZOL, "RCOP-FX-3"),
    ("GATE-RENAL-ZOL-unknown-no-weight-waits-for-lab", {ZOL, ALN, RIS, DMAB}, "start-antiresorptive", "warning", None, "GATE-RENAL-ZOL"),
    # alendronic acid "not recommended" (eGFR 30): still offered, not recommended; the next drug that passes is
    ("GATE-RENAL-ALN-in-egfr-30-not-recommended", set(), "start-antiresorptive", "warning", RIS, "GATE-RENAL-ALN"),
    ("GATE-RENAL-DMAB-in-ckd-4-after-hip-fracture-no-zoledronic-acid", {ZOL, RIS}, "start-antiresorptive", "warning", None, "GATE-RENAL-DMAB"),
    ("GATE-HYPOCALCAEMIA-in-calcium-1-95-no-drug", ANTIRESORPTIVES, "start-antiresorptive", "warning", None, "GATE-HYPOCALCAEMIA"),
    ("GATE-HYPOCALCAEMIA-out-low-total-calcium-low-albumin-corrected-normal", set(), "start-antiresorptive", "warning", ALN, "RCOP-FX-7"),
    ("GATE-VITAMIN-D-in-deficient-zoledronic-acid-after-loading-dose", ANTIRESORPTIVES, "calcium-vitamin-d", "warning", None, "GATE-VITAMIN-D"),
    ("GATE-VITAMIN-D-in-deficient-tablets-start-with-vitamin-d", set(), "start-antiresorptive", "warning", ALN, "GATE-VITAMIN-D"),
    ("GATE-HIP-SURGERY-in-fracture-10-days-ago-zoledronic-acid-dated", set(), "start-antiresorptive", "warning", ZOL, "GATE-HIP-SURGERY"),
    ("GATE-SECONDARY-in-raised-pth-no-drug-refer", ANTIRESORPTIVES, "refer-secondary-care", "warning", None, "GATE-SECONDARY"),
    ("GATE-SECONDARY-unknown-no-lab-tablet-after-lab", {ZOL, DMAB}, "order-lab", "warning", None, "GATE-SECONDARY"),
    ("GATE-AFF-in-atypical-femoral-fracture-on-alendronic-acid", ANTIRESORPTIVES, "medication-safety", "critical", None, "GATE-AFF"),
    ("GATE-AFF-in-subtrochanteric-fracture-after-6-years-possible-aff", ANTIRESORPTIVES, "medication-safety", "critical", None, "GATE-AFF"),
    ("GATE-OESOPHAGUS-in-achalasia-no-alendronic-acid", {ALN}, "start-antiresorptive", "warning", ZOL, "GATE-OESOPHAGUS"),
    ("GATE-RALOXIFENE-in-man-after-denosumab-never-raloxifene", {RLX}, "denosumab-transition", "warning", None, "GATE-RALOXIFENE"),
    ("GATE-TERIPARATIDE-in-paget-disease-no-teriparatide", {TPTD}, "start-antiresorptive", "warning", ALN, "GATE-TERIPARATIDE"),
    ("GATE-ONCOLOGY-in-denosumab-120-mg-no-osteoporosis-drug", ANTIRESORPTIVES | {TPTD}, "start-antiresorptive", "warning", None, "GATE-ONCOLOGY"),
    ("GATE-PREGNANCY-in-premenopausal-woman-check-label", set(), "start-antiresorptive", "warning", ALN, "GATE-PREGNANCY"),
    ("NET-DUPLICATE-in-alendronic-acid-and-denosumab", set(), "medication-safety", "warning", None, "NET-DUPLICATE"),
    ("NET-FAILURE-in-vertebral-fracture-on-raloxifene", {RLX}, "switch-therapy", "warning", None, "NET-FAILURE"),
    ("NET-CONTRAINDICATED-in-jaw-osteonecrosis-third-infusion-due", ANTIRESORPTIVES, "medication-safety", "critical", None, "NET-CONTRAINDICATED"),
    # AFF / ONJ on a running denosumab, next injection due: no drug to click, never a plain stop (see the test below)
    ("NET-CONTRAINDICATED-in-atypical-femoral-fracture-on-denosumab-injection-due", ANTIRESORPTIVES, "medication-safety", "critical", None, "GATE-AFF"),
    ("NET-CONTRAINDICATED-in-jaw-osteonecrosis-on-denosumab-injection-due", ANTIRESORPTIVES, "medication-safety", "critical", None, "GATE-ONJ"),
]


@pytest.fixture
def post(client, cds_request):
    def call(fixture: str, lang: str = "nl") -> list[dict]:
        body = cds_request(json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8")))
        resp = client.post(URL, json=body, headers={"Accept-Language": lang})
        assert resp.status_code == 200
        return resp.get_json()["cards"]

    return call


@pytest.mark.parametrize(("fixture", "absent", "topic", "indicator", "atc", "node"), CASES, ids=[c[0] for c in CASES])
def test_gate_and_net_findings(post, fixture, absent, topic, indicator, atc, node):
    cards = post(fixture)
    assert not offered_atcs(cards) & absent, "a drug the record contraindicates is never a one-click order"
    card = card_for(cards, topic)
    assert card is not None, f"{topic} not in {answer_topics(cards)}"
    assert (card["indicator"], recommended_atc(card)) == (indicator, atc)
    assert node in answer_nodes(cards)


def test_fixture_table_covers_every_safety_fixture_file():
    assert {c[0] for c in CASES} == {p.stem for p in FIXTURES.glob("*.json") if p.stem.startswith(("GATE-", "NET-"))}


def test_a_blocked_first_choice_is_named_in_the_summary_and_the_options_sit_on_their_own_card(post):
    """GATE-RENAL-ZOL: 82 years, 50 kg, creatinine 1.3 mg/dL — clearance 26 ml/min although eGFR is 55."""
    cards = post("GATE-RENAL-ZOL-in-clearance-26-no-zoledronic-acid")
    options = card_for(cards, "start-antiresorptive")
    assert options["selectionBehavior"] == "at-most-one" and options["summary"].startswith("Geen zoledroninezuur: klaring 26 ml/min")
    plan = next(c for c in cards if c is not options)
    assert options["source"]["topic"]["code"] == "drug-options" and topics_of(options) == ["drug-options", "start-antiresorptive"]
    assert plan["source"]["topic"]["code"] == "start-antiresorptive" and "keuzekaart" in plan["summary"]
    assert "Aclasta 4.3/4.4 (GATE-RENAL-ZOL)" in options["detail"], "the pharmacist can look the gate up in the SmPC"


def test_a_lab_gate_unknown_puts_the_lab_first_and_keeps_the_tablet_with_a_label(post):
    cards = post("GATE-SECONDARY-unknown-no-lab-tablet-after-lab")
    plan = card_for(cards, "start-antiresorptive")
    assert plan["summary"].startswith("Start alendroninezuur na lab")
    assert topics_of(plan)[:3] == ["start-antiresorptive", "order-lab", "order-dxa-vfa"]
    tablet = next(s for s in plan["suggestions"] if s["extension"]["org.osteocds.topic"] == "start-antiresorptive")
    assert not tablet["isRecommended"] and "na lab: calcium normaal" in tablet["label"]


def test_a_single_high_impact_dose_is_no_suggestion_until_its_gates_pass(post):
    plan = card_for(post("GATE-RENAL-ZOL-unknown-no-weight-waits-for-lab"), "start-antiresorptive")
    assert plan["summary"].startswith("Start zoledroninezuur zodra het gewicht bekend is")
    assert "GATE-RENAL-ZOL" in nodes(plan)


def test_hypocalcaemia_says_what_comes_first(post):
    """The reviewer's case: calcium 1.95 mmol/L with 25-OH-D 8 ng/ml — no zoledronic acid, no denosumab."""
    plan = card_for(post("GATE-HYPOCALCAEMIA-in-calcium-1-95-no-drug"), "start-antiresorptive")
    assert plan["summary"].startswith("Geen osteoporosemedicatie mogelijk (hypocalciëmie): corrigeer eerst calcium")
    assert "calcium 1,91 mmol/l (gecorrigeerd voor albumine" in plan["detail"]


def test_a_deficient_vitamin_d_delays_zoledronic_acid_behind_a_loading_dose(post):
    plan = card_for(post("GATE-VITAMIN-D-in-deficient-zoledronic-acid-after-loading-dose"), "start-antiresorptive")
    assert plan["summary"].startswith("Start zoledroninezuur na oplaaddosis vitamine D")
    assert "calcium-vitamin-d" in topics_of(plan)


def test_hip_surgery_dates_the_infusion_two_weeks_after_the_fracture(post):
    plan = card_for(post("GATE-HIP-SURGERY-in-fracture-10-days-ago-zoledronic-acid-dated"), "start-antiresorptive")
    zoledronic = next(s for s in plan["suggestions"] if "zoledroninezuur" in s["label"])
    timing = zoledronic["actions"][0]["resource"]["dosageInstruction"][0]["timing"]["repeat"]
    assert timing["boundsPeriod"]["start"] == "2026-11-26" and (timing["duration"], timing["durationUnit"]) == (15, "min")


def test_an_atypical_femoral_fracture_on_therapy_never_continues_and_refers(post):
    cards = post("GATE-AFF-in-atypical-femoral-fracture-on-alendronic-acid")
    assert "continue-therapy" not in answer_topics(cards) and "refer-secondary-care" in answer_topics(cards)
    assert cards[0]["indicator"] == "critical" and cards[0]["source"]["topic"]["code"] == "medication-safety"


def test_a_possible_atypical_femoral_fracture_asks_for_both_femora_before_any_bisphosphonate(post):
    cards = post("GATE-AFF-in-subtrochanteric-fracture-after-6-years-possible-aff")
    safety = card_for(cards, "medication-safety")
    assert [s["actions"][0]["resource"]["code"]["coding"][0]["code"] for s in safety["suggestions"]] == ["241075002"]
    assert "switch-therapy" not in answer_topics(cards)


def test_jaw_osteonecrosis_with_the_third_infusion_due_is_not_silent(post):
    """The reviewer's case that gave no card at all: a critical medication-safety card and a referral."""
    cards = post("NET-CONTRAINDICATED-in-jaw-osteonecrosis-third-infusion-due", lang="en")
    assert cards[0]["indicator"] == "critical" and "GATE-ONJ" in nodes(cards[0])
    assert "refer-secondary-care" in answer_topics(cards)


def test_the_planned_second_infusion_after_denosumab_is_a_planned_order(post, client, cds_request):
    """RCOP-DMAB-5: infusion 1 dated max(last injection + 6 months, today), infusion 2 a planned order 6 months later —
    two actions of one suggestion, so accepting the first infusion plans the second."""
    bundle = json.loads((FIXTURES / "RCOP-DMAB-5-in-stopped-plan-zoledronic-acid.json").read_text(encoding="utf-8"))
    card = client.post(URL, json=cds_request(bundle)).get_json()["cards"][0]
    assert len(card["suggestions"]) == 1 and "tweede infuus rond 22-05-2027" in card["suggestions"][0]["label"]
    orders = [a["resource"] for a in card["suggestions"][0]["actions"]]
    assert [(o["intent"], o["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]["start"]) for o in orders] == [
        ("proposal", "2026-11-22"), ("plan", "2027-05-22")]
    assert all(o["dosageInstruction"][0]["timing"]["repeat"]["count"] == 1 for o in orders)


def test_an_oral_bisphosphonate_order_carries_the_patient_instruction_and_a_coded_route(post):
    plan = card_for(post("GATE-PREGNANCY-in-premenopausal-woman-check-label"), "start-antiresorptive")
    order = next(s for s in plan["suggestions"] if "alendroninezuur" in s["label"])["actions"][0]["resource"]
    dosage = order["dosageInstruction"][0]
    assert dosage["route"]["coding"][0]["code"] == "26643006" and "30 minuten" in dosage["patientInstruction"]
    assert "zwangerschap uitsluiten" in next(s for s in plan["suggestions"] if "alendroninezuur" in s["label"])["label"]


@pytest.mark.parametrize(("fixture", "finding", "lang", "said", "never"), [
    ("NET-CONTRAINDICATED-in-atypical-femoral-fracture-on-denosumab-injection-due", "atypische femurfractuur", "nl",
     "volgende injectie alleen na overleg met de 2e lijn (deze week); niet zomaar stoppen", "geen denosumab"),
    ("NET-CONTRAINDICATED-in-jaw-osteonecrosis-on-denosumab-injection-due", "kaaknecrose", "nl",
     "volgende injectie alleen na overleg met de 2e lijn (deze week); niet zomaar stoppen", "geen denosumab"),
    ("NET-CONTRAINDICATED-in-atypical-femoral-fracture-on-denosumab-injection-due", "atypical femoral fracture", "en",
     "next injection only after consulting secondary care (this week); do not just stop", "no denosumab"),
])
def test_aff_or_onj_on_a_running_denosumab_is_never_a_plain_stop(post, fixture, finding, lang, said, never):
    """W25 (review 2): the next denosumab injection is due (25-11-2026) and an AFF / ONJ is on record: the critical
    medication-safety card says the next injection waits for secondary care this week and never says "no denosumab"
    (a plain stop: rebound vertebral fractures); the plan refers (recommended); no drug is a one-click order."""
    cards = post(fixture, lang)
    safety = card_for(cards, "medication-safety")
    assert safety["indicator"] == "critical" and safety["summary"] == f"Denosumab {'en' if lang == 'nl' else 'and'} {finding}: {said}"
    assert {"NET-CONTRAINDICATED"} <= set(nodes(safety)) and never not in safety["detail"].lower()
    referral = card_for(cards, "refer-secondary-care")
    assert referral["indicator"] == "warning"
    assert any(s["isRecommended"] and s["actions"][0]["resource"]["resourceType"] == "ServiceRequest" for s in referral["suggestions"])
    assert not offered_atcs(cards) & ANTIRESORPTIVES

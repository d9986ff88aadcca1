"""Every rcop fixture through the real HTTP endpoint: the card that carries a topic (a card of its own or a step of
the plan card), its indicator, its recommended drug (ATC) and the node it cites.

Fixtures: fixtures/rcop/*.json (written by fixtures/rcop/make_fixtures.py), named by the node they reach; today is
2026-11-22. The safety gates and the safety net have their own end-to-end tests (tests/test_safety_e2e.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.answers import answer_nodes, answer_topics, card_for, nodes, offered_atcs, offered_drugs, recommended_atc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rcop"
URL = "/cds-services/osteoporosis-rcop-patient-view"

EXPECTED = [
    # (fixture, topic, indicator of the card carrying it, ATC it recommends or None, node that card cites)
    ("RCOP-BP-1-in-alendronic-acid-5-years-no-dxa", "treatment-evaluation-due", "info", None, "RCOP-BP-1"),
    ("RCOP-BP-1-in-zoledronic-acid-year-after-3rd-infusion", "treatment-evaluation-due", "info", None, "RCOP-BP-1"),
    ("RCOP-BP-2-in-alendronic-acid-intolerance", "switch-therapy", "warning", "M05BA08", "RCOP-BP-2"),
    ("RCOP-BP-3-in-fracture-after-12-months-on-tablets", "switch-therapy", "warning", None, "RCOP-BP-3"),
    ("RCOP-BP-4-in-anabolic-criteria-refer", "refer-anabolic", "warning", None, "RCOP-BP-4"),
    ("RCOP-BP-4-in-fracture-on-zoledronic-acid", "switch-therapy", "warning", None, "RCOP-BP-4"),
    ("RCOP-BP-5-in-dxa-2-months-before-due-date", "drug-holiday", "info", None, "RCOP-BP-5"),
    ("RCOP-BP-5-in-t-minus-2-4-stop", "drug-holiday", "info", None, "RCOP-BP-5"),
    ("RCOP-BP-6-in-holiday-t-minus-2-5-restart", "restart-therapy", "warning", "M05BA04", "RCOP-BP-6"),
    ("RCOP-BP-7-in-dxa-at-year-5-evaluation-done", "continue-therapy", "info", None, "RCOP-BP-7"),
    ("RCOP-BP-7-in-t-minus-2-5-continue", "continue-therapy", "info", None, "RCOP-BP-7"),
    ("RCOP-BP-8-in-second-cycle-stale-dxa-order-dxa", "refer-secondary-care", "warning", None, "RCOP-BP-8"),
    ("RCOP-BP-8-in-two-cycles-refer", "refer-secondary-care", "info", None, "RCOP-BP-8"),
    ("RCOP-BP-9-in-after-teriparatide", "start-antiresorptive", "warning", "M05BA04", "RCOP-BP-9"),
    ("RCOP-DMAB-1-in-3-years-no-dxa", "treatment-evaluation-due", "warning", None, "RCOP-DMAB-1"),
    ("RCOP-DMAB-1-in-exactly-3-years", "treatment-evaluation-due", "info", None, "RCOP-DMAB-1"),
    ("RCOP-DMAB-2-in-goal-reached-switch", "denosumab-transition", "info", "M05BA08", "RCOP-DMAB-2"),
    ("RCOP-DMAB-2-in-goal-reached-no-vfa-vfa-first", "order-dxa-vfa", "info", None, "RCOP-DMAB-2"),
    ("RCOP-DMAB-in-injection-4-weeks-late-warning-last-2026-04-25", "follow-up-due", "warning", None, "RCOP-DMAB"),
    ("RCOP-DMAB-3-in-goal-not-reached-continue", "continue-therapy", "info", None, "RCOP-DMAB-3"),
    ("RCOP-DMAB-4-in-alendronic-acid-since-before-last-injection", "follow-up-due", "warning", None, "RCOP-DMAB-4"),
    ("RCOP-DMAB-4-in-alendronic-acid-stopped-before-dxa", "denosumab-transition", "critical", "M05BA08", "RCOP-DMAB-4"),
    ("RCOP-DMAB-4-in-alendronic-acid-stopped-before-dxa", "follow-up-due", "info", None, "RCOP-DMAB-4"),
    ("RCOP-DMAB-4-in-follow-up-dxa-due-12-months", "follow-up-due", "warning", None, "RCOP-DMAB-4"),
    ("RCOP-DMAB-4-in-overdue-boundary-last-2026-04-24", "denosumab-transition", "critical", "M05BX04", "RCOP-DMAB-4"),
    ("RCOP-DMAB-4-in-overdue-under-3-years-critical", "denosumab-transition", "critical", "M05BA08", "RCOP-DMAB-4"),
    ("RCOP-DMAB-4-in-raloxifene-follow-up-dxa-due", "follow-up-due", "warning", None, "RCOP-DMAB-4"),
    ("RCOP-DMAB-4-in-stopped-plan-under-3-years", "denosumab-transition", "warning", "M05BA08", "RCOP-DMAB-4"),
    ("RCOP-DMAB-5-in-alendronic-acid-stopped-before-dxa", "denosumab-transition", "critical", "M05BA08", "RCOP-DMAB-5"),
    ("RCOP-DMAB-5-in-alendronic-acid-stopped-before-dxa", "follow-up-due", "info", None, "RCOP-DMAB-5"),
    ("RCOP-DMAB-5-in-follow-up-dxa-due-18-months", "follow-up-due", "warning", None, "RCOP-DMAB-5"),
    ("RCOP-DMAB-5-in-one-zoledronic-infusion-repeat-due", "follow-up-due", "critical", "M05BA08", "RCOP-DMAB-5"),
    ("RCOP-DMAB-5-in-overdue-over-3-years-critical", "denosumab-transition", "critical", "M05BA08", "RCOP-DMAB-5"),
    ("RCOP-DMAB-5-in-stopped-plan-zoledronic-acid", "denosumab-transition", "warning", "M05BA08", "RCOP-DMAB-5"),
    ("RCOP-DMAB-6-in-after-switch-t-minus-2-6-restart", "restart-therapy", "warning", "M05BX04", "RCOP-DMAB-6"),
    ("RCOP-FX-1-in-supplemented-recent-labs-no-lab-or-calcium-card", "order-dxa-vfa", "info", None, "RCOP-FX-1"),
    ("RCOP-FX-1-in-wrist-fracture-work-up", "order-dxa-vfa", "info", None, "RCOP-FX-1"),
    ("RCOP-FX-10-in-myocardial-infarction-no-romosozumab", "start-antiresorptive", "warning", "M05BA04", "RCOP-FX-10"),
    ("RCOP-FX-10-in-romosozumab-criteria-woman", "refer-anabolic", "warning", None, "RCOP-FX-10"),
    ("RCOP-FX-10-in-teriparatide-man-never-romosozumab", "refer-anabolic", "warning", None, "RCOP-FX-10"),
    ("RCOP-FX-2-in-hip-fracture-age-75-no-dxa", "start-antiresorptive", "warning", "M05BA08", "RCOP-FX-2"),
    ("RCOP-FX-3-in-hip-fracture-t-minus-1", "start-antiresorptive", "warning", "M05BA08", "RCOP-FX-3"),
    ("RCOP-FX-4-in-hip-fracture-t-above-minus-1-no-vf", "no-drug-therapy", "info", None, "RCOP-FX-4"),
    ("RCOP-FX-4-in-hip-fracture-t-above-minus-1-vf-grade-2", "start-antiresorptive", "warning", "M05BA08", "RCOP-FX-4"),
    ("RCOP-FX-5-in-hip-fracture-age-74-no-dxa", "order-dxa-vfa", "info", None, "RCOP-FX-5"),
    ("RCOP-FX-6-in-fracture-a-day-under-24-months", "order-dxa-vfa", "info", None, "RCOP-FX-6"),
    ("RCOP-FX-6-in-wrist-fracture-age-50-no-dxa", "order-dxa-vfa", "info", None, "RCOP-FX-6"),
    ("RCOP-FX-7-GC-5-in-two-charts-one-card-per-topic", "start-antiresorptive", "warning", "M05BA04", "RCOP-FX-7"),
    ("RCOP-FX-7-in-humerus-fracture-t-minus-2-5", "start-antiresorptive", "warning", "M05BA04", "RCOP-FX-7"),
    ("RCOP-FX-7-in-jaw-osteonecrosis-no-antiresorptive-refer", "start-antiresorptive", "warning", None, "RCOP-FX-7"),
    ("RCOP-FX-8-in-ungraded-vertebral-fracture-asks-grade", "data-needed", "info", None, "RCOP-FX-8"),
    ("RCOP-FX-8-in-wrist-fracture-t-minus-1-vf-grade-2", "start-antiresorptive", "warning", "M05BA04", "RCOP-FX-8"),
    ("RCOP-FX-8-in-wrist-fracture-t-minus-2-4-no-vf", "no-drug-therapy", "info", None, "RCOP-FX-8"),
    ("RCOP-FX-9-in-no-vfa-orders-vfa-decision-waits", "order-dxa-vfa", "info", None, "RCOP-FX-9"),
    ("RCOP-FX-9-in-wrist-fracture-t-above-minus-1-no-vf", "no-drug-therapy", "info", None, "RCOP-FX-9"),
    ("RCOP-FX-9-in-wrist-fracture-t-above-minus-1-vf-grade-3", "start-antiresorptive", "warning", "M05BA04", "RCOP-FX-9"),
    ("RCOP-FX-data-needed-invalid-dxa-observation", "data-needed", "info", None, None),  # the mapping's gap: no node
    ("RCOP-FX-data-needed-no-birth-date", "data-needed", "info", None, "RCOP-FX"),
    ("RCOP-FX-out-palliative-care", "no-drug-therapy", "info", None, "RCOP-FX"),
    ("RCOP-GC-2-in-prednisolone-2-mg", "calcium-vitamin-d", "info", None, "RCOP-GC-2"),
    ("RCOP-GC-3-in-5-mg-age-40-t-minus-2", "start-antiresorptive", "warning", None, "RCOP-GC-3"),
    ("RCOP-GC-4-in-5-mg-age-39", "order-lab", "info", None, "RCOP-GC-4"),
    ("RCOP-GC-5-in-7-5-mg-age-75", "start-antiresorptive", "warning", "M05BA04", "RCOP-GC-5"),
    ("RCOP-GC-6-in-10-mg-age-45-vf-grade-2", "start-antiresorptive", "warning", "M05BA04", "RCOP-GC-6"),
    ("RCOP-GC-7-in-10-mg-age-35-fracture", "refer-secondary-care", "warning", None, "RCOP-GC-7"),
    ("RCOP-GC-8-in-already-on-alendronic-acid-continue", "continue-therapy", "info", None, "RCOP-GC-8"),
    ("RCOP-GC-9-in-stopped-on-alendronic-acid-t-minus-2", "drug-holiday", "info", None, "RCOP-GC-9"),
    ("RCOP-GC-data-needed-dose-unreadable", "data-needed", "info", None, "RCOP-GC"),
    ("RCOP-RF-2-in-score-4-no-dxa", "order-dxa-vfa", "info", None, "RCOP-RF-2"),
    ("RCOP-RF-3-in-age-70-t-minus-2-5", "start-antiresorptive", "warning", "M05BA04", "RCOP-RF-3"),
    ("RCOP-RF-4-in-age-60-t-minus-2-7-shared-decision", "shared-decision", "info", None, "RCOP-RF-4"),
    ("RCOP-RF-5-in-t-minus-1-5-no-vf", "no-drug-therapy", "info", None, "RCOP-RF-5"),
    ("RCOP-RF-6-in-t-minus-0-5-vf-grade-2", "start-antiresorptive", "warning", "M05BA04", "RCOP-RF-6"),
    ("RCOP-RF-7-in-teriparatide-criteria", "refer-anabolic", "warning", None, "RCOP-RF-7"),
    # the plan's other steps: (fixture, topic covered by the plan card, the plan card's indicator, None, node)
    ("RCOP-FX-1-in-wrist-fracture-work-up", "order-lab", "info", None, "RCOP-FX-1"),
    ("RCOP-FX-1-in-wrist-fracture-work-up", "lifestyle-falls", "info", None, "RCOP-FX-1"),
    ("RCOP-FX-1-in-wrist-fracture-work-up", "calcium-vitamin-d", "info", None, "RCOP-FX-1"),
    ("RCOP-FX-1-in-supplemented-recent-labs-no-lab-or-calcium-card", "lifestyle-falls", "info", None, "RCOP-FX-1"),
    ("RCOP-FX-2-in-hip-fracture-age-75-no-dxa", "order-dxa-vfa", "warning", "M05BA08", "RCOP-FX-2"),
    ("RCOP-FX-7-in-humerus-fracture-t-minus-2-5", "order-dxa-vfa", "warning", "M05BA04", "RCOP-FX-10"),
    ("RCOP-FX-7-GC-5-in-two-charts-one-card-per-topic", "start-antiresorptive", "warning", "M05BA04", "RCOP-GC-5"),
    ("RCOP-GC-3-in-5-mg-age-40-t-minus-2", "order-lab", "warning", None, "RCOP-GC-1"),
    ("RCOP-GC-3-in-5-mg-age-40-t-minus-2", "start-antiresorptive", "warning", None, "RCOP-GC-8"),
    ("RCOP-GC-5-in-7-5-mg-age-75", "order-dxa-vfa", "warning", "M05BA04", "RCOP-GC-1"),
    ("RCOP-RF-2-in-score-4-no-dxa", "lifestyle-falls", "info", None, "RCOP-RF-1"),
    ("RCOP-BP-1-in-alendronic-acid-5-years-no-dxa", "order-dxa-vfa", "info", None, "RCOP-BP-1"),
    ("RCOP-BP-8-in-second-cycle-stale-dxa-order-dxa", "order-dxa-vfa", "warning", None, "RCOP-BP-1"),
    ("RCOP-DMAB-1-in-3-years-no-dxa", "order-dxa-vfa", "warning", None, "RCOP-DMAB-1"),
]

QUIET = [
    "RCOP-BP-out-alendronic-acid-4-years-364-days",
    "RCOP-BP-out-restarted-after-holiday-6-months-ago",
    "RCOP-BP-out-zoledronic-acid-2-infusions",
    "RCOP-BP-out-zoledronic-acid-3rd-infusion-3-weeks-ago",
    "RCOP-DMAB-out-3-years-less-a-day",
    "RCOP-FX-out-age-49",
    "RCOP-FX-out-fracture-25-months-ago",
    "RCOP-FX-out-fracture-exactly-24-months-ago",
    "RCOP-FX-out-skull-fracture-not-counted",
    "RCOP-GC-out-89-days",
    "RCOP-RF-out-age-59",
    "RCOP-RF-out-score-3",
    "RCOP-out-age-45-no-fracture",
    "RCOP-out-unrelated-data-only",
    "RCOP-out-deceased-with-hip-fracture",
]

# Every node of the five charts, read from the decision tables themselves (a row starts "| RCOP-XX-n |").
GUIDELINES = Path(__file__).resolve().parents[2] / "shared" / "spec" / "guidelines.md"
SPEC = GUIDELINES.read_text(encoding="utf-8")
NODES = sorted(set(re.findall(r"^\| (RCOP-[A-Z]+-\d+) \|", SPEC, re.MULTILINE)))


@pytest.fixture
def post(client, cds_request):
    def call(fixture: str, lang: str = "nl") -> list[dict]:
        resp = client.post(URL, json=cds_request(bundle(fixture)), headers={"Accept-Language": lang})
        assert resp.status_code == 200
        return resp.get_json()["cards"]

    return call


def bundle(fixture: str) -> dict:
    return json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("fixture", "topic", "indicator", "atc", "node"), EXPECTED, ids=[f"{e[0]}:{e[1]}" for e in EXPECTED])
def test_fixture_gives_its_card(post, fixture, topic, indicator, atc, node):
    cards = post(fixture)
    codes = [c["source"]["topic"]["code"] for c in cards]
    assert len(codes) == len(set(codes)), "a topic is the source.topic of one card at most"
    card = card_for(cards, topic)
    assert card is not None, f"{topic} not in {answer_topics(cards)}"
    assert card["indicator"] == indicator
    assert recommended_atc(card) == atc
    assert node is None or node in nodes(card)


@pytest.mark.parametrize("fixture", QUIET)
def test_quiet_fixture_gives_no_cards(post, fixture):
    assert post(fixture) == []


def test_every_node_of_the_five_charts_is_reached(post):
    """Done-criterion of issue #4: each node id is cited by some card of some fixture over HTTP."""
    cited = {n for fixture in {e[0] for e in EXPECTED} for n in answer_nodes(post(fixture))}
    assert set(NODES) - cited == set()


def test_every_node_the_cards_cite_is_a_node_of_the_spec(post):
    """No invented node ids: each cited node is a row of guidelines.md (chart, gate or net), or a chart id."""
    known = set(re.findall(r"^\| ((?:RCOP|GATE|VITAZ|ORDER)-[A-Z0-9-]+) \|", SPEC, re.MULTILINE)) | set(re.findall(r"`(NET-[A-Z]+)`", SPEC))
    charts = {n.rsplit("-", 1)[0] for n in NODES}
    cited = {n for fixture in {e[0] for e in EXPECTED} for n in answer_nodes(post(fixture))}
    assert len(NODES) == 41 and cited and cited <= known | charts


def test_fixture_table_covers_every_rcop_fixture_file():
    named = {e[0] for e in EXPECTED} | set(QUIET)
    assert named == {p.stem for p in FIXTURES.glob("RCOP-*.json")}


def test_one_plan_card_per_answer(post):
    """Contract "Cards in one answer": at most one plan card; separate cards only for findings that must not drown."""
    for fixture in {e[0] for e in EXPECTED}:
        plans = [c for c in post(fixture) if c["source"]["topic"]["code"] not in ("medication-safety", "data-needed") and c["indicator"] != "critical"
                 and c.get("selectionBehavior") != "at-most-one" and "switch-therapy" != c["source"]["topic"]["code"]]
        assert len(plans) <= 1, (fixture, [c["summary"] for c in plans])


def test_a_card_never_offers_two_antiresorptives_at_once(post):
    for fixture in {e[0] for e in EXPECTED}:
        for card in post(fixture):
            drugs = offered_drugs([card])
            assert len(drugs) <= 1 or card.get("selectionBehavior") == "at-most-one", (fixture, drugs)


def test_romosozumab_is_never_suggested_to_a_man_or_after_myocardial_infarction(post):
    for fixture in ("RCOP-FX-10-in-teriparatide-man-never-romosozumab", "RCOP-FX-10-in-myocardial-infarction-no-romosozumab"):
        assert "M05BX06" not in offered_atcs(post(fixture))


def test_supplement_and_recent_full_lab_panel_leave_out_those_two_steps(post):
    """RCOP-FX-1 "start zo nodig Ca/D3" and "Lab": nothing to start or order when both are already on record."""
    topics = answer_topics(post("RCOP-FX-1-in-supplemented-recent-labs-no-lab-or-calcium-card"))
    assert "lifestyle-falls" in topics
    assert not topics & {"order-lab", "calcium-vitamin-d"}


def test_glucocorticoid_therapy_on_top_of_current_alendronic_acid_starts_no_second_drug(post):
    topics = answer_topics(post("RCOP-GC-8-in-already-on-alendronic-acid-continue"))
    assert "continue-therapy" in topics and "start-antiresorptive" not in topics


def test_two_charts_give_one_plan_whose_wording_agrees_with_its_drug(post):
    """Charts 1 and 5 both start therapy: one plan card, the nodes of both, and the same first choice in both."""
    cards = post("RCOP-FX-7-GC-5-in-two-charts-one-card-per-topic")
    assert len([c for c in cards if "start-antiresorptive" in answer_topics([c])]) == 1
    assert {"RCOP-FX-7", "RCOP-GC-5", "RCOP-GC-8"} <= answer_nodes(cards)


def test_no_vfa_is_never_read_as_no_vertebral_fracture(post):
    """The reviewer's RCOP-FX-9 case: T > -1.0 and no VFA on record: the VFA is ordered and no "no drug therapy"
    card says the decision was made (guidelines.md "VF status known")."""
    cards = post("RCOP-FX-9-in-no-vfa-orders-vfa-decision-waits")
    assert "no-drug-therapy" not in answer_topics(cards)
    plan = card_for(cards, "order-dxa-vfa")
    codes = [c["code"] for s in plan["suggestions"] for a in s["actions"] for c in a["resource"].get("code", {}).get("coding", [])]
    assert "726548004" in codes and "38268-9" not in codes  # the VFA (lateral-spine DXA), not another DXA
    assert "onbekend" in plan["detail"] and "Wervelfracturen: 0" not in plan["detail"]


def test_an_ungraded_vertebral_fracture_asks_for_its_grade_and_decides_nothing(post):
    cards = post("RCOP-FX-8-in-ungraded-vertebral-fracture-asks-grade")
    assert not answer_topics(cards) & {"no-drug-therapy", "start-antiresorptive"}
    data = card_for(cards, "data-needed")
    assert "graad" in data["detail"]


def test_english_cards_on_request(post):
    card = post("RCOP-DMAB-5-in-overdue-over-3-years-critical", lang="en")[0]
    assert card["summary"] == "Denosumab stopped on 31 Aug 2026 without a follow-up drug: start zoledronic acid today"
    assert card["indicator"] == "critical"


def test_data_needed_card_names_the_unreadable_resource_by_kind_not_by_reference(post):
    card = card_for(post("RCOP-FX-data-needed-invalid-dxa-observation", lang="en"), "data-needed")
    assert "Invalid or unreadable record skipped." in card["detail"] and "observation" in card["detail"]
    assert "Observation/observation-2" not in card["detail"]
    assert "Observation/observation-2" in card["extension"]["org.osteocds.gaps"]


def test_an_unreadable_dxa_is_never_no_dxa_among_the_facts(post):
    """Review (C8): the plan says to read the DXA's report, so the facts must not say there is no DXA."""
    details = " ".join(c["detail"] for c in post("RCOP-FX-data-needed-invalid-dxa-observation"))
    assert "DXA: in het dossier, maar niet leesbaar" in details and "DXA: geen in het dossier" not in details

"""The pharmacist at order entry through the real endpoints: every ORDER-* row and every safety gate on a draft order
fires for its fixture and stays silent for its near-miss, on order-select and order-sign of both guidelines.

Fixtures: fixtures/orders/*.json (fixtures/orders/make_fixtures.py), each the patient's record and the call's draft
orders; order-select selects every draft unless a test says otherwise; today is 2026-11-22.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pathways.safety.config import gate_nodes
from tests.answers import answer_nodes, nodes
from tests.order_fixtures import names, post  # noqa: F401 - `post` is a fixture

SPEC = (Path(__file__).resolve().parents[2] / "shared" / "spec" / "guidelines.md").read_text(encoding="utf-8")
SERVICES = [f"osteoporosis-{g}-{hook}" for g in ("rcop", "vitaz") for hook in ("order-select", "order-sign")]
SIGN = [s for s in SERVICES if s.endswith("sign")]
RCOP = [s for s in SERVICES if "-rcop-" in s]

# (fixture, topic, {service: (indicator, nodes the card cites)}): the services not named give no card of that topic.
def _on(services: list[str]):
    return lambda indicator, cited: {s: (indicator, cited) for s in services}


every, sign, rcop, vitaz = (_on(SERVICES), _on(SIGN), _on(RCOP), _on([s for s in SERVICES if "-vitaz-" in s]))
vitaz_sign = _on(["osteoporosis-vitaz-order-sign"])

FIRES = [
    ("ORDER-GC-in-prednisone-10-mg-6-months-no-bone-protection", "glucocorticoid-bone-protection", rcop("warning", {"ORDER-GC", "RCOP-GC-5", "RCOP-GC-8"}) | vitaz("info", {"ORDER-GC", "VITAZ-1", "VITAZ-2"})),
    ("ORDER-GC-in-refill-continues-course-over-3-months", "glucocorticoid-bone-protection", rcop("warning", {"ORDER-GC", "RCOP-GC-5"}) | vitaz("info", {"ORDER-GC", "VITAZ-1", "VITAZ-2"})),
    ("ORDER-GC-in-180-tablets-of-5-mg-2-a-day", "glucocorticoid-bone-protection", rcop("warning", {"ORDER-GC", "RCOP-GC-5"}) | vitaz("info", {"ORDER-GC", "VITAZ-1", "VITAZ-2"})),
    ("ORDER-GC-in-validity-period-6-months-man-72", "glucocorticoid-bone-protection", rcop("warning", {"ORDER-GC", "RCOP-GC-5"}) | vitaz("info", {"ORDER-GC", "VITAZ-1", "VITAZ-2"})),
    ("ORDER-GC-in-bmd-known-t-minus-2-7", "glucocorticoid-bone-protection", rcop("warning", {"ORDER-GC", "RCOP-GC-5", "RCOP-GC-8"}) | vitaz("warning", {"ORDER-GC", "VITAZ-7"})),
    ("ORDER-GC-in-dose-not-readable-6-months", "glucocorticoid-bone-protection", rcop("info", {"ORDER-GC", "RCOP-GC-1"}) | vitaz("info", {"ORDER-GC", "VITAZ-1", "VITAZ-2"})),
    ("ORDER-BONE-RISK-in-letrozole-no-dxa", "order-dxa-vfa", every("info", {"ORDER-BONE-RISK"})),
    ("ORDER-BONE-RISK-in-omeprazole-12-months-no-dxa", "order-dxa-vfa", every("info", {"ORDER-BONE-RISK"})),
    ("ORDER-BONE-RISK-in-omeprazole-refill-long-term-course", "order-dxa-vfa", every("info", {"ORDER-BONE-RISK"})),
    ("ORDER-BONE-RISK-in-carbamazepine-no-dxa", "order-dxa-vfa", every("info", {"ORDER-BONE-RISK"})),
    ("ORDER-BONE-RISK-in-leuprorelin-man-no-frax", "order-dxa-vfa", every("info", {"ORDER-BONE-RISK"})),
    ("ORDER-FALL-RISK-in-lorazepam-80-year-old-after-hip-fracture", "fall-risk-medication", every("warning", {"ORDER-FALL-RISK"})),
    ("ORDER-FALL-RISK-in-zolpidem-t-minus-2-7", "fall-risk-medication", every("warning", {"ORDER-FALL-RISK"})),
    ("ORDER-FALL-RISK-in-two-benzodiazepines-said-once", "fall-risk-medication", every("warning", {"ORDER-FALL-RISK"})),
    ("ORDER-DOSE-in-alendronic-acid-70-mg-daily", "order-safety", every("critical", {"ORDER-DOSE"})),
    ("ORDER-DOSE-in-alendronic-acid-10-mg-weekly", "order-safety", every("warning", {"ORDER-DOSE"})),
    ("ORDER-DOSE-in-denosumab-every-12-months", "order-safety", every("critical", {"ORDER-DOSE"})),
    ("ORDER-DOSE-in-risedronic-acid-35-mg-every-2-weeks", "order-safety", every("warning", {"ORDER-DOSE"})),
    ("ORDER-DOSE-in-contained-medication-risedronic-acid-35-mg-daily", "order-safety", every("critical", {"ORDER-DOSE"})),
    ("ORDER-DOSE-in-zoledronic-acid-every-6-months-without-denosumab", "order-safety", every("critical", {"ORDER-DOSE"})),
    ("ORDER-DOSE-unknown-no-dose-sign-only", "order-safety", sign("info", {"ORDER-DOSE"})),
    ("ORDER-DOSE-in-sign-four-drafts-one-card-per-topic", "order-safety", every("critical", {"ORDER-DOSE"})),
    ("ORDER-DOSE-in-sign-four-drafts-one-card-per-topic", "fall-risk-medication", every("warning", {"ORDER-FALL-RISK"})),
    ("ORDER-DMAB-in-woman-56-younger-rebound", "order-safety", every("warning", {"ORDER-DMAB"})),
    ("ORDER-DMAB-in-injection-overdue-critical", "order-safety", every("critical", {"ORDER-DMAB"})),
    ("ORDER-DMAB-unknown-no-birth-date-sign-only", "order-safety", sign("info", {"ORDER-DMAB"})),
    ("ORDER-DMAB-STOP-in-alendronic-acid-3-months-after-last-injection", "order-safety", every("warning", {"ORDER-DMAB-STOP", "ORDER-DUP"})),
    ("ORDER-DMAB-STOP-in-zoledronic-acid-planned-9-months-after", "order-safety", every("warning", {"ORDER-DMAB-STOP"})),
    ("ORDER-ROMO-in-myocardial-infarction-2-years-ago-critical", "order-safety", every("critical", {"ORDER-ROMO", "GATE-CV"})),
    ("ORDER-ROMO-in-man-not-indicated", "order-safety", every("warning", {"ORDER-ROMO"})),
    ("ORDER-ROMO-in-course-of-15-months", "order-safety", every("warning", {"ORDER-ROMO"})),
    ("ORDER-ROMO-in-6-months-used-12-more", "order-safety", every("warning", {"ORDER-ROMO"})),
    ("ORDER-TPTD-in-criteria-not-met", "order-safety", every("warning", {"ORDER-TPTD"})),
    ("ORDER-TPTD-unknown-no-dxa-sign-only", "order-safety", sign("info", {"ORDER-TPTD"})),
    ("ORDER-TPTD-in-18-months-used-24-more", "order-safety", every("warning", {"ORDER-TPTD"})),
    ("ORDER-TPTD-in-course-of-30-months", "order-safety", every("warning", {"ORDER-TPTD"})),
    ("ORDER-DUP-in-denosumab-on-top-of-alendronic-acid", "order-safety", every("warning", {"ORDER-DUP"})),
    ("ORDER-DUP-in-two-drafts-alendronic-acid-and-denosumab", "order-safety", every("warning", {"ORDER-DUP"})),
    ("ORDER-DUP-in-alendronic-acid-ordered-twice", "order-safety", every("warning", {"ORDER-DUP"})),
    ("ORDER-DURATION-in-alendronic-acid-5-years-no-evaluation", "treatment-evaluation-due", every("warning", {"ORDER-DURATION"})),
    ("ORDER-DURATION-in-zoledronic-acid-4th-infusion", "treatment-evaluation-due", every("warning", {"ORDER-DURATION"})),
    ("ORDER-RALOX-in-raloxifene-for-a-man", "order-safety", every("warning", {"ORDER-RALOX", "GATE-RALOXIFENE"})),
    ("ORDER-ONJ-AFF-in-alendronic-acid-jaw-osteonecrosis", "order-safety", every("critical", {"ORDER-ONJ-AFF", "GATE-ONJ"})),
    ("ORDER-ONJ-AFF-in-denosumab-atypical-femoral-fracture", "order-safety", every("critical", {"ORDER-ONJ-AFF", "GATE-AFF"})),
    ("ORDER-ONJ-AFF-in-next-denosumab-injection-atypical-femoral-fracture", "order-safety", every("critical", {"ORDER-ONJ-AFF", "GATE-AFF"})),
    ("ORDER-ONJ-AFF-in-next-denosumab-injection-jaw-osteonecrosis", "order-safety", every("critical", {"ORDER-ONJ-AFF", "GATE-ONJ"})),
    ("GATE-RENAL-ZOL-in-clearance-25", "order-safety", every("critical", {"GATE-RENAL-ZOL"})),
    ("GATE-RENAL-ZOL-unknown-no-weight-sign-only", "order-safety", sign("info", {"GATE-RENAL-ZOL"})),
    ("GATE-RENAL-ALN-in-egfr-30", "order-safety", every("warning", {"GATE-RENAL-ALN"})),
    ("GATE-RENAL-ALN-unknown-no-creatinine-sign-only", "order-safety", sign("info", {"GATE-RENAL-ALN", "GATE-DENTAL"})),
    ("GATE-RENAL-RIS-in-clearance-24", "order-safety", every("critical", {"GATE-RENAL-RIS"})),
    ("GATE-RENAL-SEVERE-in-raloxifene-clearance-24", "order-safety", every("critical", {"GATE-RENAL-SEVERE"})),
    ("GATE-RENAL-DMAB-in-ckd-4-denosumab", "order-safety", every("warning", {"GATE-RENAL-DMAB"})),
    ("GATE-HYPOCALCAEMIA-in-calcium-1-95", "order-safety", every("critical", {"GATE-HYPOCALCAEMIA"})),
    ("GATE-HYPERCALCAEMIA-in-calcium-2-75-teriparatide", "order-safety", every("critical", {"GATE-HYPERCALCAEMIA", "GATE-SECONDARY"})),
    ("GATE-VITAMIN-D-in-deficient-zoledronic-acid-loading-dose-first", "order-safety", every("critical", {"GATE-VITAMIN-D"})),
    ("GATE-HIP-SURGERY-in-zoledronic-acid-10-days-after-surgery", "order-safety", every("warning", {"GATE-HIP-SURGERY"})),
    ("GATE-SECONDARY-in-raised-pth", "order-safety", every("critical", {"GATE-SECONDARY"})),
    ("GATE-ONJ-in-zoledronic-acid-jaw-osteonecrosis", "order-safety", every("critical", {"GATE-ONJ", "ORDER-ONJ-AFF"})),
    ("GATE-AFF-in-possible-aff-subtrochanteric-fracture-after-alendronic-acid", "order-safety", every("critical", {"GATE-AFF"})),
    ("GATE-OESOPHAGUS-in-achalasia-alendronic-acid", "order-safety", every("critical", {"GATE-OESOPHAGUS"})),
    ("GATE-OESOPHAGUS-in-achalasia-risedronic-acid-caution", "order-safety", every("warning", {"GATE-OESOPHAGUS"})),
    ("GATE-RALOXIFENE-in-venous-thromboembolism", "order-safety", every("critical", {"GATE-RALOXIFENE"})),
    ("GATE-TERIPARATIDE-in-paget-disease", "order-safety", every("critical", {"GATE-TERIPARATIDE"})),
    ("GATE-TERIPARATIDE-in-24-months-used-in-a-lifetime", "order-safety", every("critical", {"GATE-TERIPARATIDE", "ORDER-TPTD"})),
    ("GATE-ONCOLOGY-in-bone-metastases-alendronic-acid", "order-safety", every("critical", {"GATE-ONCOLOGY"})),
    ("GATE-PREGNANCY-in-pregnant-woman-alendronic-acid", "order-safety", every("critical", {"GATE-PREGNANCY"})),
    ("GATE-INTOLERANCE-in-alendronic-acid-not-tolerated", "order-safety", every("critical", {"GATE-INTOLERANCE"})),
    ("ORDER-ROMO-in-vitaz-fracture-over-24-months-not-reimbursed", "order-safety", vitaz("warning", {"ORDER-ROMO"})),
    ("ORDER-ROMO-unknown-vitaz-bmd-over-6-months-sign-only", "order-safety", vitaz_sign("info", {"ORDER-ROMO"})),
]

# Near-misses (and correct orders for patients without issues): no card on any order service.
QUIET = [
    "ORDER-GC-out-on-alendronic-acid", "ORDER-GC-out-course-of-30-days", "ORDER-GC-out-alendronic-acid-drafted-alongside",
    "ORDER-BONE-RISK-out-omeprazole-8-weeks", "ORDER-BONE-RISK-out-letrozole-dxa-20-months-ago",
    "ORDER-BONE-RISK-out-levetiracetam-not-a-bone-risk-antiepileptic", "ORDER-FALL-RISK-out-lorazepam-no-osteoporosis-no-fracture",
    "ORDER-DOSE-out-alendronic-acid-70-mg-weekly", "ORDER-DOSE-out-risedronic-acid-75-mg-2-days-a-month",
    "ORDER-DOSE-out-zoledronic-acid-5-mg-single-infusion", "ORDER-DOSE-out-ibandronic-acid-3-mg-iv-every-3-months",
    "ORDER-DOSE-out-zoledronic-acid-6-months-after-the-first-after-denosumab",
    "ORDER-DMAB-out-woman-70-on-schedule", "ORDER-DMAB-STOP-out-zoledronic-acid-6-months-after-last-injection",
    "ORDER-ROMO-out-criteria-met-12-months", "ORDER-TPTD-out-criteria-met-24-months", "ORDER-DUP-out-alendronic-acid-refill",
    "ORDER-DURATION-out-alendronic-acid-4-years", "ORDER-DURATION-out-evaluated-dxa-after-5-years",
    "ORDER-RALOX-out-raloxifene-postmenopausal-woman", "ORDER-ONJ-AFF-out-raloxifene-jaw-osteonecrosis",
    "GATE-RENAL-ZOL-out-clearance-58", "GATE-RENAL-ALN-out-egfr-40", "GATE-RENAL-RIS-out-clearance-58",
    "GATE-RENAL-SEVERE-out-raloxifene-clearance-58", "GATE-RENAL-DMAB-out-egfr-45",
    "GATE-HYPOCALCAEMIA-out-low-total-calcium-low-albumin-corrected-normal",
    "GATE-VITAMIN-D-out-deficient-alendronic-acid-vitamin-d-alongside", "GATE-HIP-SURGERY-out-zoledronic-acid-20-days-after-surgery",
    "GATE-AFF-out-subtrochanteric-fracture-never-on-an-antiresorptive", "GATE-OESOPHAGUS-out-achalasia-zoledronic-acid",
    "GATE-PREGNANCY-out-postmenopausal-woman-alendronic-acid",
]
ORDER_NODES = sorted(set(re.findall(r"^\| (ORDER-[A-Z-]+) \|", SPEC, re.MULTILINE)))
GATE_NODES = sorted(set(re.findall(r"^\| (GATE-[A-Z-]+) \|", SPEC, re.MULTILINE)))


def _card(cards: list[dict], topic: str) -> dict | None:
    found = [c for c in cards if c["source"]["topic"]["code"] == topic]
    assert len(found) <= 1, "one card per topic"
    return found[0] if found else None


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(("fixture", "topic", "expected"), FIRES, ids=[f"{f[0]}:{f[1]}" for f in FIRES])
def test_each_check_fires_for_its_fixture(post, service, fixture, topic, expected):
    card = _card(post(fixture, service), topic)
    if service not in expected:
        assert card is None
        return
    indicator, cited = expected[service]
    assert card is not None and card["indicator"] == indicator
    assert cited <= set(nodes(card)), nodes(card)
    assert all(n in card["detail"] for n in cited)


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("fixture", QUIET)
def test_each_near_miss_stays_silent(post, service, fixture):
    assert post(fixture, service) == []


def test_every_fixture_is_in_a_table():
    assert {f for f, *_ in FIRES} | set(QUIET) == set(names())


@pytest.mark.parametrize("kind", ["ORDER", "GATE"])
def test_every_order_row_and_gate_of_the_spec_is_reached_through_the_endpoints(post, kind):
    """Done-criterion of issue 10: each ORDER-* row (and each GATE-*) of guidelines.md is cited by a card of some
    fixture on every order service."""
    wanted = ORDER_NODES if kind == "ORDER" else GATE_NODES
    assert len(ORDER_NODES) == 12 and len(GATE_NODES) == 19
    for service in SERVICES:
        cited = {n for fixture in {f for f, *_ in FIRES} for n in answer_nodes(post(fixture, service))}
        assert set(wanted) - cited == set(), service


def test_cited_nodes_are_nodes_of_the_spec(post):
    """No invented node: each is a row of guidelines.md, or a gate of gates.toml (GATE-INTOLERANCE, an Interpretation)."""
    known = set(re.findall(r"^\| ((?:RCOP|GATE|VITAZ|ORDER)-[A-Z0-9-]+) \|", SPEC, re.MULTILINE)) | set(gate_nodes())
    for service in SERVICES:
        cited = {n for fixture in {f for f, *_ in FIRES} for n in answer_nodes(post(fixture, service))}
        assert cited <= known, cited - known


@pytest.mark.parametrize(("fixture", "review"), [
    ("ORDER-ONJ-AFF-in-next-denosumab-injection-atypical-femoral-fracture", True),
    ("ORDER-ONJ-AFF-in-next-denosumab-injection-jaw-osteonecrosis", True),
    ("ORDER-ONJ-AFF-in-denosumab-atypical-femoral-fracture", False),  # a new start: removing the draft is right
])
def test_the_next_denosumab_injection_with_aff_or_onj_waits_for_secondary_care(post, fixture, review):
    """W25 (review 2): the next injection of a running denosumab (given 25-05-2026) with an AFF / ONJ on record is never
    simply deleted: "volgende denosumabinjectie alleen na overleg met de 2e lijn (deze week); niet zomaar stoppen"; the
    referral is the recommended action, removing the draft only an option. A new start keeps "schrap het concept"."""
    card = _card(post(fixture), "order-safety")
    recommended = [s for s in card["suggestions"] if s["isRecommended"]]
    kinds = sorted(a["type"] for s in recommended for a in s["actions"])
    if review:
        assert "niet zomaar stoppen" in card["summary"] and "deze week" in card["summary"] and "geen denosumab" not in card["detail"]
        assert kinds == ["create"] and recommended[0]["actions"][0]["resource"]["resourceType"] == "ServiceRequest"
        assert any(a["type"] == "delete" for s in card["suggestions"] if not s["isRecommended"] for a in s["actions"])
    else:
        assert "schrap het concept" in card["summary"] and kinds == ["create", "delete"]

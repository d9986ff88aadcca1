"""Every vitaz fixture through the real HTTP endpoint: topics, indicator, drugs offered and recommended (ATC), and the
node cited — read with tests/answers.py, whether a topic is a card of its own or a step of the plan card — and the
answer composed as contract.md "Cards in one answer" has it.

Fixtures: fixtures/vitaz/*.json (written by fixtures/vitaz/make_fixtures.py); today is 2026-11-22.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.answers import (
    answer_nodes,
    answer_topics,
    card_for,
    cards_with,
    medication_requests,
    offered_atcs,
    recommended_atcs,
    service_codes,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vitaz"
URL = "/cds-services/osteoporosis-vitaz-patient-view"
GUIDELINES = Path(__file__).resolve().parents[2] / "shared" / "spec" / "guidelines.md"
NODES = sorted(set(re.findall(r"^\| (VITAZ-[A-Za-z0-9-]+) \|", GUIDELINES.read_text(encoding="utf-8"), re.MULTILINE)))

ZOL, ALN, DMAB, RIS, RLX, ROMO, TPTD = "M05BA08", "M05BA04", "M05BX04", "M05BA07", "G03XC01", "M05BX06", "H05AA02"
VIT_D, CALCIUM = "A11CC05", "A12AA04"
ALL_FIVE = {ZOL, ALN, DMAB, RIS, RLX}

EXPECTED = [
    # (fixture, topic, indicator of a card carrying it or None, node cited)
    ("VITAZ-entry-in-three-falls-no-dxa", "order-dxa-vfa", None, "VITAZ-2"),
    ("VITAZ-entry-in-three-falls-no-dxa", "order-lab", None, "VITAZ-1"),
    ("VITAZ-entry-in-three-falls-no-dxa", "lifestyle-falls", None, "VITAZ-1"),
    ("VITAZ-APP1-in-ppi-osteopenia-asks-frax", "assess-frax", "info", "VITAZ-5"),
    ("VITAZ-APP1-in-bmi-22-9-age-65", "order-dxa-vfa", "info", "VITAZ-2"),
    ("VITAZ-APP1-in-height-loss-man-6-cm", "order-dxa-vfa", "info", "VITAZ-2"),
    ("VITAZ-APP1-in-height-loss-woman-4-cm", "order-dxa-vfa", "info", "VITAZ-2"),
    ("VITAZ-APP1-in-glucocorticoids-94-days", "order-dxa-vfa", "info", "VITAZ-2"),
    ("VITAZ-APP1-in-vitamin-d-45-nmol-deficiency", "calcium-vitamin-d", None, "VITAZ-1"),
    ("VITAZ-APP1-in-one-dairy-portion-low-calcium-intake", "calcium-vitamin-d", None, "VITAZ-1"),
    ("VITAZ-1-in-rheumatoid-arthritis-no-lab", "order-lab", None, "VITAZ-1"),
    ("VITAZ-1-in-rheumatoid-arthritis-no-lab", "start-antiresorptive", "warning", "VITAZ-7"),
    ("VITAZ-2-in-dxa-25-months-old", "order-dxa-vfa", "info", "VITAZ-2"),
    ("VITAZ-2-out-dxa-23-months-old", "no-drug-therapy", "info", "VITAZ-4"),
    ("VITAZ-2-in-unreadable-dxa-read-report-first", "order-dxa-vfa", "info", "VITAZ-2"),
    ("VITAZ-3-in-z-minus-2-refer-endocrinology", "refer-endocrinology", "warning", "VITAZ-3"),
    ("VITAZ-3-out-z-minus-1-9", "assess-frax", "info", "VITAZ-5"),
    ("VITAZ-4-in-t-minus-0-9-no-drug-therapy", "no-drug-therapy", "info", "VITAZ-4"),
    ("VITAZ-4-in-no-vfa-decision-waits-for-it", "order-dxa-vfa", "info", "VITAZ-4"),
    ("VITAZ-4-in-benzodiazepine-pharmacist-tapering", "lifestyle-falls", None, "VITAZ-4"),
    ("VITAZ-5-in-t-minus-1-0-no-frax-calculate", "assess-frax", "info", "VITAZ-5"),
    ("VITAZ-5-in-frax-below-thresholds-age-65", "no-drug-therapy", "info", "VITAZ-5"),
    ("VITAZ-5-in-frax-below-no-vfa-decision-waits-for-it", "order-dxa-vfa", "info", "VITAZ-5"),
    ("VITAZ-5-in-frax-major-only-asks-frax", "assess-frax", "info", "VITAZ-5"),
    ("VITAZ-5-in-frax-hip-2-9-age-69", "no-drug-therapy", "info", "VITAZ-5"),
    ("VITAZ-5-in-frax-hip-4-9-age-70", "no-drug-therapy", "info", "VITAZ-5"),
    ("VITAZ-6-in-frax-major-20", "start-antiresorptive", "warning", "VITAZ-6"),
    ("VITAZ-6-in-frax-hip-3-age-69", "start-antiresorptive", "warning", "VITAZ-6"),
    ("VITAZ-6-in-frax-hip-5-age-70", "start-antiresorptive", "warning", "VITAZ-6"),
    ("VITAZ-6-in-frax-hip-man-no-raloxifene", "start-antiresorptive", "warning", "VITAZ-6"),
    ("VITAZ-6-in-osteopenia-humerus-fracture", "start-antiresorptive", "warning", "VITAZ-6"),
    ("VITAZ-7-in-rheumatoid-arthritis-t-minus-2-7", "start-antiresorptive", "warning", "VITAZ-7"),
    ("VITAZ-7-in-rheumatoid-arthritis-t-minus-2-7", "start-antiresorptive", "warning", "VITAZ-10"),
    ("VITAZ-7-in-smoker-t-minus-2-5", "start-antiresorptive", "warning", "VITAZ-7"),
    ("VITAZ-7-in-wrist-fracture-t-above-minus-1", "start-antiresorptive", "warning", "VITAZ-7"),
    ("VITAZ-7-in-postmenopausal-recorded-age-50", "start-antiresorptive", "warning", "VITAZ-7"),
    ("VITAZ-8-in-man-t-minus-2-5-no-raloxifene", "start-antiresorptive", "warning", "VITAZ-8"),
    ("VITAZ-8-in-man-hip-fracture-at-50-no-dxa", "start-antiresorptive", "warning", "VITAZ-8"),
    ("VITAZ-8-in-man-hip-fracture-at-50-no-dxa", "order-dxa-vfa", None, "VITAZ-2"),
    ("VITAZ-8-in-alendronic-acid-intolerance-younger-man-gate-names-it", "start-antiresorptive", "warning", "GATE-INTOLERANCE"),
    ("VITAZ-8-in-sex-unknown-no-raloxifene", "start-antiresorptive", "warning", "VITAZ-8"),
    ("VITAZ-7b-in-premenopausal-t-minus-2-6-refer", "refer-secondary-care", "warning", "VITAZ-7b"),
    ("VITAZ-7b-in-premenopausal-z-minus-2-1-endocrinology", "refer-endocrinology", "warning", "VITAZ-7b"),
    ("VITAZ-7b-in-menopause-unknown-age-50", "refer-secondary-care", "warning", "VITAZ-7b"),
    ("VITAZ-7b-in-menopause-unknown-age-50", "data-needed", "info", "VITAZ-7b"),
    ("VITAZ-9-in-romosozumab-criteria-met", "refer-anabolic", "warning", "VITAZ-9"),
    ("VITAZ-9-in-romosozumab-humerus-age-75-met", "refer-anabolic", "warning", "VITAZ-9"),
    ("VITAZ-9-in-romosozumab-humerus-age-74-not-met", "start-antiresorptive", "warning", "VITAZ-9"),
    ("VITAZ-9-in-romosozumab-not-met-man", "start-antiresorptive", "warning", "VITAZ-9"),
    ("VITAZ-9-in-romosozumab-not-met-myocardial-infarction", "start-antiresorptive", "warning", "VITAZ-9"),
    ("VITAZ-9-in-romosozumab-unknown-bmd-older-than-6-months", "order-dxa-vfa", "warning", "VITAZ-9"),
    ("VITAZ-9-in-romosozumab-unknown-ungraded-vertebral-fracture", "data-needed", "warning", "VITAZ-9"),
    ("VITAZ-9-in-t-minus-2-5-bmd-not-met", "start-antiresorptive", "warning", "VITAZ-9"),
    ("VITAZ-9-in-teriparatide-criteria-met-man", "refer-anabolic", "warning", "VITAZ-9"),
    ("VITAZ-9-in-teriparatide-glucocorticoid-one-vertebral-fracture", "refer-anabolic", "warning", "VITAZ-9"),
    ("VITAZ-9-in-teriparatide-not-met-prior-treatment-6-months", "start-antiresorptive", "warning", "VITAZ-9"),
    ("VITAZ-9-in-teriparatide-met-paget-disease-gate-rules-it-out", "start-antiresorptive", "warning", "GATE-TERIPARATIDE"),
    ("VITAZ-9-in-teriparatide-met-paget-disease-gate-rules-it-out", "refer-secondary-care", "warning", "VITAZ-9"),
    ("VITAZ-9-in-romosozumab-unknown-sex-not-recorded", "data-needed", "warning", "VITAZ-9"),
    ("VITAZ-9-in-teriparatide-unknown-second-fracture-ungraded", "data-needed", "warning", "VITAZ-9"),
    ("VITAZ-APP4-in-vitamin-d-29-9-ng-800-iu", "calcium-vitamin-d", None, "VITAZ-7"),
    ("VITAZ-APP4-in-vitamin-d-74-nmol-800-iu", "calcium-vitamin-d", None, "VITAZ-7"),
    ("VITAZ-APP4-out-vitamin-d-75-nmol-no-vitamin-d", "calcium-vitamin-d", None, "VITAZ-7"),
    ("VITAZ-APP4-in-vitamin-d-19-9-ng-25000-iu", "calcium-vitamin-d", None, "VITAZ-7"),
    ("VITAZ-APP4-in-one-dairy-portion-calcium-1000", "calcium-vitamin-d", None, "VITAZ-7"),
    ("VITAZ-APP4-in-three-dairy-portions-calcium-500", "calcium-vitamin-d", None, "VITAZ-7"),
    ("VITAZ-APP4-out-four-dairy-portions-no-supplement", "start-antiresorptive", "warning", "VITAZ-7"),
    ("VITAZ-APP4-out-already-supplemented", "start-antiresorptive", "warning", "VITAZ-7"),
    ("VITAZ-APP4-in-vitamin-d-18-ng-despite-supplement", "calcium-vitamin-d", None, "VITAZ-7"),
    ("VITAZ-APP4-in-vitamin-d-25-ng-despite-supplement", "calcium-vitamin-d", None, "VITAZ-7"),
    ("VITAZ-APP4-in-vitamin-d-only-supplement-calcium-asked", "calcium-vitamin-d", None, "VITAZ-7"),
    ("VITAZ-FU-1-in-3-months-on-alendronic-acid", "follow-up-due", "info", "VITAZ-FU-1"),
    ("VITAZ-FU-1-in-past-due-after-4-months", "follow-up-due", "warning", "VITAZ-FU-1"),
    ("VITAZ-FU-2-in-year-1-due", "follow-up-due", "info", "VITAZ-FU-2"),
    ("VITAZ-FU-2-in-year-2-past-due", "follow-up-due", "warning", "VITAZ-FU-2"),
    ("VITAZ-FU-3-in-5-years-dxa-and-referral", "follow-up-due", "info", "VITAZ-FU-3"),
    ("VITAZ-FU-3-in-5-years-dxa-and-referral", "refer-secondary-care", "info", "VITAZ-FU-3"),
    ("VITAZ-FU-3-in-past-due", "follow-up-due", "warning", "VITAZ-FU-3"),
    ("VITAZ-FU-5-in-dispenses-77-percent-of-days", "switch-therapy", "warning", "VITAZ-FU-5"),
    ("VITAZ-FU-5-out-dispenses-85-percent-of-days", "follow-up-due", "info", "VITAZ-FU-2"),
    ("VITAZ-FU-5-in-non-adherence-recorded", "switch-therapy", "warning", "VITAZ-FU-5"),
    ("VITAZ-FU-5-in-side-effects-intolerance", "switch-therapy", "warning", "VITAZ-FU-5"),
    ("VITAZ-FU-5-in-denosumab-late-injections", "switch-therapy", "warning", "VITAZ-FU-5"),
    ("VITAZ-FU-4-in-wrist-fracture-after-2-years-on-alendronic-acid", "switch-therapy", "warning", "VITAZ-FU-4"),
    ("VITAZ-FU-4-in-wrist-fracture-after-2-years-on-alendronic-acid", "treatment-evaluation-due", "warning", "NET-FAILURE"),
    ("VITAZ-FU-4-in-jaw-osteonecrosis-on-alendronic-acid", "medication-safety", "critical", "VITAZ-FU-4"),
    ("VITAZ-FU-4-in-jaw-osteonecrosis-on-alendronic-acid", "refer-secondary-care", "warning", "NET-CONTRAINDICATED"),
    ("VITAZ-data-needed-no-birth-date", "data-needed", "info", "VITAZ"),
    ("VITAZ-in-palliative-care-no-drug-therapy", "no-drug-therapy", "info", "VITAZ"),
]

QUIET = [
    "VITAZ-entry-out-two-falls",
    "VITAZ-entry-out-wrist-fracture-day-before-50",
    "VITAZ-entry-out-ankle-fracture-age-70",
    "VITAZ-APP1-out-bmi-22-9-age-64",
    "VITAZ-APP1-out-height-loss-man-5-cm",
    "VITAZ-APP1-out-glucocorticoids-89-days",
    "VITAZ-FU-1-out-vitamin-d-measured",
    "VITAZ-FU-2-out-lab-in-window",
    "VITAZ-FU-3-out-dxa-after-4-5-years",
    "VITAZ-out-no-risk-factor-woman-65",
    "VITAZ-out-weight-only-man-70",
]

# (fixture, ATC codes offered, ATC codes never offered, ATC codes recommended)
DRUGS = [
    ("VITAZ-7-in-rheumatoid-arthritis-t-minus-2-7", ALL_FIVE, {ROMO, TPTD}, set()),
    ("VITAZ-7-in-smoker-t-minus-2-5", ALL_FIVE, set(), set()),
    ("VITAZ-6-in-frax-major-20", ALL_FIVE, set(), set()),
    ("VITAZ-6-in-frax-hip-man-no-raloxifene", ALL_FIVE - {RLX}, {RLX}, set()),
    ("VITAZ-8-in-man-t-minus-2-5-no-raloxifene", ALL_FIVE - {RLX}, {RLX}, set()),
    ("VITAZ-8-in-sex-unknown-no-raloxifene", ALL_FIVE - {RLX}, {RLX}, set()),
    ("VITAZ-8-in-alendronic-acid-intolerance-younger-man-gate-names-it", {ZOL, DMAB, RIS}, {ALN, RLX}, set()),
    ("VITAZ-9-in-romosozumab-criteria-met", set(), ALL_FIVE | {ROMO, TPTD}, set()),
    ("VITAZ-9-in-teriparatide-criteria-met-man", set(), ALL_FIVE | {ROMO, TPTD}, set()),
    ("VITAZ-9-in-romosozumab-not-met-man", ALL_FIVE - {RLX}, {RLX, ROMO, TPTD}, set()),
    ("VITAZ-9-in-romosozumab-not-met-myocardial-infarction", ALL_FIVE, {ROMO}, set()),
    ("VITAZ-7b-in-premenopausal-t-minus-2-6-refer", set(), ALL_FIVE, set()),
    ("VITAZ-FU-5-in-side-effects-intolerance", {ZOL, DMAB, RIS, RLX}, {ALN}, set()),
    ("VITAZ-9-in-teriparatide-met-paget-disease-gate-rules-it-out", ALL_FIVE - {RLX}, {RLX, TPTD, ROMO}, set()),
    ("VITAZ-FU-4-in-jaw-osteonecrosis-on-alendronic-acid", set(), ALL_FIVE | {ROMO, TPTD}, set()),
    ("VITAZ-FU-5-in-denosumab-late-injections", {ZOL, ALN, RIS}, {DMAB, RLX}, set()),
    ("VITAZ-APP4-in-vitamin-d-29-9-ng-800-iu", {VIT_D}, set(), set()),
    ("VITAZ-APP4-in-vitamin-d-74-nmol-800-iu", {VIT_D}, set(), set()),
    ("VITAZ-APP4-out-vitamin-d-75-nmol-no-vitamin-d", set(), {VIT_D, CALCIUM}, set()),
    ("VITAZ-APP4-in-vitamin-d-19-9-ng-25000-iu", {VIT_D}, set(), set()),
    ("VITAZ-APP4-in-one-dairy-portion-calcium-1000", {CALCIUM}, {VIT_D}, set()),
    ("VITAZ-APP4-in-three-dairy-portions-calcium-500", {CALCIUM}, {VIT_D}, set()),
    ("VITAZ-APP4-out-four-dairy-portions-no-supplement", set(), {VIT_D, CALCIUM}, set()),
    ("VITAZ-APP4-out-already-supplemented", set(), {VIT_D, CALCIUM}, set()),
    ("VITAZ-APP4-in-vitamin-d-18-ng-despite-supplement", {VIT_D}, {CALCIUM}, set()),
    ("VITAZ-APP4-in-vitamin-d-25-ng-despite-supplement", set(), {VIT_D, CALCIUM}, set()),
    ("VITAZ-APP4-in-vitamin-d-only-supplement-calcium-asked", set(), {VIT_D, CALCIUM}, set()),
]


@pytest.fixture
def post(client, cds_request):
    def call(fixture: str, lang: str = "nl") -> list[dict]:
        bundle = json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))
        resp = client.post(URL, json=cds_request(bundle), headers={"Accept-Language": lang})
        assert resp.status_code == 200
        return resp.get_json()["cards"]

    return call


@pytest.mark.parametrize(("fixture", "topic", "indicator", "node"), EXPECTED, ids=[f"{e[0]}:{e[1]}:{e[3]}" for e in EXPECTED])
def test_fixture_gives_its_topic(post, fixture, topic, indicator, node):
    cards = post(fixture)
    carrying = cards_with(cards, topic)
    assert carrying, f"{topic} not in {answer_topics(cards)}"
    if indicator is not None:
        assert indicator in {c["indicator"] for c in carrying}
    assert node in answer_nodes(carrying), f"{node} not cited"


@pytest.mark.parametrize("fixture", QUIET)
def test_quiet_fixture_gives_no_cards(post, fixture):
    assert post(fixture) == []


@pytest.mark.parametrize(("fixture", "present", "absent", "chosen"), DRUGS, ids=[d[0] for d in DRUGS])
def test_drugs_offered_and_recommended(post, fixture, present, absent, chosen):
    cards = post(fixture)
    assert present <= offered_atcs(cards)
    assert not absent & offered_atcs(cards)
    assert recommended_atcs(cards) & (ALL_FIVE | {VIT_D, CALCIUM}) == chosen


def test_fixture_table_covers_every_fixture_file():
    named = {e[0] for e in EXPECTED} | set(QUIET) | {d[0] for d in DRUGS}
    assert named == {p.stem for p in FIXTURES.glob("*.json")}


def test_every_vitaz_node_is_reached_through_the_endpoint(post):
    """Done-criterion of issue 9: each VITAZ node of guidelines.md is cited by some card of some fixture."""
    cited = {n for fixture in {e[0] for e in EXPECTED} for n in answer_nodes(post(fixture))}
    assert len(NODES) == 16
    assert set(NODES) - cited == set()


def test_every_node_the_pathway_cites_is_a_node_of_the_guideline(post):
    cited = {n for fixture in {e[0] for e in EXPECTED} for n in answer_nodes(post(fixture)) if n.startswith("VITAZ")}
    assert cited and cited <= set(NODES) | {"VITAZ"}


def test_frax_link_goes_to_the_belgian_calculator(post):
    links = [link for c in cards_with(post("VITAZ-5-in-t-minus-1-0-no-frax-calculate"), "assess-frax") for link in c.get("links", [])]
    assert {"label": "FRAX-berekening (België)", "url": "https://frax.shef.ac.uk/FRAX/tool.aspx?country=9", "type": "absolute"} in links


def test_anabolic_referral_is_a_referral_with_every_criterion_shown(post):
    """VITAZ-9: a referral, never a one-click anabolic; each Appendix 5 criterion is a line met / not met / unknown."""
    card = cards_with(post("VITAZ-9-in-romosozumab-criteria-met"), "refer-anabolic")[0]
    assert not offered_atcs([card])
    assert "Verwijzing tweede lijn (osteoporosecentrum)" in [a["description"] for s in card["suggestions"] for a in s["actions"]]
    detail = card["detail"]
    assert "Romosozumab: enkel postmenopauzale vrouwen: voldaan" in detail
    assert "Teriparatide: ≥ 12 maanden behandeling met een bisfosfonaat of SERM: niet voldaan" in detail
    assert "Romosozumab: 2 × 105 mg subcutaan per maand gedurende 1 jaar" in detail and "Teriparatide: 20 µg" not in detail
    teriparatide = cards_with(post("VITAZ-9-in-teriparatide-criteria-met-man"), "refer-anabolic")[0]["detail"]
    assert "Teriparatide: 20 µg subcutaan per dag" in teriparatide and "\"20 mg/dag gedurende 9 maand\"" in teriparatide


@pytest.mark.parametrize(("fixture", "line"), [
    ("VITAZ-9-in-romosozumab-not-met-man", "Romosozumab: enkel postmenopauzale vrouwen: niet voldaan — man"),
    ("VITAZ-9-in-romosozumab-not-met-myocardial-infarction", "als contra-indicatie: niet voldaan — myocardinfarct"),
    ("VITAZ-9-in-romosozumab-unknown-bmd-older-than-6-months", "of voorafgaande wervelfractuur (> 4 mm en 25 %): onbekend — BMD ouder dan 6 maanden"),
    ("VITAZ-9-in-romosozumab-unknown-ungraded-vertebral-fracture", "(75+) in de voorbije 24 maanden: onbekend — wervel, 01-03-2026"),
    ("VITAZ-9-in-romosozumab-humerus-age-74-not-met", "(75+) in de voorbije 24 maanden: niet voldaan"),
    ("VITAZ-9-in-t-minus-2-5-bmd-not-met", "of voorafgaande wervelfractuur (> 4 mm en 25 %): niet voldaan — T -2,5"),
    ("VITAZ-9-in-teriparatide-not-met-prior-treatment-6-months", "bisfosfonaat of SERM: niet voldaan — 181 dagen"),
    ("VITAZ-9-in-teriparatide-glucocorticoid-one-vertebral-fracture", "bij corticoïdgeïnduceerde osteoporose: voldaan — 1 (Genant ≥ 2), corticoïdgeïnduceerde osteoporose"),
    ("VITAZ-9-in-romosozumab-unknown-sex-not-recorded", "Romosozumab: enkel postmenopauzale vrouwen: onbekend — geslacht of menopauzale status onbekend"),
    ("VITAZ-9-in-teriparatide-unknown-second-fracture-ungraded", "bij corticoïdgeïnduceerde osteoporose: onbekend — 1 (Genant ≥ 2)"),
])
def test_reimbursement_criterion_status_is_shown(post, fixture, line):
    assert any(line in c["detail"] for c in post(fixture))


def test_denosumab_is_shown_with_the_rebound_warning(post):
    labels = [s["label"] for c in post("VITAZ-7-in-rheumatoid-arthritis-t-minus-2-7") for s in c.get("suggestions", [])]
    assert any(label.startswith("denosumab 60 mg subcutaan, elke 6 maanden (te mijden bij jongere patiënt: rebound;") for label in labels)


def test_switching_from_denosumab_starts_the_next_drug_six_months_after_the_last_injection(post):
    """VITAZ-FU-5 with denosumab: never simply stopped — the other options start 6 months after the last injection
    (2026-09-01), on the order itself."""
    requests = medication_requests(cards_with(post("VITAZ-FU-5-in-denosumab-late-injections"), "switch-therapy"))
    assert requests and {r["dosageInstruction"][0]["timing"]["repeat"]["boundsPeriod"]["start"] for r in requests} == {"2027-03-01"}


@pytest.mark.parametrize(("fixture", "dose", "frequency"), [
    ("VITAZ-APP4-in-vitamin-d-29-9-ng-800-iu", 800, 1),
    ("VITAZ-APP4-in-vitamin-d-19-9-ng-25000-iu", 25000, 1),
    ("VITAZ-APP4-in-one-dairy-portion-calcium-1000", 1250, 2),
    ("VITAZ-APP4-in-three-dairy-portions-calcium-500", 1250, 1),
])
def test_supplements_carry_their_dose(post, fixture, dose, frequency):
    (request,) = [r for r in medication_requests(post(fixture)) if r["medicationCodeableConcept"]["coding"][0]["code"] in (VIT_D, CALCIUM)]
    dosage = request["dosageInstruction"][0]
    assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == dose
    assert dosage["timing"]["repeat"]["frequency"] == frequency


def test_calcium_card_without_intake_asks_for_it_and_shows_the_carbonate_equivalence(post):
    detail = cards_with(post("VITAZ-7-in-rheumatoid-arthritis-t-minus-2-7"), "calcium-vitamin-d")[0]["detail"]
    assert "vraag het aantal porties zuivel of sojaproduct" in detail and "1250 mg calciumcarbonaat = 500 mg calcium" in detail


def test_follow_up_orders(post):
    assert "62292-8" in service_codes(cards_with(post("VITAZ-FU-1-in-3-months-on-alendronic-acid"), "follow-up-due"))
    fu3 = service_codes(cards_with(post("VITAZ-FU-3-in-5-years-dxa-and-referral"), "follow-up-due"))
    assert {"38268-9", "726548004"} <= fu3


def test_fall_risk_drugs_go_to_the_pharmacist_for_tapering(post):
    detail = cards_with(post("VITAZ-4-in-benzodiazepine-pharmacist-tapering"), "lifestyle-falls")[0]["detail"]
    assert "Apotheker: afbouwvoorstel voor medicatie die het valrisico verhoogt (benzodiazepine)." in detail


def test_team_roles_are_plan_steps_without_orders(post):
    cards = cards_with(post("VITAZ-entry-in-three-falls-no-dxa"), "lifestyle-falls")
    detail = cards[0]["detail"]
    assert "Kinesitherapeut" in detail and "Ergotherapeut" in detail and "Apotheker" in detail
    assert not [s for c in cards for s in c.get("suggestions", []) if "lifestyle" in s["label"].lower()]


def test_english_on_request(post):
    cards = post("VITAZ-7-in-rheumatoid-arthritis-t-minus-2-7", lang="en")
    start = card_for(cards, "start-antiresorptive")
    assert start["summary"].startswith("Antiresorptive therapy indicated")
    assert "avoid in younger patients" in " ".join(s["label"] for s in start["suggestions"])


OSTEOPOROSIS_DRUGS = ALL_FIVE | {ROMO, TPTD}
SAFETY_TOPICS = {"medication-safety", "switch-therapy", "denosumab-transition"}


@pytest.mark.parametrize("fixture", sorted({e[0] for e in EXPECTED} | {d[0] for d in DRUGS}))
def test_every_answer_is_composed_as_the_contract_says(post, fixture):
    """contract.md "Cards in one answer": one plan card, a separate card only for a safety finding, at most one options
    card (at-most-one), at most one data-needed card; a topic is the source.topic of one card; a card that allows
    several selections holds at most one osteoporosis drug."""
    cards = post(fixture)
    kinds = Counter()
    for card in cards:
        drugs = [s for s in card.get("suggestions", []) if {r.get("medicationCodeableConcept", {}).get("coding", [{}])[0].get("code")
                                                            for r in (a["resource"] for a in s["actions"])} & OSTEOPOROSIS_DRUGS]
        if card["source"]["topic"]["code"] == "data-needed":
            kinds["data-needed"] += 1
        elif card["detail"].startswith("**Plan"):
            kinds["plan"] += 1
        elif card["source"]["topic"]["code"] == "drug-options":
            assert card.get("selectionBehavior") == "at-most-one" and len(drugs) > 1, card["summary"]
            kinds["options"] += 1
        else:
            assert card["source"]["topic"]["code"] in SAFETY_TOPICS, card["summary"]
        if card.get("selectionBehavior") == "any":
            assert len(drugs) <= 1, card["summary"]
    assert max(kinds.values(), default=0) <= 1, kinds
    assert len({c["source"]["topic"]["code"] for c in cards}) == len(cards)
    assert len({c["summary"] for c in cards}) == len(cards), "two cards with one headline"


@pytest.mark.parametrize("fixture", ["VITAZ-4-in-no-vfa-decision-waits-for-it", "VITAZ-5-in-frax-below-no-vfa-decision-waits-for-it"])
def test_no_drug_therapy_waits_for_the_vfa(post, fixture):
    """guidelines.md "VF status known": a BMD without VFA never yields "no drug therapy" in vitaz-2025 either — the
    VFA (lateral-spine DXA, SNOMED CT 726548004) is ordered and the plan says the decision waits for it."""
    cards = post(fixture)
    assert "no-drug-therapy" not in answer_topics(cards)
    (plan,) = cards_with(cards, "order-dxa-vfa")
    assert plan["source"]["topic"]["code"] == "order-dxa-vfa" and "wacht" in plan["summary"]
    assert "726548004" in service_codes([plan]) and "38268-9" not in service_codes([plan])


def test_an_anabolic_drug_a_gate_rules_out_is_not_named_for_the_referral(post):
    """Teriparatide's reimbursement criteria are met, but Paget's disease rules it out (GATE-TERIPARATIDE): no
    referral for it; the antiresorptive options stay, and the gate's finding is on the card."""
    cards = post("VITAZ-9-in-teriparatide-met-paget-disease-gate-rules-it-out")
    assert "refer-anabolic" not in answer_topics(cards)
    start = cards_with(cards, "start-antiresorptive")
    assert {"VITAZ-9", "GATE-TERIPARATIDE"} <= answer_nodes(start)
    assert any("Paget" in c["detail"] for c in start)


def test_the_safety_net_cites_vitaz_fu_4(post):
    """VITAZ-FU-4 is read by the safety net for every guideline: a fragility fracture after two years on alendronic
    acid is therapy failure (re-evaluate, switch, saying which drug stops); jaw osteonecrosis on it is a critical
    medication-safety card with a referral, never a switch."""
    failure = post("VITAZ-FU-4-in-wrist-fracture-after-2-years-on-alendronic-acid")
    assert {"NET-FAILURE", "VITAZ-FU-4"} <= answer_nodes(failure)
    assert ZOL in offered_atcs(cards_with(failure, "switch-therapy")) and ALN not in offered_atcs(failure)
    onj = post("VITAZ-FU-4-in-jaw-osteonecrosis-on-alendronic-acid")
    assert onj[0]["indicator"] == "critical" and onj[0]["source"]["topic"]["code"] == "medication-safety"
    assert "switch-therapy" not in answer_topics(onj) and "refer-secondary-care" in answer_topics(onj)


def test_an_unreadable_bmd_on_record_is_read_before_a_second_scan(post):
    """A DXA Observation on record whose T-score cannot be read: its report is read first (the data-needed card names
    it), no new BMD with VFA is ordered."""
    cards = post("VITAZ-2-in-unreadable-dxa-read-report-first")
    (plan,) = cards_with(cards, "order-dxa-vfa")
    assert "38268-9" not in service_codes(cards) and "T-score" in plan["detail"]
    assert cards_with(cards, "data-needed")


def test_one_missing_lab_is_one_line_for_every_drug_that_needs_it(post):
    """Review (Belgian GP): "Geen recente nierfunctie" once, naming the drugs and the gates, not once per drug."""
    detail = card_for(post("VITAZ-1-in-rheumatoid-arthritis-no-lab"), "order-lab")["detail"]
    assert detail.count("Geen recente nierfunctie") == 1
    assert "vóór alendronaat, risedronaat, raloxifeen. (GATE-RENAL-ALN, GATE-RENAL-RIS, GATE-RENAL-SEVERE)" in detail


def test_an_unreadable_bmd_is_never_no_bmd_among_the_facts(post):
    """Review (C8), Belgian wording: "BMD: in het dossier, maar niet leesbaar", never "BMD: geen in het dossier"."""
    details = " ".join(c["detail"] for c in post("VITAZ-2-in-unreadable-dxa-read-report-first"))
    assert "BMD: in het dossier, maar niet leesbaar" in details and "BMD: geen in het dossier" not in details


def test_teriparatide_names_the_lifetime_limit_beside_the_guidelines_9_months(post):
    """Review (Wd9): the seed's 9 months shown as stated, with the product information's 24 months in a lifetime."""
    details = " ".join(c["detail"] for c in post("VITAZ-9-in-teriparatide-criteria-met-man"))
    assert "de duur van 9 maanden staat zo in de richtlijn" in details and "hooguit 24 maanden in het hele leven" in details

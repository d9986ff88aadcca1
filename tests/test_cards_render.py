"""The card layer: one answer composed as a clinician takes it in (contract "Cards in one answer"), the card shape,
summaries, Markdown detail, override reasons and languages."""

from __future__ import annotations

import re

import pytest

from cards import render
from cards.messages import catalogue
from cards.reference import OVERRIDE_SYSTEM, TOPIC_SYSTEM
from cards.summary import decision_text
from fhir_mappings.facts import DataGap, Decision
from pathways.recommendation import Indicator, Reason, Recommendation, Suggestion, SuggestionKind, Topic
from tests.answers import answer_topics, card_for, nodes, offered_drugs, topics_of
from tests.protocol_helpers import empty_values
from tests.rcop_scenarios import scenarios

SCENARIOS = list(scenarios())
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SEPARATE = {"medication-safety", "data-needed"}


def _plans(cards: list[dict]) -> list[dict]:
    """Cards that are neither a separate safety finding, the drug options nor the data-needed card."""
    return [c for c in cards if c["source"]["topic"]["code"] not in SEPARATE and c["indicator"] != "critical"
            and c.get("selectionBehavior") != "at-most-one" and "RCOP-BP-3" not in nodes(c) and "NET-FAILURE" not in nodes(c)
            and "RCOP-BP-4" not in nodes(c)]


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(("name", "recs"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_answer_shape(name, recs, lang):
    """Every card: fresh uuid, summary < 140, valid indicator, topic Coding in our CodeSystem, override Codings, no
    empty values; each topic the source.topic of one card at most; one plan card at most; every recommendation's
    topic covered by some card."""
    cards = render(recs, patient_id="p1", lang=lang)
    for c in cards:
        assert UUID.match(c["uuid"])
        assert 0 < len(c["summary"]) < 140 and c["summary"][0].isupper()
        assert c["indicator"] in {"info", "warning", "critical"}
        assert c["source"]["topic"]["system"] == TOPIC_SYSTEM
        assert c["overrideReasons"] and all(o["system"] == OVERRIDE_SYSTEM for o in c["overrideReasons"])
        assert topics_of(c)[0] == c["source"]["topic"]["code"]
        assert list(empty_values(c)) == []  # CDS Hooks forbids null, "", [] and {} anywhere in a card
    codes = [c["source"]["topic"]["code"] for c in cards]
    assert len(codes) == len(set(codes)) and len({c["uuid"] for c in cards}) == len(cards)
    assert len({c["summary"] for c in cards}) == len(cards), "two cards with one headline"
    assert len(_plans(cards)) <= 1 and codes.count("data-needed") <= 1
    assert answer_topics(cards) - {"drug-options"} == {r.topic.value for r in recs}


@pytest.mark.parametrize(("name", "recs"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_every_node_is_cited_in_the_detail_and_the_extension(name, recs):
    cards = render(recs, patient_id="p1", lang="nl")
    cited = {n for c in cards for n in nodes(c)}
    for rec in recs:
        for node in filter(None, rec.nodes):  # a data gap of the mapping cites no node
            assert node in cited and any(re.search(rf"\((?:[^()]*, )?{re.escape(node)}(?:, [^()]*)?\)", c["detail"]) for c in cards), node


@pytest.mark.parametrize(("name", "recs"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_suggestions_are_actionable_and_never_two_antiresorptives_at_once(name, recs):
    """Suggestions: uuid, label, create actions on the patient, the topic they count under; a card that allows
    several selections offers one drug at most; a choice among drugs sits on an at-most-one card."""
    for c in render(recs, patient_id="p1", lang="en"):
        suggestions = c.get("suggestions", [])
        for s in suggestions:
            assert UUID.match(s["uuid"]) and s["label"] and s["extension"]["org.osteocds.topic"] in topics_of(c)
            assert all(a["type"] == "create" and a["description"] for a in s["actions"])
            assert all(a["resource"]["subject"] == {"reference": "Patient/p1"} for a in s["actions"])
        if c.get("selectionBehavior") == "at-most-one":
            assert sum(s["isRecommended"] for s in suggestions) <= 1
        else:
            assert len(offered_drugs([c])) <= 1


def test_overdue_denosumab_card_is_critical_and_says_so_in_both_languages():
    recs = dict(SCENARIOS)["DMAB-5 overdue"]
    nl, en = render(recs, patient_id="p1", lang="nl")[0], render(recs, patient_id="p1", lang="en")[0]
    assert nl["indicator"] == en["indicator"] == "critical"
    assert "over tijd" in nl["summary"] and "injectie" in nl["summary"] and nl["selectionBehavior"] == "at-most-one"
    assert "overdue" in en["summary"] and "injection" in en["summary"]


def test_language_selection_defaults_to_dutch():
    recs = dict(SCENARIOS)["FX-3 hip T=-1.0"]
    dutch = render(recs, patient_id="p1", lang="nl")[0]["summary"]
    assert dutch.startswith("Start zoledroninezuur")
    assert render(recs, patient_id="p1", lang="fr")[0]["summary"] == dutch
    assert render(recs, patient_id="p1", lang="en-GB")[0]["summary"].startswith("Start zoledronic acid")


def test_the_plan_card_gives_its_steps_in_the_order_they_are_done():
    """Lab first, then imaging, the drug, supplements, lifestyle (contract "Cards in one answer")."""
    recs = dict(SCENARIOS)["FX-2 hip >=75 therapy"]
    plan = card_for(render(recs, patient_id="p1", lang="en"), "start-antiresorptive")
    steps = re.findall(r"^\d+\. \*\*(.+?)\*\*", plan["detail"], re.MULTILINE)
    assert steps == ["Lab", "DXA+VFA", "Start medication", "Calcium and vitamin D", "Lifestyle and fall prevention"]
    assert [s["extension"]["org.osteocds.topic"] for s in plan["suggestions"]] == [
        "order-lab", "order-dxa-vfa", "start-antiresorptive", "calcium-vitamin-d", "calcium-vitamin-d"]


def test_assumptions_are_stated_once_per_answer_and_gaps_on_the_data_needed_card():
    cards = render(dict(SCENARIOS)["gaps"], patient_id="p1", lang="en")
    assert sum("**Assumptions**" in c["detail"] for c in cards) <= 1
    data = card_for(cards, "data-needed")
    assert "Invalid or unreadable record skipped." in data["detail"] and "Could not read: coined-later" in data["detail"]
    assert "Observation/o1" not in data["detail"] and data["extension"]["org.osteocds.gaps"] == ["Observation/o1"]
    therapy = render(dict(SCENARIOS)["FX-2 hip >=75 therapy"], patient_id="p1", lang="en")
    assert sum("Life expectancy > 12 months" in c["detail"] for c in therapy) == 1


def test_override_reasons_fit_the_topic():
    card = card_for(render(dict(SCENARIOS)["FX-7 T=-2.5"], patient_id="p1", lang="en"), "start-antiresorptive")
    assert {o["code"] for o in card["overrideReasons"]} == {
        "patient-declines", "already-treated-elsewhere", "contraindication", "limited-life-expectancy"
    }


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_demoted_only_drug_is_summarised_by_the_warning_that_demoted_it(lang):
    """Found by the pipeline fuzz: the first choice demoted by a warning (eGFR 32 for tablets) and nothing else left —
    the summary names the warning's finding (it once looked up a text for "first-demoted" and answered 500)."""
    demoted = Reason("GATE-RENAL-TABLETS", "gate.first-demoted",
                     (("agent", "alendronic-acid"), ("first", True), ("why", "gfr-not-recommended"), ("kind", "egfr"), ("value", 32)))
    rec = Recommendation(Topic.START_ANTIRESORPTIVE, Indicator.WARNING, "rcop-2023", (Reason("RCOP-FX-3", "rcop.fx.3"),),
                         suggestions=(Suggestion(SuggestionKind.MEDICATION, "alendronic-acid"),), blocked=(demoted,))
    text = decision_text(rec, catalogue(lang))
    assert "eGFR 32 ml/min" in text and text.endswith(catalogue(lang).text("plan.then-refer"))


def test_a_record_the_chart_and_the_mapping_both_could_not_read_is_one_line():
    """The chart's gap and the mapping's gap about the same record: one line, naming the decision it could change."""
    gaps = (DataGap("no-dose", "", "MedicationRequest/gc"), DataGap("no-dose", "", "MedicationRequest/gc", Decision.GLUCOCORTICOID))
    rec = Recommendation(Topic.DATA_NEEDED, Indicator.INFO, "rcop-2023", (Reason("RCOP-GC", "rcop.data-needed"),), missing=gaps)
    (card,) = render([rec], patient_id="p1", lang="en")
    (line,) = [line for line in card["detail"].splitlines() if line.startswith("- Glucocorticoid dose unreadable.")]
    assert line.endswith("glucocorticoid)"), line

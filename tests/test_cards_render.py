"""The card layer: CDS Hooks card shape, summaries, Markdown detail, override reasons and languages."""

from __future__ import annotations

import re

import pytest

from cards import render
from cards.reference import OVERRIDE_SYSTEM, TOPIC_SYSTEM
from pathways.recommendation import Topic
from tests.protocol_helpers import empty_values
from tests.rcop_scenarios import scenarios

SCENARIOS = list(scenarios())
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(("name", "recs"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_card_shape(name, recs, lang):
    """Every card: fresh uuid, summary < 140, valid indicator, topic Coding in our CodeSystem, override Codings,
    no empty values."""
    cards = render(recs, patient_id="p1", lang=lang)
    assert [c["source"]["topic"]["code"] for c in cards] == [r.topic.value for r in recs]
    for c in cards:
        assert UUID.match(c["uuid"])
        assert 0 < len(c["summary"]) < 140
        assert c["indicator"] in {"info", "warning", "critical"}
        assert c["source"]["topic"]["system"] == TOPIC_SYSTEM
        assert "jan '23" in c["source"]["label"]
        assert c["overrideReasons"] and all(o["system"] == OVERRIDE_SYSTEM for o in c["overrideReasons"])
        assert list(empty_values(c)) == []  # CDS Hooks forbids null, "", [] and {} anywhere in a card
    assert len({c["uuid"] for c in cards}) == len(cards)


@pytest.mark.parametrize(("name", "recs"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_detail_cites_every_node_and_fact_source(name, recs):
    for rec, c in zip(recs, render(recs, patient_id="p1", lang="nl"), strict=True):
        for node in rec.nodes:
            assert f"**{node}**" in c["detail"]
        for e in rec.evidence:
            if e.source is not None:
                assert e.source.reference in c["detail"]
        for g in rec.missing:
            assert (g.reference or g.code) in c["detail"] or "coined-later" in c["detail"]


@pytest.mark.parametrize(("name", "recs"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_suggestions_are_actionable(name, recs):
    """Suggestions: uuid, at most one recommended, create actions with a description, at-most-one for drug choices."""
    for c in render(recs, patient_id="p1", lang="en"):
        suggestions = c.get("suggestions", [])
        assert sum(s["isRecommended"] for s in suggestions) <= 1
        for s in suggestions:
            assert UUID.match(s["uuid"]) and s["label"]
            assert all(a["type"] == "create" and a["description"] for a in s["actions"])
            assert all(a["resource"]["subject"] == {"reference": "Patient/p1"} for a in s["actions"])
        drugs = [s for s in suggestions if s["actions"][0]["resource"]["resourceType"] == "MedicationRequest"]
        if len(drugs) > 1:
            assert c["selectionBehavior"] == "at-most-one"


def test_overdue_denosumab_card_is_critical_and_says_so_in_both_languages():
    recs = dict(SCENARIOS)["DMAB-5 overdue"]
    nl, en = render(recs, patient_id="p1", lang="nl")[0], render(recs, patient_id="p1", lang="en")[0]
    assert nl["indicator"] == en["indicator"] == "critical"
    assert "over tijd" in nl["summary"] and "zoledroninezuur" in nl["summary"]
    assert "overdue" in en["summary"] and "zoledronic acid" in en["summary"]


def test_language_selection_defaults_to_dutch():
    recs = dict(SCENARIOS)["FX-3 hip T=-1.0"]
    dutch = render(recs, patient_id="p1", lang="nl")[0]["summary"]
    assert render(recs, patient_id="p1", lang="fr")[0]["summary"] == dutch
    assert render(recs, patient_id="p1", lang="en-GB")[0]["summary"] != dutch
    assert render(recs, patient_id="p1", lang="en-GB")[0]["summary"].startswith("Antiresorptive indicated")


def test_detail_lists_assumptions_and_missing_data():
    recs = dict(SCENARIOS)["gaps"]
    data_needed = next(c for c in render(recs, patient_id="p1", lang="en") if c["source"]["topic"]["code"] == Topic.DATA_NEEDED.value)
    assert "**Missing data**" in data_needed["detail"]
    assert "Invalid or unreadable resource skipped: detail (Observation/o1)" in data_needed["detail"]
    assert "Could not read: coined-later" in data_needed["detail"]
    therapy = render(dict(SCENARIOS)["FX-2 hip >=75 therapy"], patient_id="p1", lang="en")
    assert any("Life expectancy > 12 months" in c["detail"] and "**Assumptions**" in c["detail"] for c in therapy)


def test_override_reasons_fit_the_topic():
    card = render(dict(SCENARIOS)["FX-7 T=-2.5"], patient_id="p1", lang="en")
    therapy = next(c for c in card if c["source"]["topic"]["code"] == "start-antiresorptive")
    assert {o["code"] for o in therapy["overrideReasons"]} == {
        "patient-declines", "already-treated-elsewhere", "contraindication", "limited-life-expectancy"
    }

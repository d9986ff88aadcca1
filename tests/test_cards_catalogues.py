"""Message catalogues: Dutch and English have the same keys, and every key the code emits exists."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from cards import render
from cards.messages import LANGUAGES, catalogue
from cards.reference import load
from fhir_mappings.facts import Agent, DxaSite, FractureSite, Sex
from pathways.recommendation import Topic
from tests.rcop_scenarios import scenarios

MESSAGES = Path(__file__).resolve().parents[1] / "cards" / "messages"


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rcop"


def _emitted_reason_keys() -> set[str]:
    """The message keys of every reason and blocked drug, over the pathway scenarios and every rcop fixture."""
    from datetime import date

    from fhir_mappings import build_facts
    from pathways import evaluate

    fixtures = (evaluate("rcop-2023", build_facts(json.loads(p.read_text()), today=date(2026, 11, 22))) for p in FIXTURES.glob("*.json"))
    answers = [recs for _, recs in scenarios()] + list(fixtures)
    return {r.message for recs in answers for rec in recs for r in (*rec.reasons, *rec.blocked)}


def test_catalogues_have_the_same_keys():
    nl = json.loads((MESSAGES / "nl.json").read_text(encoding="utf-8"))
    en = json.loads((MESSAGES / "en.json").read_text(encoding="utf-8"))
    assert set(nl) == set(en)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_format_fields_match_between_languages(lang):
    """A translation uses only the format fields its Dutch original offers (Dutch quotes "WF Gr2 of Gr3" where
    English says "grade >= {grade}")."""
    nl, other = catalogue("nl"), catalogue(lang)
    for key in other.keys():
        fields = {f for _, f, _, _ in string.Formatter().parse(other.template(key)) if f}
        offered = {f for _, f, _, _ in string.Formatter().parse(nl.template(key)) if f}
        assert fields <= offered | {"grade"}, key


def test_every_node_message_in_the_catalogue_is_reachable_and_every_emitted_one_exists():
    """Both directions: no reason key the pathways and the safety step emit is missing, no `rcop.*` or `net.*` text is
    dead (gate texts are reached by the gate tests, which judge every gate on its own)."""
    emitted = _emitted_reason_keys()
    keys = catalogue("nl").keys()
    assert emitted <= keys
    assert {k for k in keys if k.startswith(("rcop.", "net."))} <= emitted | {"net.vitaz-fu-4", "net.vitaz-fu-4.refer"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_static_keys_exist(lang):
    msg = catalogue(lang)
    keys = msg.keys()
    assert {f"topic.{t.value}" for t in Topic} <= keys
    assert {f"summary.{t.value}" for t in Topic} <= keys
    assert {f"override.{c}" for codes in load("override_reasons")["by_topic"].values() for c in codes} <= keys
    assert {f"dosage.{a}" for a in load("regimens")} | {f"value.{a}" for a in load("regimens")} <= keys
    assert {f"suggestion.{k}" for k in load("orderables")} <= keys
    assert {f"order.{i['item']}" for items in load("orderables").values() for i in items} <= keys
    assert {f"source.{g}" for g in load("guidelines")} <= keys


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_scenario_renders_without_a_missing_key(lang):
    """`Catalogue.text` raises KeyError on a missing key; rendering every scenario proves none is missing."""
    for _, recs in scenarios():
        assert render(recs, patient_id="p1", lang=lang)


def test_summary_templates_fit_with_the_longest_drug_name():
    for lang in LANGUAGES:
        msg = catalogue(lang)
        longest = max((msg.text(f"value.{a}") for a in load("regimens")), key=len)
        for key in (k for k in msg.keys() if k.startswith("summary.")):
            assert len(msg.template(key).replace("{drug}", longest)) < 140, key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_coded_words_in_facts_have_translations(lang):
    """Sites, sexes and agents that evidence values carry as `{code}` are worded in both languages."""
    keys = catalogue(lang).keys()
    codes = [*DxaSite, *FractureSite, *Agent, Sex.FEMALE, Sex.MALE, Sex.UNKNOWN]
    assert {f"value.{c.value}" for c in codes} <= keys


def _mapping_codes() -> set[tuple[str, str]]:
    """(kind, code) of every Assumption and DataGap the mapping layer and the pathways can emit, read from source."""
    pattern = re.compile(r'(\.gap|\.assume|DataGap|Assumption)\(\s*"([a-z0-9-]+)"')
    kinds = {".gap": "gap", "DataGap": "gap", ".assume": "assumption", "Assumption": "assumption"}
    root = Path(__file__).resolve().parents[1]
    sources = [*root.joinpath("fhir_mappings").glob("*.py"), *root.joinpath("pathways").rglob("*.py")]
    return {(kinds[m[0]], m[1]) for path in sources for m in pattern.findall(path.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_assumption_and_gap_code_has_a_text(lang):
    codes = _mapping_codes()
    assert ("assumption", "unverified-code") in codes and ("gap", "invalid-resource") in codes
    assert {f"{kind}.{code}" for kind, code in codes} <= catalogue(lang).keys()

"""The order cards' words (cards/messages/orders/{nl,en}.json): both languages complete, every key the order checks
emit exists, no order text is dead, and every summary fits a card."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import pathways.orders
from cards.messages import LANGUAGES, catalogue
from cards.reference import load
from fhir_mappings import build_facts
from fhir_mappings.bundle import iter_resources
from fhir_mappings.drafts import read_drafts
from fhir_mappings.facts import DataGap
from pathways.orders.config import REGIMENS
from tests.order_fixtures import load as load_fixture, names

MESSAGES = Path(__file__).resolve().parents[1] / "cards" / "messages" / "orders"
TODAY = date(2026, 11, 22)


def _emitted() -> set[tuple[str, str]]:
    """(topic, message key) of every reason the order checks give over the order fixtures, both guidelines, at signing."""
    found = set()
    for name in names():
        record, drafts = load_fixture(name)
        facts = build_facts(record, today=TODAY)
        read = read_drafts(list(iter_resources(drafts)), today=TODAY, patient_id=facts.patient_id)
        unreadable = (DataGap("invalid-resource", reference="MedicationRequest/broken"),)  # as a draft no R4 model reads
        for guideline in ("rcop-2023", "vitaz-2025"):
            for rec in pathways.orders.evaluate(guideline, facts, read.orders, sign=True, gaps=unreadable):
                found |= {(rec.topic.value, r.message) for r in (*rec.reasons, *rec.blocked)}
    return found


EMITTED = _emitted()


def test_the_order_catalogues_have_the_same_keys():
    nl = json.loads((MESSAGES / "nl.json").read_text(encoding="utf-8"))
    en = json.loads((MESSAGES / "en.json").read_text(encoding="utf-8"))
    assert set(nl) == set(en)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_emitted_key_has_a_text_and_no_order_text_is_dead(lang):
    keys = catalogue(lang).keys()
    assert {m for _, m in EMITTED} <= keys
    assert {k for k in keys if k.startswith("orders.")} <= {m for _, m in EMITTED}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_first_finding_of_every_order_card_has_its_summary(lang):
    """The first reason of each order card is worded as its summary (`summary.<topic>.<message>`) where it is an
    ORDER row or gate finding; chart steps (RCOP-*) sit behind ORDER-GC's own summary."""
    keys = catalogue(lang).keys()
    firsts = {(t, m) for t, m in EMITTED if m.startswith(("orders.", "gate.")) and not m.startswith("orders.action.")}
    heads = {(t, m) for t, m in firsts if f"summary.{t}.{m}" in keys}
    assert ("order-safety", "orders.dose.overdose") in heads and ("glucocorticoid-bone-protection", "orders.gc") in heads
    summaries = {k.removeprefix("summary.").split(".", 1)[1] for k in keys if k.startswith("summary.") and k.count(".") >= 2}
    assert {m for _, m in firsts if m.startswith("orders.") and m not in (
        "orders.gc.dose-unknown", "orders.gc.choose", "orders.fall-risk.vitaz-4", "orders.fall-risk.same-class", "orders.fall-risk.older-dose", "orders.dmab-stop.chart", "orders.tptd.after", "orders.tptd.source-months",
        "orders.duration.vitaz-fu-3")} <= summaries


@pytest.mark.parametrize("lang", LANGUAGES)
def test_order_summaries_fit_a_card_with_the_longest_words(lang):
    msg = catalogue(lang)
    longest = max((msg.text(f"value.{a}") for a in load("regimens")), key=len)
    regimen = max((msg.text(f"value.regimen.{r.id}") for r in REGIMENS), key=len)
    for key in (k for k in msg.keys() if k.startswith("summary.") and (".orders." in k or ".gate." in k)):
        text = msg.template(key).replace("{agent}", longest).replace("{regimen}", regimen).replace("{classes}", longest)
        assert len(text) < 160, key  # the card cuts at 140 with an ellipsis; the words must still say the finding


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_accepted_regimen_and_pharmacist_override_reason_is_worded(lang):
    keys = catalogue(lang).keys()
    assert {f"value.regimen.{r.id}" for r in REGIMENS} <= keys
    orders = load("override_reasons")["orders"]
    assert {f"override.{c}" for codes in (orders["default"], *orders["by_topic"].values()) for c in codes} <= keys

"""The vitaz catalogues: Dutch and English have the same keys, Flemish overrides replace existing texts, every
message and coded word the pathway emits exists, and no `vitaz.*` text is dead."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from cards.messages import LANGUAGES, catalogue
from fhir_mappings import build_facts
from pathways import evaluate
from pathways.recommendation import Recommendation

MESSAGES = Path(__file__).resolve().parents[1] / "cards" / "messages"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vitaz"
CODE = re.compile(r"\{([a-z0-9-]+)\}")


def _file(name: str) -> dict[str, str]:
    return json.loads((MESSAGES / "vitaz" / f"{name}.json").read_text(encoding="utf-8"))


@cache
def _recommendations() -> tuple[Recommendation, ...]:
    out: list[Recommendation] = []
    for path in sorted(FIXTURES.glob("*.json")):
        facts = build_facts(json.loads(path.read_text(encoding="utf-8")), today=date(2026, 11, 22))
        out += evaluate("vitaz-2025", facts)
    return tuple(out)


def test_dutch_and_english_have_the_same_keys():
    assert set(_file("nl")) == set(_file("en"))


def test_region_files_only_override_existing_texts():
    """nl-BE words the guideline's Flemish; en-BE carries the English of the overrides that change meaning."""
    assert set(_file("nl-BE")) <= catalogue("nl").keys()
    assert set(_file("en-BE")) <= set(_file("nl-BE"))
    assert catalogue("nl", "BE").text("value.zoledronic-acid") == "zoledronaat"
    assert catalogue("nl").text("value.zoledronic-acid") == "zoledroninezuur"  # rcop-2023 keeps the Dutch name


def test_every_emitted_message_exists_and_no_vitaz_text_is_dead():
    emitted = {r.message for rec in _recommendations() for r in (*rec.reasons,)}
    defined = {k for k in catalogue("nl").keys() if k.startswith("vitaz.") and not k.startswith(("vitaz.fact.", "vitaz.criterion."))}
    assert emitted <= catalogue("nl").keys()
    assert defined <= emitted


@pytest.mark.parametrize("lang", LANGUAGES)
def test_coded_words_in_facts_and_parameters_are_worded(lang):
    msg = catalogue(lang, "BE")
    codes = {c for rec in _recommendations() for e in rec.evidence for c in CODE.findall(e.value) if c not in dict(e.params)}
    codes |= {p for rec in _recommendations() for r in rec.reasons for _, v in r.params
              for p in (v if isinstance(v, tuple) else (v,)) if isinstance(p, str)}
    labels = {e.label for rec in _recommendations() for e in rec.evidence}
    assert {f"value.{c}" for c in codes} <= msg.keys()
    assert labels <= msg.keys()

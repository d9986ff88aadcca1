"""Prefetch templates are generated from the fact groups a service reads and the value sets that feed them."""

from __future__ import annotations

from dataclasses import fields
from urllib.parse import urlsplit

import pytest

from fhir_mappings import prefetch
from fhir_mappings.facts import PatientFacts
from fhir_mappings.prefetch import (
    MAX_TEMPLATE_CHARS, RESOURCE_TYPES, closure, fact_groups, group_of_field, prefetch_templates, templates,
)
from fhir_mappings.valuesets import lookup, valuesets

META_FIELDS = {"patient_id", "today", "assumptions", "gaps"}  # about the run, not read from a record


@pytest.fixture
def small_templates(monkeypatch):
    """Templates generated with a limit small enough to split the Observation query."""
    monkeypatch.setattr(prefetch, "MAX_TEMPLATE_CHARS", 400)
    prefetch.templates.cache_clear()
    yield
    prefetch.templates.cache_clear()


def _tokens(query: str) -> list[str]:
    return query.split("&code=")[1].split(",") if "&code=" in query else []


def test_every_fact_field_is_filled_by_exactly_one_fact_group():
    owned = [f for g in fact_groups().values() for f in g.fields]
    assert len(owned) == len(set(owned))
    assert set(owned) == {f.name for f in fields(PatientFacts)} - META_FIELDS


def test_every_value_set_feeds_exactly_one_fact_group():
    used = [vs for g in fact_groups().values() for vs in (*g.valuesets, *g.element_valuesets)]
    assert len(used) == len(set(used))
    assert set(used) == set(valuesets())


def test_a_derived_fact_brings_the_groups_it_is_computed_from():
    assert closure({"risk-score"}) == (
        "demographics", "fractures", "glucocorticoids", "other-medications", "body-measures", "risk-factors",
        "family-history", "risk-score",
    )
    assert "29463-7" in templates(frozenset({"risk-score"}))["observations"]  # body weight, for the score


def test_all_templates_cover_every_resource_type_the_mapping_reads():
    assert set(prefetch_templates()) == set(RESOURCE_TYPES)
    assert prefetch_templates()["patient"] == "Patient/{{context.patientId}}"


def _readable_observation_tokens() -> set[str]:
    """Every exact Observation code the mapping matches, as canonical `system|code`."""
    canonical = {c.system for vs in valuesets().values() for c in vs.codes}
    return {f"{system}|{code}" for system, by_code in lookup("Observation").items() for code in by_code if system in canonical}


def test_observation_templates_ask_for_every_code_the_mapping_reads_panels_included():
    tokens = _tokens(prefetch_templates()["observations"])
    assert set(tokens) == _readable_observation_tokens()
    assert {"http://loinc.org|38269-7", "http://loinc.org|83311-1"} <= set(tokens)  # DXA panels


def test_a_group_asks_only_for_its_own_codes_and_types():
    dxa = templates(frozenset({"dxa"}))
    assert set(dxa) == {"observations"}
    assert "http://loinc.org|38267-1" in dxa["observations"] and "29463-7" not in dxa["observations"]
    assert set(templates(frozenset({"intolerances"}))) == {"allergyIntolerances"}


def test_prefix_matched_types_fetch_all_of_the_patients_records():
    all_templates = prefetch_templates()
    assert all_templates["conditions"] == "Condition?patient={{context.patientId}}"
    assert all_templates["medicationRequests"] == (
        "MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication"
    )
    assert all_templates["familyMemberHistory"] == "FamilyMemberHistory?patient={{context.patientId}}"
    assert "http://snomed.info/sct|103735009" in all_templates["procedures"]


def test_urls_stay_within_the_limit():
    for query in prefetch_templates().values():
        assert len(query) <= MAX_TEMPLATE_CHARS
        assert urlsplit(query).scheme == ""


def test_a_template_past_the_limit_is_split_into_keys_with_stable_names(small_templates):
    split = templates(frozenset(fact_groups()))
    keys = [k for k in split if k.startswith("observations")]
    assert keys[:3] == ["observations", "observations-2", "observations-3"]
    assert all(len(split[k]) <= 400 for k in keys)
    joined = [t for k in keys for t in _tokens(split[k])]
    assert len(joined) == len(set(joined)) and set(joined) == _readable_observation_tokens()


def test_an_unknown_fact_group_is_refused():
    with pytest.raises(KeyError):
        templates(frozenset({"horoscope"}))


def test_group_of_field_names_the_group():
    assert group_of_field()["frax_major"] == "frax" and group_of_field()["dxa_other_sites"] == "dxa"

"""Prefetch templates are generated from the value sets and cover what the mapping reads."""

from __future__ import annotations

from urllib.parse import urlsplit

from fhir_mappings.prefetch import prefetch_templates
from fhir_mappings.valuesets import lookup

EXPECTED_KEYS = {
    "patient", "observations", "conditions", "procedures", "medicationRequests", "medicationStatements",
    "medicationAdministrations", "medicationDispenses", "familyMemberHistory", "allergyIntolerances",
}


def test_keys_cover_every_resource_type_the_mapping_reads():
    assert set(prefetch_templates()) == EXPECTED_KEYS


def test_patient_template():
    assert prefetch_templates()["patient"] == "Patient/{{context.patientId}}"


def test_observation_query_lists_every_guideline_dxa_code_as_system_code_tokens():
    query = prefetch_templates()["observations"]
    assert query.startswith("Observation?patient={{context.patientId}}&code=")
    tokens = query.split("&code=")[1].split(",")
    for code in ("38267-1", "38264-8", "80945-9", "80946-7", "38263-0", "80947-5", "80948-3", "104938-6",
                 "85394-5", "24966-4", "90265-0", "90266-8", "62292-8", "14635-7", "75856-5", "29463-7", "39156-5"):
        assert f"http://loinc.org|{code}" in tokens
    table = lookup("Observation")
    assert all(code in table[system] for system, code in (t.split("|") for t in tokens))


def test_procedure_query_asks_for_palliative_care():
    assert "http://snomed.info/sct|103735009" in prefetch_templates()["procedures"]


def test_prefix_matched_types_fetch_all_of_the_patients_records():
    templates = prefetch_templates()
    assert templates["conditions"] == "Condition?patient={{context.patientId}}"
    assert templates["medicationRequests"] == (
        "MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication"
    )
    assert templates["familyMemberHistory"] == "FamilyMemberHistory?patient={{context.patientId}}"


def test_urls_stay_reasonable():
    for query in prefetch_templates().values():
        assert len(query) < 2000
        assert urlsplit(query).scheme == ""

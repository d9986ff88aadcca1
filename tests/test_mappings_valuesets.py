"""Value sets as data: shape, provenance of every code, and matching rules (prefix, system spellings)."""

from __future__ import annotations

import json

import pytest

from fhir_mappings.valuesets import VALUESET_DIR, match_coding, valuesets
from tests.test_mappings_helpers import SHARED

STATUSES = {"verified", "verified-secondary", "unverified"}
TERMINOLOGY = json.loads((SHARED / "spec" / "terminology.json").read_text())


@pytest.mark.parametrize("path", sorted(VALUESET_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_every_value_set_file_names_its_purpose_source_and_codes(path):
    data = json.loads(path.read_text())
    assert data["name"] == path.stem
    assert data["purpose"] and data["source"] and data["codes"]
    for code in data["codes"]:
        assert code["system"].startswith("http") and code["code"] and code["display"] and code["source"]
        assert code["status"] in STATUSES


def test_codes_taken_from_terminology_json_keep_its_status():
    status = {}
    for entry in TERMINOLOGY:
        for code in entry["code"].split(" / "):
            status[code.strip()] = entry["status"]
    for vs in valuesets().values():
        for c in vs.codes:
            if c.listed in status and c.system != "http://hl7.org/fhir/sid/icd-10":
                assert c.status == status[c.listed], (vs.name, c.listed)


def test_codes_added_beyond_terminology_json_are_marked():
    z_drugs = valuesets()["z-drugs"].codes[0]
    assert (z_drugs.code, z_drugs.status, z_drugs.prefix) == ("N05CF", "unverified", True)


def test_atc_class_prefix_matches_a_substance_code():
    names = {c.valueset for c in match_coding("http://www.whocc.no/atc", "N05BA12")}
    assert names == {"benzodiazepines"}


def test_atc_system_spelled_with_trailing_slash_matches():
    codes = match_coding("http://www.whocc.no/atc/", "M05BX04")
    assert [c.get("agent") for c in codes] == ["denosumab"]


def test_icd10_codes_match_with_or_without_dot_and_by_category():
    hip = match_coding("http://hl7.org/fhir/sid/icd-10-cm", "S72001A")
    assert [c.get("site") for c in hip] == ["hip"]
    assert match_coding("http://hl7.org/fhir/sid/icd-10-cm", "M80.08XA")[0].get("site") == "vertebra"


def test_excluded_fracture_sites_are_data():
    excluded = {c.get("excluded") for c in valuesets()["fractures"].codes if c.get("excluded")}
    assert excluded == {"face", "skull", "fingers", "toes", "cervical-spine", "pathological"}


def test_forearm_t_score_is_recognised_as_forearm():
    (code,) = match_coding("http://loinc.org", "38265-5")
    assert (code.valueset, code.get("site")) == ("dxa-t-score", "forearm")


def test_unknown_code_matches_nothing():
    assert match_coding("http://loinc.org", "2345-7") == ()
    assert match_coding(None, "38267-1") == ()

"""Real Synthea output from ../shared/synthea maps without error, with its gaps reported."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from fhir_mappings import build_facts
from fhir_mappings.facts import Agent, DxaSite, FractureSite, PatientFacts
from tests.test_mappings_helpers import SYNTHEA

TODAY = date(2021, 12, 31)
BUNDLES = sorted((SYNTHEA / "bundles").glob("*.json"))
EXTRACTS = sorted((SYNTHEA / "extracts").glob("*.json"))


def _facts(path: Path) -> PatientFacts:
    return build_facts(json.loads(path.read_text()), today=TODAY)


def _bundle(first_name: str) -> PatientFacts:
    return _facts(next(p for p in BUNDLES if p.name.startswith(first_name)))


def test_all_ten_patients_are_present():
    assert (len(BUNDLES), len(EXTRACTS)) == (10, 10)


@pytest.mark.parametrize("path", BUNDLES + EXTRACTS, ids=lambda p: p.name[:24])
def test_maps_without_error_and_dxa_gaps_are_reported(path):
    facts = _facts(path)
    assert facts.patient_id and facts.age is not None
    forearm_scans = [m for e in facts.dxa for m in e.measurements if m.site is DxaSite.FOREARM]
    gaps = [g for g in facts.gaps if g.code == "non-guideline-dxa-site"]
    assert len(gaps) == len(forearm_scans)
    assert all(e.lowest_t is None for e in facts.dxa)
    if forearm_scans:  # the latest forearm result is a fact of its own: "DXA at a site the guideline does not use"
        latest = max(forearm_scans, key=lambda m: m.date)
        assert latest in facts.dxa_other_sites and all(m.date <= latest.date for m in facts.dxa_other_sites)


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda p: p.name[:24])
def test_extract_gives_the_same_picture_as_the_full_bundle(bundle):
    extract = SYNTHEA / "extracts" / bundle.name.replace(".json", ".extract.json")
    full, slim = _facts(bundle), _facts(extract)
    assert (slim.patient_id, slim.sex, slim.deceased, slim.dxa, slim.fractures, slim.therapies) == (
        full.patient_id, full.sex, full.deceased, full.dxa, full.fractures, full.therapies
    )


def test_hallie_alendronate_ongoing_and_forearm_t_scores_kept():
    facts = _bundle("Hallie")
    assert [(e.agent, e.start, e.end) for e in facts.therapies] == [(Agent.ALENDRONIC_ACID, date(2016, 10, 9), None)]
    assert [round(e.measurements[0].value, 2) for e in facts.dxa] == [-0.02, -3.31]
    assert facts.postmenopausal is True and facts.assumptions[0].code == "postmenopausal-by-age"


def test_wendell_is_deceased_with_two_osteoporotic_hip_fractures():
    facts = _bundle("Wendell")
    hips = [(f.date.isoformat(), f.osteoporotic) for f in facts.fractures if f.site is FractureSite.HIP]
    assert facts.deceased and hips == [("2010-02-28", True), ("2011-05-24", True)]


def test_tai_is_deceased_and_untreated():
    facts = _bundle("Tai")
    assert facts.deceased and facts.therapies == () and facts.risk_factors[0].code == "osteoporosis"


def test_caridad_has_no_bone_data_at_all():
    facts = _bundle("Caridad")
    assert (facts.dxa, facts.fractures, facts.therapies) == ((), (), ())
    assert facts.weight is not None and facts.weight.unit == "kg"

"""DXA: sites, lowest T of guideline sites, hip T, Z-scores, BMD change; statuses and invalid records."""

from __future__ import annotations

import copy

from fhir_mappings import build_facts
from fhir_mappings.facts import DataGap, Decision, DxaKind, DxaSite
from tests.test_mappings_helpers import TODAY, by_id, facts_of, resources

FACTS = facts_of("dxa-multisite")


def test_exams_are_per_date_oldest_first():
    assert [e.date.isoformat() for e in FACTS.dxa] == ["2020-03-02", "2022-03-10"]
    assert FACTS.latest_dxa is FACTS.dxa[-1]


def test_lowest_t_ignores_the_forearm():
    first = FACTS.dxa[0]
    assert (first.lowest_t.site, first.lowest_t.value) == (DxaSite.LUMBAR_SPINE, -2.7)
    assert any(m.site is DxaSite.FOREARM and m.value == -3.5 for m in first.measurements)
    assert DataGap("non-guideline-dxa-site", "forearm T-score -3.5, 2020-03-02", "Observation/dxa1-fa-t") in FACTS.gaps


def test_the_latest_result_at_a_site_the_guidelines_do_not_use_is_a_fact_of_its_own():
    (forearm,) = FACTS.dxa_other_sites
    assert (forearm.site, forearm.kind, forearm.value, forearm.date.isoformat(), forearm.source.reference) == (
        DxaSite.FOREARM, DxaKind.T_SCORE, -3.5, "2020-03-02", "Observation/dxa1-fa-t"
    )


def test_femur_code_with_femoral_neck_body_site_is_femoral_neck_and_the_hip_t():
    first = FACTS.dxa[0]
    assert (first.hip_t.site, first.hip_t.value) == (DxaSite.FEMORAL_NECK, -2.4)


def test_femur_code_without_body_site_is_proximal_femur_taken_as_hip():
    second = FACTS.dxa[1]
    assert (second.hip_t.site, second.hip_t.laterality, second.hip_t.value) == (DxaSite.FEMUR, "left", -2.0)
    assert ("femur-site-taken-as-hip", (("reference", "Observation/dxa2-femur-t"),)) in [
        (a.code, a.params) for a in FACTS.assumptions
    ]


def test_z_score_and_provenance():
    z = FACTS.dxa[0].lowest_z
    assert (z.kind, z.value, z.source.reference, z.source.recorded) == (
        DxaKind.Z_SCORE, -2.2, "Observation/dxa1-ls-z", "-2.2 {Z-score}"
    )


def test_bmd_in_mg_per_cm2_is_converted_and_loss_is_against_the_same_site():
    hip_bmd = next(m for m in FACTS.dxa[0].measurements if m.kind is DxaKind.BMD and m.site is DxaSite.TOTAL_HIP)
    assert hip_bmd.value == 0.78
    assert (FACTS.dxa[1].bmd_change_pct, FACTS.dxa[1].bmd_change_site) == (-5.88, DxaSite.LUMBAR_SPINE)


def test_preliminary_is_reported_not_used_and_entered_in_error_never_counts():
    second = FACTS.dxa[1]
    assert second.lowest_t.value == -2.9
    assert all(m.value not in (-3.6, -4.1) for m in second.measurements)
    assert DataGap("not-final", "status preliminary", "Observation/dxa2-ls-t-prelim", Decision.DXA) in FACTS.gaps
    assert not any(g.reference == "Observation/dxa2-ls-t-eie" for g in FACTS.gaps)


def test_invalid_observation_is_skipped_and_named():
    gap = next(g for g in FACTS.gaps if g.code == "invalid-resource")
    assert (gap.reference, gap.decision) == ("Observation/dxa2-hip-t-broken", Decision.DXA)
    assert all(m.source.resource_id != "dxa2-hip-t-broken" for e in FACTS.dxa for m in e.measurements)


def test_results_after_today_are_not_known_yet():
    assert all(e.date <= TODAY for e in FACTS.dxa)


def test_t_score_coded_in_two_systems_and_without_unit():
    record = resources("dxa-multisite")
    extra = copy.deepcopy(by_id(record, "dxa1-ls-t"))
    extra.update(id="dxa-snomed-and-loinc", effectiveDateTime="2023-05-05", valueQuantity={"value": -3.1})
    extra["code"]["coding"].insert(0, {"system": "http://snomed.info/sct", "code": "385519000", "display": "T-score"})
    facts = build_facts([*record, extra], today=TODAY)
    assert (facts.latest_dxa.date.isoformat(), facts.latest_dxa.lowest_t.value) == ("2023-05-05", -3.1)


def test_observation_without_value_is_a_gap():
    record = resources("dxa-multisite")
    empty = copy.deepcopy(by_id(record, "dxa1-ls-t"))
    empty["id"] = "no-value"
    del empty["valueQuantity"]
    empty["dataAbsentReason"] = {"text": "not performed"}
    facts = build_facts([*record, empty], today=TODAY)
    assert any(g.code == "no-value" and g.reference == "Observation/no-value" for g in facts.gaps)

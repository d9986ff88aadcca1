"""Draft orders as real clients send them, read into `DraftOrder` facts (fhir_mappings/drafts.py)."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from fhir.resources.R4B.medicationrequest import MedicationRequest
from hypothesis import given, settings
from hypothesis import strategies as st

import pathways.orders
from fhir_mappings import build_facts
from fhir_mappings.bundle import iter_resources
from fhir_mappings.drafts import read_drafts
from fhir_mappings.facts import Agent

TODAY = date(2026, 11, 22)
CDS = Path(__file__).resolve().parents[2] / "shared" / "cds-hooks"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"


def draft(rid: str = "d1", atc: str | None = "M05BA04", *, dose: float | None = 70, unit: str = "mg", every: tuple = (1, 1, "wk"),
          **more: object) -> dict:
    resource: dict = {"resourceType": "MedicationRequest", "id": rid, "status": "draft", "intent": "order",
                      "subject": {"reference": "Patient/p1"}, "authoredOn": "2026-11-22"}
    if atc:
        resource["medicationCodeableConcept"] = {"coding": [{"system": ATC, "code": atc}]}
    dosage: dict = {"timing": {"repeat": dict(zip(("frequency", "period", "periodUnit"), every))}}
    if dose is not None:
        dosage["doseAndRate"] = [{"doseQuantity": {"value": dose, "unit": unit, "system": UCUM, "code": unit}}]
    resource["dosageInstruction"] = [dosage]
    resource.update(more)
    return resource


def read(*drafts: dict, selections: list[str] | None = None, record: tuple[dict, ...] = ()):
    return read_drafts(list(drafts), list(record), today=TODAY, patient_id="p1", selections=selections)


def test_the_sandbox_shapes_are_read_and_repaired_into_valid_r4():
    """No `intent`, no subject, `category` and `doseAndRate` as objects: read, and the copy a card rewrites is R4."""
    odd = draft(category={"coding": [{"code": "community"}]})
    del odd["intent"], odd["subject"]
    odd["dosageInstruction"][0]["doseAndRate"] = odd["dosageInstruction"][0]["doseAndRate"][0]
    found = read(odd)
    (order,) = found.orders
    assert (order.agent, order.dose_mg, round(order.per_day, 4)) == (Agent.ALENDRONIC_ACID, 70.0, round(1 / 7, 4))
    repaired = MedicationRequest.model_validate(found.resources["MedicationRequest/d1"])
    assert repaired.intent == "order" and repaired.subject.reference == "Patient/p1" and len(repaired.category) == 1


def test_the_sandbox_capture_with_a_medication_is_alendronic_acid_10_mg_daily_for_30_days():
    captured = json.loads((CDS / "sandbox-captured" / "sandbox-request-osteo-os-with-med.json").read_text())
    context = captured["context"]
    found = read_drafts(list(iter_resources(context["draftOrders"])), today=TODAY, patient_id=context["patientId"],
                        selections=context["selections"])
    (order,) = found.orders
    assert (order.agent, order.dose_mg, order.per_day, order.expected_days, order.selected) == (Agent.ALENDRONIC_ACID, 10.0, 1.0, 30, True)


def test_a_draft_without_a_medication_yet_is_not_read_and_not_a_gap():
    captured = json.loads((CDS / "sandbox-captured" / "sandbox-request-osteo-os-before-med-chosen.json").read_text())
    context = captured["context"]
    found = read_drafts(list(iter_resources(context["draftOrders"])), today=TODAY, patient_id=context["patientId"])
    assert found.orders == () and found.gaps == ()


def test_the_spec_example_drafts_name_no_drug_the_checks_are_about():
    """Amoxicillin (doseAndRate as an object) and a NutritionOrder: read leniently, neither is checked."""
    context = json.loads((CDS / "spec-examples" / "order-select-context-r4.json").read_text())["context"]
    found = read_drafts(list(iter_resources(context["draftOrders"])), today=TODAY, patient_id=context["patientId"],
                        selections=context["selections"])
    assert found.orders == () and found.gaps == ()


def test_a_drug_in_a_contained_medication_is_read():
    contained = draft(contained=[{"resourceType": "Medication", "id": "m", "code": {"coding": [{"system": ATC, "code": "M05BX04"}]}}],
                      medicationReference={"reference": "#m"}, dose=60, every=(1, 6, "mo"))
    del contained["medicationCodeableConcept"]
    (order,) = read(contained).orders
    assert order.agent is Agent.DENOSUMAB and round(1 / order.per_day) == 183


def test_another_patients_draft_and_an_invalid_one_are_skipped_the_invalid_one_named():
    other = draft("d2", subject={"reference": "Patient/someone-else"})
    broken = draft("d3", dosageInstruction="70 mg weekly")
    found = read(draft(), other, broken)
    assert [o.reference for o in found.orders] == ["MedicationRequest/d1"]
    assert [(g.code, g.reference) for g in found.gaps] == [("invalid-resource", "MedicationRequest/d3")]


def test_order_select_marks_the_selected_drafts_by_reference_or_url():
    found = read(draft("d1"), draft("d2"), selections=["https://ehr.example.org/fhir/MedicationRequest/d2"])
    assert [(o.reference, o.selected) for o in found.orders] == [("MedicationRequest/d1", False), ("MedicationRequest/d2", True)]
    assert all(o.selected for o in read(draft("d1"), draft("d2")).orders)  # order-sign: every draft


@pytest.mark.parametrize(("more", "days"), [
    ({"dispenseRequest": {"expectedSupplyDuration": {"value": 30, "unit": "d", "system": UCUM, "code": "d"}, "numberOfRepeatsAllowed": 5}}, 180),
    ({"dispenseRequest": {"quantity": {"value": 180, "unit": "tablet", "system": UCUM, "code": "{tbl}"}}}, 90),
    ({"dispenseRequest": {"validityPeriod": {"start": "2026-11-22", "end": "2027-05-22"}}}, 181),
    ({}, None),
])
def test_the_expected_duration_of_a_glucocorticoid_draft(more, days):
    """Supply x (repeats + 1), else the quantity at the dose (2 tablets a day), else the validity period."""
    prednisone = draft(atc="H02AB07", dose=2, unit="{tbl}", every=(1, 1, "d"), **more)
    prednisone["medicationCodeableConcept"] = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "312617"}]}
    (order,) = read(prednisone).orders
    assert order.expected_days == days and order.glucocorticoid.prednisone_mg_per_day == 10.0
    assert order.glucocorticoid.planned_days == days


def test_a_bounds_duration_and_a_planned_start_are_read():
    later = draft(atc="A02BC01", dose=20, every=(1, 1, "d"))
    later["dosageInstruction"][0]["timing"]["repeat"].update(boundsPeriod={"start": "2027-01-10"})
    long_term = draft("d2", atc="A02BC01", dose=20, every=(1, 1, "d"))
    long_term["dosageInstruction"][0]["timing"]["repeat"]["boundsDuration"] = {"value": 12, "unit": "mo", "system": UCUM, "code": "mo"}
    first, second = read(later, long_term).orders
    assert first.start == date(2027, 1, 10) and first.classes == ("ppi",)
    assert second.expected_days == 365


def test_teriparatide_in_micrograms_and_denosumab_120_mg_is_an_oncology_regimen():
    teriparatide, xgeva = draft("d1", "H05AA02", dose=20, unit="ug", every=(1, 1, "d")), draft("d2", "M05BX04", dose=120, every=(1, 4, "wk"))
    first, second = read(teriparatide, xgeva).orders
    assert (first.agent, first.dose_mg) == (Agent.TERIPARATIDE, 0.02)
    assert second.agent is None  # not an osteoporosis order: no osteoporosis check applies


def test_a_single_infusion_and_an_unreadable_timing():
    single = draft("d1", "M05BA08", dose=5, every=())
    single["dosageInstruction"][0]["timing"]["repeat"] = {"count": 1}
    untimed = draft("d2")
    del untimed["dosageInstruction"][0]["timing"]
    first, second = read(single, untimed).orders
    assert first.single and first.per_day is None
    assert not second.single and second.per_day is None  # no timing: how often is not known (said on order-sign)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
SHAPES = [draft(), draft("d2", "M05BX04", dose=60, every=(1, 6, "mo")), draft("d3", "H02AB07", dose=10, every=(1, 1, "d"))]


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_a_mangled_draft_never_crashes_the_checks(data):
    """Any value in any element of a draft (a known drug's): read or skipped with a gap, and the checks still run."""
    mangled = copy.deepcopy(data.draw(st.sampled_from(SHAPES)))
    field = data.draw(st.sampled_from(sorted(k for k in mangled if k not in ("resourceType",))))
    mangled[field] = data.draw(json_values)
    found = read(mangled)
    assert len(found.orders) + len(found.gaps) <= 1
    facts = build_facts([{"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-01-01"}], today=TODAY)
    for sign in (True, False):
        assert isinstance(pathways.orders.evaluate("rcop-2023", facts, found.orders, sign=sign, gaps=found.gaps), list)

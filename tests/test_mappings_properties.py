"""Property tests: unit conversion round-trips, and the facts do not depend on resource order."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_mappings import build_facts
from fhir_mappings.units import convert
from tests.test_mappings_helpers import TODAY, resources

PAIRS = [("kg", "[lb_av]"), ("cm", "[in_i]"), ("g/cm2", "mg/cm2"), ("mg", "ug"), ("d", "wk"), ("mmol/L", "umol/L"), ("mo", "d")]
values = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(value=values, pair=st.sampled_from(PAIRS))
def test_unit_conversion_round_trips(value, pair):
    there = convert(value, *pair)
    assert there is not None
    assert convert(there, pair[1], pair[0]) == pytest.approx(value, rel=1e-9)


@given(value=values)
def test_vitamin_d_round_trips(value):
    ng = convert(value, "nmol/L", "ng/mL", "vitamin-d")
    assert convert(ng, "ng/mL", "nmol/L", "vitamin-d") == pytest.approx(value, rel=1e-9)


ALL = [r for name in ("dxa-multisite", "osteoporosis-therapy", "glucocorticoids") for r in resources(name)]
MIXED = [r for r in ALL if r["resourceType"] != "Patient"] + [next(r for r in ALL if r["resourceType"] == "Patient")]
REFERENCE = build_facts(MIXED, today=TODAY)


@settings(max_examples=25, deadline=None)
@given(order=st.permutations(MIXED))
def test_shuffling_resource_order_changes_nothing(order):
    assert build_facts(order, today=TODAY) == REFERENCE


def test_the_shuffled_record_is_not_trivial():
    assert len(REFERENCE.dxa) == 2 and len(REFERENCE.therapies) == 4 and len(REFERENCE.glucocorticoids) == 4


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None)
@given(index=st.integers(min_value=0, max_value=len(MIXED) - 1), data=st.data())
def test_a_mangled_field_never_crashes_and_never_leaks_into_facts(index, data):
    mangled = copy.deepcopy(MIXED)
    target = mangled[index]
    field = data.draw(st.sampled_from(sorted(k for k in target if k not in ("resourceType", "id"))))
    target[field] = data.draw(json_values)
    facts = build_facts(mangled, today=TODAY)
    assert facts.patient_id == "pat-1"
    assert all(isinstance(m.value, float) for e in facts.dxa for m in e.measurements)
    assert all(isinstance(g.prednisone_mg_per_day, float | None) for g in facts.glucocorticoids)

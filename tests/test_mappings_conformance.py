"""`conformance.problem` agrees with fhir.resources on the projection it checks, on real records and mangled ones:
its fast walk may only skip fhir.resources when fhir.resources would have accepted the record."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from fhir.resources.R4B import get_fhir_model_class
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fhir_mappings.bundle import iter_resources
from fhir_mappings.conformance import defined, problem
from fhir_mappings.records import READ

ROOT = Path(__file__).resolve().parents[1]
RECORDS = [
    r for path in sorted((ROOT / "fixtures").glob("*/*.json")) for r in iter_resources(json.loads(path.read_text()))
    if r["resourceType"] in READ
]


def reference(resource: dict, names: tuple[str, ...]) -> str | None:
    """What fhir.resources says of the same projection (read elements, their `_x`, required and undefined names)."""
    model = get_fhir_model_class(resource["resourceType"])
    required = {n for n, f in model.model_fields.items() if f.is_required() or (f.json_schema_extra or {}).get("element_required")}
    wanted = {*names, *(f"_{n}" for n in names), *required}
    try:
        model.model_validate({k: v for k, v in resource.items() if k in wanted or k not in defined(model)})
    except (ValidationError, ValueError, TypeError, AttributeError) as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


def test_every_element_the_mapping_reads_is_one_its_type_defines():
    for kind, names in READ.items():
        assert set(names) <= defined(get_fhir_model_class(kind)), kind


def test_the_fixtures_are_judged_as_fhir_resources_judges_them():
    assert len(RECORDS) > 1000
    for r in RECORDS:
        assert problem(r, READ[r["resourceType"]]) == reference(r, READ[r["resourceType"]]), r.get("id")


ODD = st.sampled_from([
    None, "", " x", "a  b", 0, -1, 5, 5.5, 2**40, True, "true", float("inf"), [], {}, [None], [[]], {"x": 1},
    "2019-02-30", "2019-13", "2020-01-01T10:00", "2020-01-01T10:00:00+01:00", "2020", "urn:uuid:x", {"reference": ""},
    {"coding": None}, {"coding": [None]}, {"extension": []}, [{"text": 5}], {"value": "1"}, {"resourceType": "Dosage"},
])
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
                    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=6), inner, max_size=2),
                    max_leaves=4)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_a_mangled_record_is_judged_as_fhir_resources_judges_it(data):
    record = copy.deepcopy(data.draw(st.sampled_from(RECORDS)))
    path = data.draw(st.sampled_from([p for p in _paths(record) if p and p[0] != "resourceType"]))
    parent = record
    for step in path[:-1]:
        parent = parent[step]
    action = data.draw(st.sampled_from(["replace", "replace", "add", "delete"]))
    if action == "delete":
        del parent[path[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent[data.draw(st.sampled_from(["extension", "id", "text", "x", f"_{path[-1]}"]))] = data.draw(ODD | JSON)
    else:
        parent[path[-1]] = data.draw(ODD | JSON)
    names = READ[record["resourceType"]]
    assert problem(record, names) == reference(record, names)


@pytest.mark.parametrize("value", [True, 1, "1", 1.0])
def test_equal_values_of_other_types_are_never_mixed_up(value):
    """The memo of primitive checks keys on the type too: 1, 1.0 and True are equal in Python, not in FHIR."""
    coding = {"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": "s", "code": value}]}}
    assert (problem(coding, ("code",)) is None) == (reference(coding, ("code",)) is None)

"""Is a resource, restricted to some of its elements, valid FHIR R4B? fhir.resources decides; a fast path asks it less.

`problem(resource, names)` validates the projection of the resource onto `names` (the elements the mapping
reads, with the `_name` extensions of primitives and the type's required elements), plus every element
name the type does not define: a misspelt `onsetDatetime` must not let the recorded date pass for the
onset. Values of defined elements outside `names` are not looked at.

Validating with the fhir.resources models costs 100-200 us per resource, most of it in the models'
Python validators. `_valid` walks the projection with the same models' field tables instead (types,
cardinality, required elements, choice types, nulls in lists, contained resources), checking each
primitive value with fhir.resources' own validator for that field (memoised: codes, systems and
references repeat). It only ever answers "certainly valid"; anything it does not accept, or does not
know (a model with validators of its own), goes to fhir.resources, whose verdict (and message) stands. `tests/test_mappings_conformance.py`
compares the two on mutated records.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir_core.fhirabstractmodel import FHIRAbstractModel
from fhir_core.types import FhirBase, FhirElementOrResourceBase
from pydantic import TypeAdapter, ValidationError


@dataclass(frozen=True, slots=True)
class _Field:
    is_list: bool
    model: type[FHIRAbstractModel] | None  # a complex type's model; None for a primitive or a resource
    is_resource: bool  # any resource, its type named by its resourceType (contained)
    primitive: TypeAdapter | None  # fhir.resources' own validator of one primitive value
    required: bool  # present and not null (an element_required primitive with only `_x`: the slow path)
    choice: int | None  # the choice type (value[x], ...) it belongs to: an index into `_Schema.choices`


@dataclass(frozen=True, slots=True)
class _Schema:
    fields: dict[str, _Field]  # by JSON name (alias)
    required: tuple[str, ...]
    choices: tuple[bool, ...]  # per choice type: whether one of its elements is required
    opaque: bool  # the model has validators of its own (FHIRPrimitiveExtension): only fhir.resources knows


_BASE_CHECKS = frozenset(FHIRAbstractModel.__pydantic_decorators__.model_validators)


def _unwrap(annotation: Any) -> tuple[bool, Any]:
    """(is a list, the FhirBase type inside, else the primitive annotation of one item)."""
    if isinstance(annotation, type) and issubclass(annotation, FhirBase):
        return False, annotation
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list:
        return True, _unwrap(args[0])[1]
    members = [a for a in args if a is not type(None)]
    if origin in (typing.Union, types.UnionType) and len(members) == 1:
        return _unwrap(members[0])
    return False, annotation  # a primitive (Annotated), bool, or a union of primitives (fhir_comments)


@cache
def _schema(model: type[FHIRAbstractModel]) -> _Schema:
    fields: dict[str, _Field] = {}
    choices: dict[str, list] = {}  # choice name -> [index, required]
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra or {}
        is_list, inner = _unwrap(info.annotation)
        choice = None
        if extra.get("one_of_many"):
            entry = choices.setdefault(extra["one_of_many"], [len(choices), False])
            entry[1] = entry[1] or bool(extra.get("one_of_many_required"))
            choice = entry[0]
        required = info.is_required() or bool(extra.get("element_required"))
        if not (isinstance(inner, type) and issubclass(inner, FhirBase)):
            field = _Field(is_list, None, False, TypeAdapter(inner), required, choice)
        elif issubclass(inner, FhirElementOrResourceBase):
            field = _Field(is_list, None, True, None, required, choice)
        else:
            field = _Field(is_list, inner.get_model_klass(), False, None, required, choice)
        fields[info.alias or name] = field
    decorators = model.__pydantic_decorators__
    opaque = bool(set(decorators.model_validators) - _BASE_CHECKS or decorators.field_validators)
    return _Schema(fields, tuple(n for n, f in fields.items() if f.required), tuple(r for _, r in choices.values()), opaque)


@lru_cache(maxsize=8192)
def _primitive_valid(adapter: TypeAdapter, kind: type, value: Any) -> bool:
    """Memoised by value and its type (1, 1.0 and True are equal keys otherwise): codes, systems repeat."""
    try:
        adapter.validate_python(value)
    except (ValidationError, ValueError, TypeError):
        return False
    return True


def _item_ok(field: _Field, value: Any) -> bool:
    if field.primitive is not None:
        try:
            return _primitive_valid(field.primitive, type(value), value)
        except TypeError:  # unhashable: a list or object where a primitive belongs
            return False
    if type(value) is not dict:
        return False
    if field.is_resource:
        kind = value.get("resourceType")
        return isinstance(kind, str) and _resource_ok(kind, value)
    return _valid(field.model, value)


def _valid(model: type[FHIRAbstractModel], data: dict, skip: str | None = None) -> bool:
    """True only when fhir.resources would accept `data` as `model` (False: not sure, ask it)."""
    schema = _schema(model)
    if schema.opaque:
        return False
    fields, chosen = schema.fields, [0] * len(schema.choices)
    for name, value in data.items():
        field = fields.get(name)
        if field is None:
            if name != skip:
                return False
            continue
        if value is None:
            if field.required:
                return False
            continue
        if field.choice is not None:
            chosen[field.choice] += 1
        if field.is_list:
            if type(value) is not list:
                return False
            for item in value:  # a null is a primitive list's placeholder for its `_x`, never a complex item
                if item is None:
                    if field.primitive is None:
                        return False
                elif not _item_ok(field, item):
                    return False
        elif not _item_ok(field, value):
            return False
    for name in schema.required:
        if data.get(name) is None:
            return False
    for count, needed in zip(chosen, schema.choices):
        if count > 1 or (needed and not count):
            return False
    return True


@lru_cache(maxsize=256)
def _model(kind: str) -> type[FHIRAbstractModel]:
    """The fhir.resources model of a type name (ValueError: not a FHIR type)."""
    return get_fhir_model_class(kind)


def _resource_ok(kind: str, data: dict) -> bool:
    try:
        model = _model(kind)
    except ValueError:  # not a FHIR type
        return False
    return model.has_resource_base() and model.__resource_type__ == kind and _valid(model, data, skip="resourceType")


@cache
def defined(model: type[FHIRAbstractModel]) -> frozenset[str]:
    """Every JSON element name the type defines."""
    return frozenset(_schema(model).fields)


@lru_cache(maxsize=256)
def _checked(model: type[FHIRAbstractModel], names: tuple[str, ...]) -> frozenset[str]:
    """The element names validated: `names`, their primitive extensions `_name`, the type's required elements."""
    return frozenset({*names, *(f"_{n}" for n in names), *_schema(model).required})


def every_element(kind: str) -> frozenset[str]:
    """Every element name a resource type defines: for a record used whole (a draft an `update` card rewrites)."""
    return defined(_model(kind))


def problem(resource: dict, names: Collection[str]) -> str | None:
    """None when the resource is valid on `names` (see the module docstring), else fhir.resources' first line.

    Raises ValueError for a resource type fhir.resources does not know.
    """
    kind = resource["resourceType"]
    model = _model(kind)
    known, wanted = defined(model), _checked(model, tuple(names))
    projection = {k: v for k, v in resource.items() if k in wanted or k not in known}
    try:
        if _resource_ok(kind, projection):
            return None
    except RecursionError:  # nesting deeper than the walk goes: fhir.resources decides
        pass
    try:
        model.model_validate(projection)
    except (ValidationError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        # fhir.resources trips over some malformed input itself (`"_status": true`: AttributeError): invalid too
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None

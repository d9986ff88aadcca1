"""CDS Hooks prefetch templates, generated from what a service reads and the value sets the mapping matches.

A service declares the fact groups its pathways read (`data/fact-groups.json`); each group names
the value sets (or resource types) that feed it. `templates(groups)` asks for exactly those records:
a resource type whose value sets are all exact codes gets a `code=` token list (panels included, so a
DXA sent as one panel Observation is asked for too); where a value set matches by class prefix (ATC,
ICD-10 categories), or codes can sit in a referenced Medication, a token search cannot express it,
so the template asks for all of the patient's resources of that type and the mapping filters them
locally. A template longer than `MAX_TEMPLATE_CHARS` is split into several keys (`observations`,
`observations-2`, ...), so no server refuses the URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from fhir_mappings.valuesets import DATA_DIR, valuesets

PATIENT = "{{context.patientId}}"
MAX_TEMPLATE_CHARS = 2000  # URLs much longer than this are refused by some servers and proxies

# prefetch key -> (resource type, patient search parameter, _include for referenced Medication)
_QUERIES: dict[str, tuple[str, str, str | None]] = {
    "observations": ("Observation", "patient", None),
    "conditions": ("Condition", "patient", None),
    "procedures": ("Procedure", "patient", None),
    "medicationRequests": ("MedicationRequest", "patient", "MedicationRequest:medication"),
    "medicationStatements": ("MedicationStatement", "patient", "MedicationStatement:medication"),
    "medicationAdministrations": ("MedicationAdministration", "patient", "MedicationAdministration:medication"),
    "medicationDispenses": ("MedicationDispense", "patient", "MedicationDispense:medication"),
    "familyMemberHistory": ("FamilyMemberHistory", "patient", None),
    "allergyIntolerances": ("AllergyIntolerance", "patient", None),
}

# prefetch key -> the resource type it carries (Patient included): every type the mapping can read.
RESOURCE_TYPES: dict[str, str] = {"patient": "Patient", **{key: spec[0] for key, spec in _QUERIES.items()}}


@dataclass(frozen=True)
class FactGroup:
    name: str
    fields: tuple[str, ...]  # PatientFacts fields it fills
    valuesets: tuple[str, ...]  # matched on the record's code: search tokens
    element_valuesets: tuple[str, ...]  # read from another element (severity, bodySite, route): never tokens
    resource_types: tuple[str, ...]  # read without a value set
    requires: tuple[str, ...]  # groups a derived fact is computed from


@cache
def fact_groups() -> dict[str, FactGroup]:
    data = json.loads((DATA_DIR / "fact-groups.json").read_text())["groups"]
    return {
        name: FactGroup(
            name, tuple(g["fields"]), tuple(g.get("valuesets", ())), tuple(g.get("elementValuesets", ())),
            tuple(g.get("resourceTypes", ())), tuple(g.get("requires", ())),
        )
        for name, g in data.items()
    }


def closure(groups: Iterable[str]) -> tuple[str, ...]:
    """The groups with every group they require, in the data's order (KeyError for an unknown group)."""
    table, todo, found = fact_groups(), list(groups), set()
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo.extend(table[name].requires)
    return tuple(name for name in table if name in found)


def group_of_field() -> dict[str, str]:
    """PatientFacts field -> the fact group that fills it."""
    return {field: g.name for g in fact_groups().values() for field in g.fields}


def _reads(groups: tuple[str, ...], resource_type: str) -> tuple[list[str], bool]:
    """(value sets of these groups matched on `code` for this type, whether the type is read at all)."""
    table, sets = fact_groups(), valuesets()
    names = [vs for g in groups for vs in table[g].valuesets if resource_type in sets[vs].resource_types]
    direct = any(resource_type in table[g].resource_types for g in groups)
    return names, bool(names) or direct


def _tokens(names: list[str]) -> list[str] | None:
    """`system|code` tokens of these value sets, or None when a token list cannot cover them (class prefixes)."""
    tokens: list[str] = []
    for vs in names:
        for c in valuesets()[vs].codes:
            if c.prefix:
                return None
            token = f"{c.system}|{c.listed}"
            if token not in tokens:
                tokens.append(token)
    return tokens


def _split(key: str, query: str, tokens: list[str]) -> dict[str, str]:
    """`query&code=...` as one key, or several (`key`, `key-2`, ...) each within MAX_TEMPLATE_CHARS."""
    prefix = f"{query}&code="
    chunks: list[list[str]] = [[]]
    for token in tokens:
        if chunks[-1] and len(prefix) + len(",".join([*chunks[-1], token])) > MAX_TEMPLATE_CHARS:
            chunks.append([])
        chunks[-1].append(token)
    return {key if i == 0 else f"{key}-{i + 1}": prefix + ",".join(chunk) for i, chunk in enumerate(chunks)}


@cache
def templates(groups: frozenset[str]) -> dict[str, str]:
    """`{prefetch key: FHIR query}` asking for what these fact groups read (their required groups included)."""
    wanted = closure(groups)
    out: dict[str, str] = {}
    if any("Patient" in fact_groups()[g].resource_types for g in wanted):
        out["patient"] = f"Patient/{PATIENT}"
    for key, (resource_type, param, include) in _QUERIES.items():
        names, read = _reads(wanted, resource_type)
        if not read:
            continue
        query = f"{resource_type}?{param}={PATIENT}"
        tokens = None if include else _tokens(names)
        if include is not None:
            out[key] = f"{query}&_include={include}"
        elif tokens:
            out.update(_split(key, query, tokens))
        else:
            out[key] = query
    return out


def prefetch_templates() -> dict[str, str]:
    """Every template the mapping can serve: what all fact groups read together (a superset of every service's keys)."""
    return templates(frozenset(fact_groups()))


def prefetch_types() -> dict[str, str]:
    """`{prefetch key: resource type}` of `prefetch_templates()`, for clients that build the prefetch themselves."""
    return {key: query.split("?")[0].split("/")[0] for key, query in prefetch_templates().items()}

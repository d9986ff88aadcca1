"""Pass 1 of the mapping: sort raw resource dicts by type and code, before any model is built.

Observations and Procedures are kept only when a coding hits the value sets exactly as written
(one dictionary lookup each); Conditions and medication records are few and are matched fully
later (ICD/ATC class prefixes, contained or referenced Medications).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fhir_mappings.bundle import iter_resources
from fhir_mappings.collector import Collector
from fhir_mappings.medications import MEDICATION_TYPES
from fhir_mappings.provenance import ref
from fhir_mappings.valuesets import VsCode, listed_codes, lookup, lookup_concept

Matched = tuple[dict, tuple[VsCode, ...]]


@dataclass
class Sorted:
    """Pass-1 result: the records worth reading, by resource type."""

    patients: list[dict] = field(default_factory=list)
    observations: list[Matched] = field(default_factory=list)
    conditions: list[dict] = field(default_factory=list)
    procedures: list[Matched] = field(default_factory=list)
    medication_records: list[dict] = field(default_factory=list)
    medications: dict[str, dict] = field(default_factory=dict)  # Medication resources by id
    family: list[dict] = field(default_factory=list)
    allergies: list[dict] = field(default_factory=list)


def flatten(resources: Iterable[dict] | dict) -> list[dict]:
    """Resources as a flat list; Bundles (at any level) are opened with `iter_resources`."""
    items: Iterable[Any] = [resources] if isinstance(resources, dict) else resources
    flat: list[dict] = []
    for item in items:
        kind = item.get("resourceType") if isinstance(item, dict) else None
        if kind is None or kind == "Bundle" or not isinstance(kind, str):
            flat.extend(iter_resources(item))
        else:
            flat.append(item)
    return flat


def _first_look(concept: Any, codes: frozenset[str]) -> bool:
    """False only when no coding's code is one of ours, whatever its system (most lab results)."""
    try:
        coding_list = concept["coding"]
        if len(coding_list) == 1:
            return coding_list[0]["code"] in codes
        return any(c["code"] in codes for c in coding_list)
    except (KeyError, TypeError, IndexError):
        return True  # malformed: the full matcher decides


def sort_resources(flat: list[dict]) -> Sorted:
    out = Sorted()
    obs_table, proc_table, obs_codes = lookup("Observation"), lookup("Procedure"), listed_codes("Observation")
    for r in flat:
        kind = r["resourceType"]
        if kind == "Observation":
            concept = r.get("code")
            codes = lookup_concept(concept, obs_table) if _first_look(concept, obs_codes) else ()
            if codes:
                out.observations.append((r, codes))
        elif kind == "Condition":
            out.conditions.append(r)
        elif kind in MEDICATION_TYPES:
            out.medication_records.append(r)
        elif kind == "Procedure":
            codes = lookup_concept(r.get("code"), proc_table)
            if codes:
                out.procedures.append((r, codes))
        elif kind == "Medication" and isinstance(r.get("id"), str):
            out.medications[r["id"]] = r
        elif kind == "FamilyMemberHistory":
            out.family.append(r)
        elif kind == "AllergyIntolerance":
            out.allergies.append(r)
        elif kind == "Patient":
            out.patients.append(r)
    return out


def choose_patient(patients: list[dict], patient_id: str | None, ctx: Collector) -> dict | None:
    if patient_id is not None:
        chosen = next((p for p in patients if p.get("id") == patient_id), None)
        if chosen is None:
            ctx.gap("no-patient", f"Patient/{patient_id} not in the record")
        return chosen
    if len(patients) > 1:
        ctx.gap("multiple-patients", ", ".join(sorted(ref(p) for p in patients)))
    return min(patients, key=lambda p: str(p.get("id"))) if patients else None

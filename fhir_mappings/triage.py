"""Pass 1 of the mapping: sort raw resource dicts by type and code, before any model is built.

Observations and Procedures are kept only when a coding hits the value sets exactly as written
(one dictionary lookup each); Conditions and medication records are few and are matched fully
later (ICD/ATC class prefixes, contained or referenced Medications).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fhir_mappings.bundle import iter_entries
from fhir_mappings.collector import Collector
from fhir_mappings.medications import MEDICATION_TYPES
from fhir_mappings.provenance import ref
from fhir_mappings.valuesets import Table, VsCode, listed_codes, lookup, lookup_concept

Matched = tuple[dict, tuple[VsCode, ...]]


@dataclass
class Sorted:
    """Pass-1 result: the records worth reading, by resource type."""

    patients: list[dict] = field(default_factory=list)
    patient_urls: dict[int, str] = field(default_factory=dict)  # id(Patient dict) -> its Bundle entry fullUrl
    observations: list[Matched] = field(default_factory=list)
    conditions: list[dict] = field(default_factory=list)
    procedures: list[Matched] = field(default_factory=list)
    medication_records: list[dict] = field(default_factory=list)
    medications: dict[str, dict] = field(default_factory=dict)  # Medication resources by id
    family: list[dict] = field(default_factory=list)
    allergies: list[dict] = field(default_factory=list)
    duplicate_medications: set[str] = field(default_factory=set)  # Medication ids seen more than once


Flat = tuple[list[dict], dict[int, str]]


def flatten(resources: Iterable[dict] | dict | None) -> Flat:
    """Resources as a flat list, plus the fullUrl of each Patient that came in a Bundle entry.

    Bundles (at any level) are opened with `iter_entries`; None or anything that is not a
    resource, a Bundle or an iterable of them is read as an empty record, never a crash.
    """
    if resources is None or isinstance(resources, (str, bytes)):
        return [], {}
    items: Iterable[Any] = [resources] if isinstance(resources, dict) else resources
    if not isinstance(items, Iterable):
        return [], {}
    flat: list[dict] = []
    urls: dict[int, str] = {}
    for item in items:
        kind = item.get("resourceType") if isinstance(item, dict) else None
        if kind is None or kind == "Bundle" or not isinstance(kind, str):
            for url, resource in iter_entries(item):
                flat.append(resource)
                if url is not None and resource["resourceType"] == "Patient":
                    urls[id(resource)] = url
        else:
            flat.append(item)
    return flat, urls


def _first_look(concept: Any, codes: frozenset[str]) -> bool:
    """False only when no coding's code is one of ours, whatever its system (most lab results)."""
    try:
        coding_list = concept["coding"]
        if len(coding_list) == 1:
            return coding_list[0]["code"] in codes
        return any(c["code"] in codes for c in coding_list)
    except (KeyError, TypeError, IndexError):
        return True  # malformed: the full matcher decides


_DXA_VALUESETS = frozenset({"dxa-t-score", "dxa-z-score", "dxa-bmd"})
_VALUE_KEYS = ("valueQuantity", "valueInteger", "valueString", "valueCodeableConcept", "dataAbsentReason", "interpretation")


def dxa_components(panel: dict, table: Any) -> list[Matched]:
    """DXA results sent as components of a panel (value set dxa-panels, or any Observation whose components
    carry DXA codes): each as an Observation of its own.

    The copy keeps the panel's id, subject, status, date and bodySite, so it is judged, dated and
    cited as the panel; only DXA value-set codes are taken (a blood pressure's components are not).
    """
    out: list[Matched] = []
    components = panel.get("component")
    for component in components if isinstance(components, list) else ():
        if not isinstance(component, dict):
            continue
        codes = tuple(c for c in lookup_concept(component.get("code"), table) if c.valueset in _DXA_VALUESETS)
        if codes:
            base = {k: v for k, v in panel.items() if k not in _VALUE_KEYS and k != "component"}
            values = {k: v for k, v in component.items() if k in _VALUE_KEYS}
            out.append(({**base, **values, "code": component.get("code")}, codes))
    return out


@cache
def _results() -> Table:
    """The Observation table without panel codes: a panel's results are its components."""
    results = {system: {code: tuple(c for c in codes if not c.get("panel")) for code, codes in by_code.items()}
               for system, by_code in lookup("Observation").items()}
    return {system: {code: codes for code, codes in by_code.items() if codes} for system, by_code in results.items()}


def sort_resources(flat: list[dict], urls: dict[int, str] | None = None) -> Sorted:
    """Pass 1: keep, by type, the records that may become facts (see the module docstring)."""
    out = Sorted(patient_urls=dict(urls or {}))
    obs_table, proc_table, obs_codes = lookup("Observation"), lookup("Procedure"), listed_codes("Observation")
    results_table = _results()
    for r in flat:
        kind = r["resourceType"]
        if kind == "Observation":
            concept = r.get("code")
            results = lookup_concept(concept, results_table) if _first_look(concept, obs_codes) else ()
            if results:
                out.observations.append((r, results))
            elif "component" in r:
                out.observations.extend(dxa_components(r, obs_table))
        elif kind == "Condition":
            out.conditions.append(r)
        elif kind in MEDICATION_TYPES:
            out.medication_records.append(r)
        elif kind == "Procedure":
            codes = lookup_concept(r.get("code"), proc_table)
            if codes:
                out.procedures.append((r, codes))
        elif kind == "Medication" and isinstance(r.get("id"), str):
            if r["id"] in out.medications and out.medications[r["id"]] != r:
                out.duplicate_medications.add(r["id"])  # which one a record means is unknowable
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

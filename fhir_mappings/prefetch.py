"""CDS Hooks prefetch templates, generated from the same value sets the mapping matches against.

A resource type whose value sets are all exact codes gets a `code=` token list; where a value set
matches by class prefix (ATC, ICD-10 categories), or codes can sit in a referenced Medication, a
token search cannot express it, so the template asks for all of the patient's resources of that
type and the mapping filters them locally.
"""

from __future__ import annotations

from fhir_mappings.valuesets import valuesets

PATIENT = "{{context.patientId}}"

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

# prefetch key -> the resource type it carries (Patient included), for clients that build prefetch themselves.
RESOURCE_TYPES: dict[str, str] = {"patient": "Patient", **{key: spec[0] for key, spec in _QUERIES.items()}}


def code_tokens(resource_type: str) -> list[str] | None:
    """`system|code` tokens for a resource type, or None when a token list cannot cover its value sets."""
    tokens: list[str] = []
    for vs in valuesets().values():
        if resource_type not in vs.resource_types:
            continue
        for c in vs.codes:
            if c.prefix:
                return None
            token = f"{c.system}|{c.listed}"
            if token not in tokens:
                tokens.append(token)
    return tokens


def _query(resource_type: str, param: str, include: str | None) -> str:
    query = f"{resource_type}?{param}={PATIENT}"
    if include is not None:
        return f"{query}&_include={include}"
    tokens = code_tokens(resource_type)
    return f"{query}&code={','.join(tokens)}" if tokens else query


def prefetch_templates() -> dict[str, str]:
    """`{prefetch key: FHIR query}` for the discovery document."""
    templates = {"patient": f"Patient/{PATIENT}"}
    templates.update({key: _query(*spec) for key, spec in _QUERIES.items()})
    return templates

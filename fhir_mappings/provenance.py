"""Reading the small FHIR datatypes every fact needs: dates, references, quantities, provenance."""

from __future__ import annotations

from datetime import date
from typing import Any

from fhir_mappings.facts import Provenance
from fhir_mappings.valuesets import codings


def parse_date(value: Any) -> date | None:
    """The calendar date of a FHIR date/dateTime/instant ("2019", "2019-05", "2019-05-03T10:00:00Z")."""
    if not isinstance(value, str) or len(value) < 4:
        return None
    parts = value[:10].split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        return date(year, month, day)
    except ValueError:
        return None


def period_start(period: Any) -> date | None:
    return parse_date(period.get("start")) if isinstance(period, dict) else None


def period_end(period: Any) -> date | None:
    return parse_date(period.get("end")) if isinstance(period, dict) else None


def reference_id(reference: Any) -> str | None:
    """The id a Reference points at: "Patient/123", "https://x/fhir/Patient/123", "urn:uuid:123" -> "123"."""
    if not isinstance(reference, dict):
        return None
    ref = reference.get("reference")
    if not isinstance(ref, str) or not ref:
        return None
    if ref.startswith("urn:uuid:"):
        return ref[len("urn:uuid:"):]
    parts = ref.split("/_history/")[0].rstrip("/").split("/")
    return parts[-1] or None


def ref(resource: dict) -> str:
    return f"{resource.get('resourceType')}/{resource.get('id') or '?'}"


def quantity_text(quantity: Any) -> str | None:
    """A Quantity as written: value and unit."""
    if not isinstance(quantity, dict) or "value" not in quantity:
        return None
    unit = quantity.get("unit") or quantity.get("code") or ""
    comparator = quantity.get("comparator") or ""
    return f"{comparator}{quantity['value']} {unit}".strip()


def quantity_unit(quantity: dict) -> str:
    """The UCUM code when the Quantity says it is UCUM, else its human unit."""
    if quantity.get("system") == "http://unitsofmeasure.org" and quantity.get("code"):
        return str(quantity["code"])
    return str(quantity.get("unit") or quantity.get("code") or "")


def concept_text(concept: Any) -> str | None:
    """A CodeableConcept as the record wrote it: its text, else its first display, else system|code."""
    if not isinstance(concept, dict):
        return None
    if isinstance(concept.get("text"), str):
        return concept["text"]
    for coding in codings(concept):
        if coding.get("display") or coding.get("code"):
            return str(coding.get("display") or f"{coding.get('system')}|{coding.get('code')}")
    return None


def provenance(resource: dict, when: date | None, recorded: str | None = None) -> Provenance:
    return Provenance(resource.get("resourceType", "?"), resource.get("id"), when, recorded)

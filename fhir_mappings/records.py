"""Which raw records may become facts: status rules (as data), patient scoping and model validation.

Validation with `fhir.resources` R4B costs about a millisecond per resource, so it runs only on
records that already matched a value set; a record that fails it is skipped and becomes a DataGap.
"""

from __future__ import annotations

import json
from functools import cache
from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from fhir_mappings.collector import Collector
from fhir_mappings.facts import DataGap
from fhir_mappings.provenance import ref, reference_id
from fhir_mappings.valuesets import DATA_DIR, codings


@cache
def _rules() -> dict[str, Any]:
    return json.loads((DATA_DIR / "status-rules.json").read_text())


def status_of(resource: dict) -> str | None:
    """The record's status; for a Condition or AllergyIntolerance its verification status code."""
    if resource.get("resourceType") in ("Condition", "AllergyIntolerance"):
        return next((c.get("code") for c in codings(resource.get("verificationStatus"))), None)
    status = resource.get("status")
    return status if isinstance(status, str) else None


def skipped(resource: dict) -> bool:
    """True for records that never count (entered-in-error, refuted, cancelled, not-done, ...)."""
    return status_of(resource) in _rules()["skip"].get(resource.get("resourceType"), ())


def not_final(resource: dict) -> bool:
    """True for a result that is not final yet (preliminary, registered): reported, never used."""
    return status_of(resource) in _rules()["not_final"].get(resource.get("resourceType"), ())


def clinically_inactive(resource: dict) -> bool:
    """A Condition (or AllergyIntolerance) that is resolved/inactive: still history (a past fracture), no longer a present risk factor."""
    status = next((c.get("code") for c in codings(resource.get("clinicalStatus"))), None)
    return status in _rules()["inactive_clinical_status"]


def invalid(resource: dict, elements: Mapping[str, str] | None = None) -> DataGap | None:
    """A DataGap when the resource is not valid FHIR (R4B models), else None.

    With `elements` ({element name: datatype}), only those elements are validated, each against
    its datatype model: ten times cheaper, for repeated labs and vitals where only the code,
    the date and the value are read.
    """
    try:
        if elements is None:
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        else:
            for name, datatype in elements.items():
                if name in resource:
                    get_fhir_model_class(datatype).model_validate(resource[name])
    except (ValidationError, KeyError, ValueError, TypeError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return DataGap("invalid-resource", first_line[:200], ref(resource))
    return None


_SUBJECT_KEYS = ("subject", "patient")


def subject_id(resource: dict) -> str | None:
    """The patient id a record names (subject or patient), if any."""
    for key in _SUBJECT_KEYS:
        if key in resource:
            return reference_id(resource.get(key))
    return None


class Gate:
    """Decides, once per record, whether it may become a fact for this patient.

    Drops other patients' records and skipped statuses silently, reports not-final results and
    invalid resources as DataGaps. Memoised by object identity, so a record read by several
    mappers is judged (and validated) once.
    """

    def __init__(self, patient_id: str | None, ctx: Collector) -> None:
        self.patient_id = patient_id
        self.ctx = ctx
        self._judged: dict[tuple[int, bool], bool] = {}

    def admits(self, resource: dict, elements: Mapping[str, str] | None = None) -> bool:
        """True when the record may become a fact; `elements` limits validation (see `invalid`)."""
        key = (id(resource), elements is None)
        if key not in self._judged:
            self._judged[key] = self._judge(resource, elements)
        return self._judged[key]

    def _judge(self, resource: dict, elements: Mapping[str, str] | None) -> bool:
        subject = subject_id(resource)
        if self.patient_id is not None and subject is not None and subject != self.patient_id:
            return False
        if skipped(resource):
            return False
        if not_final(resource):
            self.ctx.gap("not-final", f"status {resource.get('status')}", ref(resource))
            return False
        gap = invalid(resource, elements)
        if gap is not None:
            self.ctx.add(gap)
            return False
        return True

    def filter(self, resources: list[dict]) -> list[dict]:
        """The admitted records, in a fixed order (type, id) whatever the input order."""
        ordered = sorted(resources, key=lambda r: (r["resourceType"], str(r.get("id"))))
        return [r for r in ordered if self.admits(r)]

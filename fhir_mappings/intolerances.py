"""AllergyIntolerance to an osteoporosis drug -> `CodedFact` whose code is the `Agent` value.

The pathways use these to avoid suggesting a drug the patient did not tolerate; an inactive or
refuted intolerance is not one.
"""

from __future__ import annotations

from datetime import date

from fhir_mappings.facts import CodedFact
from fhir_mappings.provenance import parse_date, provenance
from fhir_mappings.records import clinically_inactive
from fhir_mappings.therapy import OSTEOPOROSIS_VALUESETS
from fhir_mappings.valuesets import match_concept


def map_intolerances(records: list[dict], today: date) -> tuple[CodedFact, ...]:
    """Active intolerances to an osteoporosis agent recorded by `today` (later records are not known yet)."""
    found: dict[str, CodedFact] = {}
    for resource in records:
        if clinically_inactive(resource):
            continue
        when = parse_date(resource.get("recordedDate")) or parse_date(resource.get("onsetDateTime"))
        if when is not None and when > today:
            continue
        for code in match_concept([resource.get("code")]):
            agent = code.get("agent") if code.valueset in OSTEOPOROSIS_VALUESETS else None
            if agent and agent not in found:
                found[agent] = CodedFact(agent, code.display, when, provenance(resource, when, code.display))
    return tuple(sorted(found.values(), key=lambda f: (f.code, f.date or date.min)))

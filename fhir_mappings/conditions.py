"""Coded findings: risk factors, contraindications, limited life expectancy, falls, menopause, family history.

Clinical status matters only where it changes the meaning: a resolved risk factor is no longer
present, while a past myocardial infarction or jaw osteonecrosis stays a contraindication.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache

from fhir_mappings.collector import Collector
from fhir_mappings.facts import CodedFact, Measured
from fhir_mappings.fractures import condition_date
from fhir_mappings.provenance import concept_text, parse_date, provenance, ref
from fhir_mappings.records import clinically_inactive
from fhir_mappings.valuesets import DATA_DIR, VsCode, codings, match_concept, valuesets

Matched = tuple[dict, tuple[VsCode, ...]]
SAFETY_VALUESETS = ("safety-conditions", "safety-procedures")



@cache
def _parent_codes() -> dict[tuple[str, str], bool]:
    """(system, code) of a parent relationship -> whether the code is verified."""
    data = json.loads((DATA_DIR / "family-relationships.json").read_text())
    return {(e["system"], c): e["status"] == "verified" for e in data["parents"] for c in e["codes"]}


def record_date(resource: dict) -> date | None:
    if resource.get("resourceType") == "Procedure":
        return parse_date(resource.get("performedDateTime")) or parse_date(
            (resource.get("performedPeriod") or {}).get("start")
        )
    return condition_date(resource)


def _fact(resource: dict, code: VsCode) -> CodedFact:
    when = record_date(resource)
    recorded = concept_text(resource.get("code")) or code.display
    return CodedFact(code.get("concept") or code.valueset, code.display, when, provenance(resource, when, recorded))


def _key(fact: CodedFact) -> tuple:
    return (fact.date or date.min, fact.source.reference)


def coded_facts(
    matched: list[Matched], valueset: str, today: date, *, active_only: bool, earliest: bool
) -> tuple[CodedFact, ...]:
    """One fact per concept of a value set: the earliest (onset of a risk factor) or the latest record.

    Records dated after `today` are not known yet on that date and are left out.
    """
    by_concept: dict[str, CodedFact] = {}
    for resource, codes in matched:
        if active_only and clinically_inactive(resource):
            continue
        for code in codes:
            if code.valueset != valueset:
                continue
            fact = _fact(resource, code)
            if fact.date is not None and fact.date > today:
                continue
            kept = by_concept.get(fact.code)
            if kept is None or (_key(fact) < _key(kept) if earliest else _key(fact) > _key(kept)):
                by_concept[fact.code] = fact
    return tuple(sorted(by_concept.values(), key=lambda f: (f.code, _key(f))))


def latest_fact(matched: list[Matched], valueset: str, today: date) -> CodedFact | None:
    """The most recent active record of a value set (e.g. palliative care, recorded non-adherence)."""
    facts = coded_facts(matched, valueset, today, active_only=True, earliest=False)
    return max(facts, key=_key) if facts else None


def spine_imaging(matched: list[Matched], today: date) -> tuple[CodedFact, ...]:
    """The latest completed VFA / spine X-ray of each kind (a planned or running one answers nothing yet)."""
    done = [(r, c) for r, c in matched if r.get("resourceType") != "Procedure" or r.get("status") == "completed"]
    return coded_facts(done, "spine-imaging", today, active_only=False, earliest=False)


def postmenopausal_record(matched: list[Matched], today: date) -> CodedFact | None:
    facts = coded_facts(matched, "postmenopausal", today, active_only=False, earliest=True)
    return min(facts, key=_key) if facts else None


def fall_conditions(matched: list[Matched]) -> list[Measured]:
    """A fall Condition counts as at least one fall, dated by its onset."""
    out = []
    for resource, codes in matched:
        if resource.get("resourceType") == "Condition" and any(c.valueset == "falls" for c in codes):
            when = condition_date(resource)
            out.append(Measured(1.0, "/a", when, provenance(resource, when, concept_text(resource.get("code")))))
    return out


def parental_hip_fracture(histories: list[dict], ctx: Collector) -> CodedFact | None:
    """A mother's or father's hip fracture from FamilyMemberHistory recorded by `today`.

    A relationship coded only in SNOMED CT (codes recalled, unverified) is flagged like any unverified code.
    """
    today = ctx.today
    found = []
    parents = _parent_codes()
    for resource in histories:
        if (parse_date(resource.get("date")) or date.min) > today:
            continue  # recorded after the evaluation date: not known then
        keys = [(c.get("system"), c.get("code")) for c in codings(resource.get("relationship"))]
        roles = {code for system, code in keys if (system, code) in parents}
        if not roles:
            continue
        verified = any(parents.get(k) for k in keys)
        conditions = resource.get("condition")
        for condition in conditions if isinstance(conditions, list) else ():
            code = condition.get("code") if isinstance(condition, dict) else None
            hips = [c for c in match_concept([code], "fractures") if c.get("site") == "hip"]
            if hips:
                when = parse_date(resource.get("date"))
                role = sorted(roles)[0]
                if not verified:
                    ctx.assume("unverified-code", coding=next(f"{s}|{c}" for s, c in keys if (s, c) in parents), reference=ref(resource))
                found.append(CodedFact("parental-hip-fracture", hips[0].display, when, provenance(resource, when, role)))
    return min(found, key=_key) if found else None


def safety_facts(matched: list[Matched], today: date) -> tuple[tuple[CodedFact, ...], CodedFact | None]:
    """(contraindication facts of the `safety-conditions` and `safety-procedures` value sets, latest hip-fracture surgery).

    Whether a resolved record still counts, and how long an unended one lasts, is per concept in
    the value sets' `concepts` (a past VTE counts, a past pregnancy does not).
    """
    rules = {k: v for name in SAFETY_VALUESETS for k, v in valuesets()[name].extra["concepts"].items()}
    ever = [f for name in SAFETY_VALUESETS for f in coded_facts(matched, name, today, active_only=False, earliest=False)]
    active = [f for name in SAFETY_VALUESETS for f in coded_facts(matched, name, today, active_only=True, earliest=False)]
    facts = [f for f in ever if not rules[f.code]["active_only"]] + [f for f in active if rules[f.code]["active_only"]]
    facts = [f for f in facts if f.date is None or "max_age_days" not in rules[f.code] or (today - f.date).days <= rules[f.code]["max_age_days"]]
    surgery = next((f for f in facts if f.code == "hip-fracture-surgery"), None)
    return tuple(f for f in facts if f.code != "hip-fracture-surgery"), surgery

"""Fracture Conditions -> `Fracture` facts with site class, date, Genant grade and why one does not count.

A resolved fracture is still a past fracture, so clinical status is ignored here. A site-less
"pathological fracture due to osteoporosis" recorded on the same date as a site-specific fracture
describes that same fracture (Synthea writes both): it marks the site-specific one osteoporotic
instead of being counted twice. A site-less fracture takes its site from `bodySite` (codes, or
words in Dutch, English or Latin); when the site stays unknown a `fracture-site-unknown` gap names
the fracture, so it is never silently taken as non-hip. A subtrochanteric or femoral-shaft fracture
(by code or bodySite) is marked `atypical_site`: not an atypical femoral fracture itself, but one
where it would show.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path

from fhir_mappings.collector import Collector
from fhir_mappings.dates import shift
from fhir_mappings.facts import Decision, Fracture, FractureSite
from fhir_mappings.plausibility import plausible_date
from fhir_mappings.provenance import concept_text, parse_date, provenance, quantity_unit, ref
from fhir_mappings.units import days
from fhir_mappings.valuesets import VsCode, codings, match_concept, valuesets

Matched = tuple[dict, tuple[VsCode, ...]]
_NAMES = Path(__file__).parent / "data" / "fracture-names.json"


def _age_onset(age: object, birth: date | None) -> date | None:
    """birthDate + onsetAge (UCUM time units, years by default)."""
    value = age.get("value") if isinstance(age, dict) else None
    if birth is None or not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    span = days(float(value), quantity_unit(age) or "a")
    return shift(birth, span) if span is not None else None


def condition_onset(resource: dict, birth: date | None = None) -> tuple[date | None, str]:
    """(date, how it was read): "onset" (dateTime/period), "age" (birthDate + onsetAge), "recorded"
    (recordedDate, only when no onset is stated), or (None, "stated") when an onset is stated in a
    form that gives no date (text, range, an age without a birth date): the recordedDate is not its onset.
    """
    period = resource.get("onsetPeriod")
    when = parse_date(resource.get("onsetDateTime")) or parse_date(period.get("start") if isinstance(period, dict) else None)
    if when is not None:
        return when, "onset"
    if "onsetAge" in resource:
        when = _age_onset(resource["onsetAge"], birth)
        return (when, "age") if when is not None else (None, "stated")
    if any(k in resource for k in ("onsetString", "onsetRange", "onsetDateTime", "onsetPeriod")):
        return None, "stated"
    when = parse_date(resource.get("recordedDate"))
    return when, "recorded" if when else ""


def condition_date(resource: dict, birth: date | None = None) -> date | None:
    """The onset date of a Condition (see `condition_onset`)."""
    return condition_onset(resource, birth)[0]


# Site classes a subtrochanteric or shaft fracture can be coded in (a body site naming the femur
# shaft does not turn a wrist fracture code into one).
_FEMUR_CLASSES = frozenset({FractureSite.HIP, FractureSite.OTHER, FractureSite.UNSPECIFIED})


def _site_from_body_site(body_sites: list, valueset: str = "fracture-body-sites") -> FractureSite | None:
    """The one site the bodySite codes, else its words, name; None when none or several."""
    coded = {FractureSite(code.get("site")) for code in match_concept(body_sites, valueset)}
    if coded:
        return coded.pop() if len(coded) == 1 else None
    patterns: dict[str, list[str]] = valuesets()[valueset].extra["text_patterns"]
    texts = [bs.get("text") for bs in body_sites if isinstance(bs, dict)]
    texts += [c.get("display") for bs in body_sites for c in codings(bs)]
    lowered = [t.lower() for t in texts if isinstance(t, str)]
    named = {site for site, words in patterns.items() if any(w in t for t in lowered for w in words)}
    return FractureSite(named.pop()) if len(named) == 1 else None


def _grade(resource: dict) -> int | None:
    grades = [c.get("grade") for c in match_concept([resource.get("severity")], "genant-grade")]
    return max(grades) if grades else None


def fracture_from(resource: dict, codes: tuple[VsCode, ...], ctx: Collector, birth: date | None = None) -> Fracture:
    fracture_codes = [c for c in codes if c.valueset == "fractures"]
    excluded = next((c.get("excluded") for c in fracture_codes if c.get("excluded")), None)
    specific = [c for c in fracture_codes if c.get("site") != FractureSite.UNSPECIFIED]
    site = FractureSite((specific or fracture_codes)[0].get("site"))
    body_sites = resource.get("bodySite") if isinstance(resource.get("bodySite"), list) else []
    femur_site = _site_from_body_site(body_sites, "atypical-femur-sites") if site in _FEMUR_CLASSES else None
    if site is FractureSite.UNSPECIFIED:
        site = _site_from_body_site(body_sites) or femur_site or site
    when, how = condition_onset(resource, birth)
    if when is not None and not plausible_date(when, ctx, ref(resource), Decision.FRACTURE):
        when, how = None, "implausible"
    if how == "age":
        ctx.assume("onset-from-age", reference=ref(resource), date=when.isoformat())
    elif how == "stated":
        ctx.gap("no-date", "fracture onset stated without a usable date (text, range, or age without birth date)",
                ref(resource), Decision.FRACTURE)
    elif when is None and how != "implausible":
        ctx.gap("no-date", "fracture without onset or recorded date", ref(resource), Decision.FRACTURE)
    grade = _grade(resource) if site is FractureSite.VERTEBRA else None
    if site is FractureSite.VERTEBRA and grade is None and excluded is None:
        ctx.gap("no-genant-grade", "vertebral fracture without severity", ref(resource), Decision.FRACTURE)
    display = concept_text(resource.get("code")) or fracture_codes[0].display
    return Fracture(
        site=site,
        date=when,
        counted=excluded is None,
        source=provenance(resource, when, display),
        excluded_reason=excluded,
        osteoporotic=any(c.get("osteoporotic") for c in fracture_codes),
        genant_grade=grade,
        atypical_site=femur_site is not None or any(c.get("atypical_site") for c in fracture_codes),
    )


def _merge_site_less(fractures: list[Fracture]) -> list[Fracture]:
    site_less = [f for f in fractures if f.site is FractureSite.UNSPECIFIED and f.osteoporotic and f.counted and f.date]
    specific_dates = {f.date for f in fractures if f.site is not FractureSite.UNSPECIFIED and f.counted}
    merged_dates = {f.date for f in site_less if f.date in specific_dates}
    out = []
    for f in fractures:
        if f in site_less and f.date in merged_dates:
            continue
        if f.date in merged_dates and f.site is not FractureSite.UNSPECIFIED and f.counted:
            f = replace(f, osteoporotic=True)
        out.append(f)
    return out


def map_fractures(matched: list[Matched], ctx: Collector, birth: date | None = None) -> tuple[Fracture, ...]:
    fractures = [fracture_from(res, codes, ctx, birth) for res, codes in matched if any(c.valueset == "fractures" for c in codes)]
    fractures = [f for f in fractures if f.date is None or f.date <= ctx.today]
    fractures = _merge_site_less(fractures)
    for f in fractures:
        if f.site is FractureSite.UNSPECIFIED and f.counted:
            when = f.date.isoformat() if f.date else "no date"
            ctx.gap("fracture-site-unknown", f"{f.source.recorded} ({when}): site not coded nor named in bodySite",
                    f.source.reference, Decision.FRACTURE)
    return tuple(sorted(fractures, key=lambda f: (f.date or date.min, f.site, f.source.reference)))


@cache
def _fracture_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    data = json.loads(_NAMES.read_text(encoding="utf-8"))
    return tuple(data["stems"]), tuple(data["exclude"])


def names_a_fracture(resource: dict) -> str | None:
    """The Condition's text when it names a fracture (and no exclusion such as a risk): a record coded outside the
    value sets that may be one, for a data-needed line — never a fact."""
    concept = resource.get("code")
    text = concept_text(concept) or ""
    lowered = " ".join([text, *(str(c.get("display") or "") for c in codings(concept))]).lower()
    stems, exclude = _fracture_words()
    return text if any(s in lowered for s in stems) and not any(x in lowered for x in exclude) else None

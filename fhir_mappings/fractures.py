"""Fracture Conditions -> `Fracture` facts with site class, date, Genant grade and why one does not count.

A resolved fracture is still a past fracture, so clinical status is ignored here. A site-less
"pathological fracture due to osteoporosis" recorded on the same date as a site-specific fracture
describes that same fracture (Synthea writes both): it marks the site-specific one osteoporotic
instead of being counted twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fhir_mappings.collector import Collector
from fhir_mappings.facts import Fracture, FractureSite
from fhir_mappings.provenance import concept_text, parse_date, provenance, ref
from fhir_mappings.valuesets import VsCode, codings, match_concept, valuesets

Matched = tuple[dict, tuple[VsCode, ...]]


def condition_date(resource: dict) -> date | None:
    """onsetDateTime, else onsetPeriod.start, else recordedDate."""
    return (
        parse_date(resource.get("onsetDateTime"))
        or parse_date((resource.get("onsetPeriod") or {}).get("start"))
        or parse_date(resource.get("recordedDate"))
    )


def _site_from_body_site(body_sites: list) -> FractureSite | None:
    for code in match_concept(body_sites, "fracture-body-sites"):
        return FractureSite(code.get("site"))
    patterns: dict[str, list[str]] = valuesets()["fracture-body-sites"].extra["text_patterns"]
    texts = [bs.get("text") for bs in body_sites if isinstance(bs, dict)]
    texts += [c.get("display") for bs in body_sites for c in codings(bs)]
    for site, words in patterns.items():
        if any(isinstance(t, str) and w in t.lower() for t in texts for w in words):
            return FractureSite(site)
    return None


def _grade(resource: dict) -> int | None:
    grades = [c.get("grade") for c in match_concept([resource.get("severity")], "genant-grade")]
    return max(grades) if grades else None


def fracture_from(resource: dict, codes: tuple[VsCode, ...], ctx: Collector) -> Fracture:
    fracture_codes = [c for c in codes if c.valueset == "fractures"]
    excluded = next((c.get("excluded") for c in fracture_codes if c.get("excluded")), None)
    specific = [c for c in fracture_codes if c.get("site") != FractureSite.UNSPECIFIED]
    site = FractureSite((specific or fracture_codes)[0].get("site"))
    if site is FractureSite.UNSPECIFIED:
        body_sites = resource.get("bodySite") if isinstance(resource.get("bodySite"), list) else []
        site = _site_from_body_site(body_sites) or site
    when = condition_date(resource)
    if when is None:
        ctx.gap("no-date", "fracture without onset or recorded date", ref(resource))
    grade = _grade(resource) if site is FractureSite.VERTEBRA else None
    if site is FractureSite.VERTEBRA and grade is None and excluded is None:
        ctx.gap("no-genant-grade", "vertebral fracture without severity", ref(resource))
    display = concept_text(resource.get("code")) or fracture_codes[0].display
    return Fracture(
        site=site,
        date=when,
        counted=excluded is None,
        source=provenance(resource, when, display),
        excluded_reason=excluded,
        osteoporotic=any(c.get("osteoporotic") for c in fracture_codes),
        genant_grade=grade,
        atypical_femoral=any(c.get("atypical_femoral") for c in fracture_codes),
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


def map_fractures(matched: list[Matched], ctx: Collector) -> tuple[Fracture, ...]:
    fractures = [fracture_from(res, codes, ctx) for res, codes in matched if any(c.valueset == "fractures" for c in codes)]
    fractures = [f for f in fractures if f.date is None or f.date <= ctx.today]
    fractures = _merge_site_less(fractures)
    return tuple(sorted(fractures, key=lambda f: (f.date or date.min, f.site, f.source.reference)))

"""One DXA Observation -> `DxaMeasurement`: site (femoral neck from bodySite), side, kind, unit checks.

Laterality comes from the LOINC term (80946-7 hip left, ...) or, for site-only terms, from
`bodySite` (a SNOMED laterality qualifier or the words left/right): BMD change is only ever
compared at the same site and side, and a side read from nowhere would compare left with right.
"""

from __future__ import annotations

from datetime import date

from fhir_mappings.collector import Collector
from fhir_mappings.facts import GUIDELINE_T_SITES, Decision, DxaKind, DxaMeasurement, DxaSite
from fhir_mappings.plausibility import plausible
from fhir_mappings.provenance import provenance, ref
from fhir_mappings.units import convert
from fhir_mappings.valuesets import VsCode, codings, match_concept, valuesets

DXA_KINDS = {"dxa-t-score": DxaKind.T_SCORE, "dxa-z-score": DxaKind.Z_SCORE, "dxa-bmd": DxaKind.BMD}
_BMD_UNIT = "g/cm2"
# Units a T- or Z-score may carry: a score is a number of standard deviations, nothing else.
_SCORE_UNITS = frozenset({"", "1", "{t-score}", "{z-score}", "{sd}", "sd", "t-score", "z-score"})


def _texts(body_site: object) -> list[str]:
    texts = [body_site.get("text")] if isinstance(body_site, dict) else []
    texts += [c.get("display") for c in codings(body_site)]
    return [t.lower() for t in texts if isinstance(t, str)]


def says_femoral_neck(body_site: object) -> bool:
    if match_concept([body_site], "dxa-body-sites"):
        return True
    patterns = valuesets()["dxa-body-sites"].extra["text_patterns"]
    return any(p in t for t in _texts(body_site) for p in patterns)


def side_of(body_site: object) -> str | None:
    """"left" / "right" from a bodySite; None when it says neither or both."""
    rules = valuesets()["dxa-body-sites"].extra["laterality"]
    sides = {rules["codes"][c["code"]] for c in codings(body_site) if c.get("code") in rules["codes"]}
    words = {side for side, ws in rules["words"].items() for t in _texts(body_site) for w in ws if w in t.split()}
    found = sides | words
    return found.pop() if len(found) == 1 else None


def measurement(
    resource: dict, code: VsCode, reading: tuple[date, float, str, str | None], ctx: Collector
) -> DxaMeasurement | None:
    """The DXA fact, or None with a DataGap (a score in a unit that is not a score, an unknown BMD unit)."""
    when, value, unit, recorded = reading
    kind, site = DXA_KINDS[code.valueset], DxaSite(code.get("site"))
    body_site = resource.get("bodySite")
    if site in (DxaSite.FEMUR, DxaSite.TOTAL_HIP) and says_femoral_neck(body_site):
        site = DxaSite.FEMORAL_NECK
    elif site is DxaSite.FEMUR:
        ctx.assume("femur-site-taken-as-hip", reference=ref(resource))
    laterality = code.get("laterality") or side_of(body_site)
    if kind is not DxaKind.BMD and unit.lower() not in _SCORE_UNITS:
        ctx.gap("unknown-unit", f"{kind} in {unit!r}: not a score", ref(resource), Decision.DXA)
        return None
    if kind is DxaKind.BMD and unit:
        converted = convert(value, unit, _BMD_UNIT)
        if converted is None:
            ctx.gap("unknown-unit", f"BMD unit {unit!r}", ref(resource), Decision.DXA)
            return None
        value = converted
    if not plausible(value, kind.value, _BMD_UNIT if kind is DxaKind.BMD else "1", ctx, ref(resource), Decision.DXA):
        return None
    if kind is DxaKind.T_SCORE and site not in GUIDELINE_T_SITES:
        ctx.gap("non-guideline-dxa-site", f"{site} T-score {value:.1f}, {when.isoformat()}", ref(resource))
    return DxaMeasurement(site, kind, value, when, provenance(resource, when, recorded), laterality)

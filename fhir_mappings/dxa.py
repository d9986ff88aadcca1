"""DXA measurements grouped into exams per date, with the guideline's derived values.

Forearm and calcaneus T-scores are kept as measurements (a reader may show them) but never
become `lowest_t`: the guidelines define osteoporosis on spine and hip sites only. The latest
result at each such site is also a fact of its own (`other_sites`), so a card can say once that a
DXA exists at a site the guideline does not use (Synthea writes every DXA as forearm, 38265-5).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from fhir_mappings.facts import GUIDELINE_T_SITES, HIP_SITES, DxaExam, DxaKind, DxaMeasurement, DxaSite


def _order(m: DxaMeasurement) -> tuple:
    return (m.date, m.kind, m.site, m.laterality or "", m.value, m.source.reference)


def _lowest(ms: Iterable[DxaMeasurement], kind: DxaKind, sites: frozenset[DxaSite]) -> DxaMeasurement | None:
    candidates = [m for m in ms if m.kind is kind and m.site in sites]
    return min(candidates, key=lambda m: (m.value, _order(m))) if candidates else None


def _bmd_change(
    measurements: tuple[DxaMeasurement, ...], baseline: dict[tuple[DxaSite, str | None], DxaMeasurement]
) -> tuple[float | None, DxaSite | None]:
    """Largest loss (most negative % change) vs the first BMD at the same site and side."""
    changes = []
    for m in measurements:
        if m.kind is not DxaKind.BMD:
            continue
        base = baseline.get((m.site, m.laterality))
        if base is not None and base.date < m.date and base.value > 0:
            changes.append((round((m.value - base.value) / base.value * 100, 2), m.site))
    if not changes:
        return None, None
    pct, site = min(changes)
    return pct, site


def build_exams(measurements: Iterable[DxaMeasurement]) -> tuple[DxaExam, ...]:
    """One exam per date, oldest first."""
    by_date: dict[date, list[DxaMeasurement]] = {}
    for m in measurements:
        by_date.setdefault(m.date, []).append(m)
    baseline: dict[tuple[DxaSite, str | None], DxaMeasurement] = {}
    exams = []
    for day in sorted(by_date):
        ms = tuple(sorted(by_date[day], key=_order))
        change, change_site = _bmd_change(ms, baseline)
        for m in ms:
            if m.kind is DxaKind.BMD:
                baseline.setdefault((m.site, m.laterality), m)
        exams.append(
            DxaExam(
                date=day,
                measurements=ms,
                lowest_t=_lowest(ms, DxaKind.T_SCORE, GUIDELINE_T_SITES),
                hip_t=_lowest(ms, DxaKind.T_SCORE, HIP_SITES),
                lowest_z=_lowest(ms, DxaKind.Z_SCORE, GUIDELINE_T_SITES),
                bmd_change_pct=change,
                bmd_change_site=change_site,
            )
        )
    return tuple(exams)


def other_sites(measurements: Iterable[DxaMeasurement]) -> tuple[DxaMeasurement, ...]:
    """The latest result per site, kind and side at sites the guidelines do not use (forearm, calcaneus, other)."""
    latest: dict[tuple[DxaSite, DxaKind, str | None], DxaMeasurement] = {}
    for m in sorted(measurements, key=_order):
        if m.site not in GUIDELINE_T_SITES:
            latest[(m.site, m.kind, m.laterality)] = m
    return tuple(sorted(latest.values(), key=lambda m: (m.site, m.kind, m.laterality or "")))

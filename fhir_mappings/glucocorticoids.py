"""Glucocorticoid records -> courses (`GlucocorticoidEpisode`) in prednisone-equivalent mg/day.

Whether a record is systemic exposure is first a property of the drug: a code whose class is
systemic (ATC H02, an oral-tablet product) counts whatever its route says; a local class
(inhaled, nasal, skin, eye, ear, intestinal ATC classes, budesonide) never counts and is named
in a DataGap, so the reader sees it was seen and deliberately left out. Only a drug whose class
does not say (an ingredient code) is judged by its route: a systemic route or none (tablets)
counts, a local one does not, an unreadable one is a gap about the glucocorticoid decision.

Records of one course (renewed orders, dispenses, statements, administrations) are joined by
`courses.join`; the course's dose is that of the record in effect today (or at the course's end),
never the highest ever given. Draft orders stay episodes of their own (`draft=True`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache

from fhir_mappings.collector import Collector
from fhir_mappings.courses import Span, course_end, join, span_of
from fhir_mappings.dates import shift
from fhir_mappings.dosage import daily_mg
from fhir_mappings.facts import Decision, GlucocorticoidEpisode, Provenance
from fhir_mappings.medications import MedUse
from fhir_mappings.plausibility import plausible, plausible_date
from fhir_mappings.provenance import provenance
from fhir_mappings.routes import Route, route_of
from fhir_mappings.valuesets import DATA_DIR

VALUESET = "glucocorticoids-systemic"
_GC = Decision.GLUCOCORTICOID


@cache
def prednisone_factors() -> dict[str, float]:
    data = json.loads((DATA_DIR / "prednisone-equivalence.json").read_text())
    return {name: entry["factor"] for name, entry in data["substances"].items()}


def _drug_class(use: MedUse) -> str | None:
    """"systemic" or "local" when the record's codes say so (and agree), else None."""
    classes = {c.get("class") for c in use.codes if c.valueset == VALUESET and c.get("class")}
    return classes.pop() if len(classes) == 1 else None


def counts(use: MedUse, ctx: Collector) -> bool:
    """Whether a glucocorticoid record is systemic exposure (a DataGap or Assumption says why not, or why)."""
    routes = [route_of(d["route"]) for d in use.dosages if d.get("route") is not None]
    drug_class = _drug_class(use)
    if drug_class == "local":
        ctx.gap("non-systemic-glucocorticoid", f"{use.display}: a local corticosteroid (drug class)", use.reference)
        return False
    if drug_class == "systemic":
        other = next((written for kind, written in routes if kind is not Route.SYSTEMIC), None)
        if other is not None:
            ctx.assume("glucocorticoid-systemic-by-class", route=other, reference=use.reference)
        return True
    local = next((written for kind, written in routes if kind is Route.LOCAL), None)
    if local is not None:
        ctx.gap("non-systemic-glucocorticoid", f"route: {local}", use.reference)
        return False
    unreadable = next((written for kind, written in routes if kind is Route.UNREADABLE), None)
    if unreadable is not None:
        ctx.gap("unreadable-route", f"route {unreadable!r}: systemic or local unknown", use.reference, _GC)
        return False
    return True


@dataclass(frozen=True)
class _Record:
    """One counted record, read: its start, substance and prednisone-equivalent dose (None: unreadable)."""

    use: MedUse
    start: date
    substance: str
    dose: float | None
    source: Provenance


def _read(use: MedUse, ctx: Collector) -> _Record | None:
    if not counts(use, ctx):
        return None
    if use.start is None:
        ctx.gap("no-date", "glucocorticoid record without a start date", use.reference, _GC)
        return None
    if not plausible_date(use.start, ctx, use.reference, _GC):
        return None
    substance = next((c.get("substance") for c in use.codes if c.valueset == VALUESET and c.get("substance")), None)
    factor = prednisone_factors().get(substance or "")
    on = min(max(ctx.today, use.start), use.end or date.max)  # a taper not begun: its first step; finished: its last
    mg = daily_mg(use, ctx, on)
    if factor is None:
        ctx.gap("unknown-glucocorticoid", f"no prednisone equivalence for {substance or use.display}", use.reference, _GC)
    dose = round(mg * factor, 2) if mg is not None and factor is not None else None
    if dose is not None and not plausible(dose, "prednisone-mg-per-day", "mg/d", ctx, use.reference, _GC):
        dose = None
    recorded = f"{round(mg, 2)} mg/d {substance}" if mg is not None else use.display
    return _Record(use, use.start, substance or use.display, dose, provenance(use.resource, use.start, recorded))


def _planned(spans: list[Span], start: date) -> int | None:
    """The course's planned length from its start: the furthest end any order plans."""
    ends = [shift(s.start, s.use.planned_days) for s in spans if s.use.planned_days]
    return (max(ends) - start).days if ends else None


def _course(spans: list[Span], records: dict[int, _Record], today: date) -> GlucocorticoidEpisode:
    """One course; its dose is the sum, per substance, of the latest record in effect on the reference day."""
    start, end = spans[0].start, course_end(spans)
    day = today if end is None or end >= today else end
    current = [s for s in spans if s.start <= day and (s.end is None or s.end >= day)] or [max(spans, key=lambda s: s.start)]
    latest: dict[str, _Record] = {}
    for s in sorted(current, key=lambda s: (s.start, s.use.reference)):
        record = records[id(s.use)]
        latest[record.substance] = record
    chosen = sorted(latest.values(), key=lambda r: (r.start, r.use.reference))
    doses = [r.dose for r in chosen]
    return GlucocorticoidEpisode(
        substance=" + ".join(sorted(latest)),
        prednisone_mg_per_day=None if None in doses else round(sum(d for d in doses if d is not None), 2),
        start=start,
        end=end,
        source=chosen[-1].source,
        planned_days=_planned(spans, start),
        sources=tuple(sorted({records[id(s.use)].source for s in spans}, key=lambda p: p.reference)),
    )


def _draft(record: _Record) -> GlucocorticoidEpisode:
    use = record.use
    return GlucocorticoidEpisode(
        record.substance, record.dose, record.start, use.end, record.source, use.planned_days, True, (record.source,)
    )


def map_glucocorticoids(uses: list[MedUse], ctx: Collector) -> tuple[GlucocorticoidEpisode, ...]:
    """Courses of systemic glucocorticoids, and each draft order as an episode of its own."""
    read = [r for u in uses if any(c.valueset == VALUESET for c in u.codes) for r in [_read(u, ctx)] if r]
    records = {id(r.use): r for r in read}
    spans = [span_of(r.use, r.start) for r in read if not r.use.draft]
    episodes = [_course(course, records, ctx.today) for course in join(spans, "glucocorticoids")]
    episodes += [_draft(r) for r in read if r.use.draft]
    return tuple(sorted(episodes, key=lambda e: (e.start, e.end or date.max, e.source.reference)))

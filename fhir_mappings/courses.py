"""Course assembly: medication records of one drug class joined into courses while the gaps stay short.

A course is recorded as several records more often than as one: a renewed order (a completed
two-month order, then an active one), dispenses every 60 days, a statement plus administrations.
Judged one by one, none reaches "3 months"; joined, they are one course. The tolerated gap is
data per drug class (`data/therapy-episodes.json` `max_gap_days`); a longer gap starts a new
course, so a drug holiday is the gap between two courses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from fhir_mappings.dates import shift
from fhir_mappings.medications import MedUse
from fhir_mappings.valuesets import DATA_DIR


@cache
def rules() -> dict[str, Any]:
    return json.loads((DATA_DIR / "therapy-episodes.json").read_text())


@dataclass(frozen=True)
class Span:
    """The days one record covers (end None = ongoing)."""

    start: date
    end: date | None
    use: MedUse


def span_of(use: MedUse, start: date) -> Span:
    """A dated record's span (from `start`, its start); a dispense without a supply duration covers the
    default number of days."""
    end = use.end
    if use.resource["resourceType"] == "MedicationDispense" and end == start:
        end = shift(start, rules()["dispense_default_days"])
    return Span(start, end, use)


def join(spans: Iterable[Span], drug_class: str) -> list[list[Span]]:
    """Spans grouped into courses, oldest first: a span starting within the class's tolerated gap
    after the course so far joins it."""
    tolerance = rules()["max_gap_days"][drug_class]
    courses: list[list[Span]] = []
    end: date | None = None
    for span in sorted(spans, key=lambda s: (s.start, s.end or date.max, s.use.reference)):
        if courses and (end is None or span.start <= shift(end, tolerance)):
            courses[-1].append(span)
            end = None if end is None or span.end is None else max(end, span.end)
        else:
            courses.append([span])
            end = span.end
    return courses


def course_end(course: list[Span]) -> date | None:
    """The last day of a course, None while any of its records is open-ended."""
    ends = [s.end for s in course]
    return None if None in ends else max(e for e in ends if e is not None)

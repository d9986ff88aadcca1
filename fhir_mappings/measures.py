"""Dated measurements -> the single values the pathways read (latest weight, falls in 12 months, labs)."""

from __future__ import annotations

from datetime import date, timedelta

from fhir_mappings.facts import Measured
from fhir_mappings.observations import Observations
from fhir_mappings.valuesets import valuesets

_YEAR = timedelta(days=365)


def _order(m: Measured) -> tuple:
    return (m.value, m.date or date.min, m.source.reference)


def body_measures(obs: Observations) -> tuple[Measured | None, Measured | None, Measured | None, Measured | None]:
    """Latest weight, height, BMI, and height loss (tallest recorded minus latest height, if any)."""
    height, tallest = obs.latest("height"), obs.largest("height")
    loss = None
    if height is not None and tallest is not None and tallest.value > height.value:
        loss = Measured(round(tallest.value - height.value, 1), "cm", height.date, height.source)
    return obs.latest("weight"), height, obs.latest("bmi"), loss


def falls_12_months(obs: Observations, fall_conditions: list[Measured], today: date) -> Measured | None:
    """Highest count reported in the last 12 months; a fall Condition in that window counts as one."""
    start = today - _YEAR
    conditions = [m for m in fall_conditions if m.date is not None and start <= m.date <= today]
    candidates = obs.since("falls-12-months", start) + conditions
    return max(candidates, key=_order) if candidates else None


def labs(obs: Observations) -> tuple[tuple[str, Measured], ...]:
    """Latest value per lab concept of the `labs` value set."""
    concepts = sorted({c.get("concept") for c in valuesets()["labs"].codes})
    return tuple((c, m) for c in concepts if (m := obs.latest(c)) is not None)

"""The Dutch regional osteoporosis flowcharts "Versie jan '23 RCOP" (`rcop-2023`), five charts as pure functions.

Which charts apply is decided from the facts; several may apply at once and their outcomes are merged
by topic (`pathways.recommendation.merge`). A patient for whom no chart applies gets nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from fhir_mappings.facts import PatientFacts
from pathways.rcop import bp, dmab, fx, gc, rf
from pathways.rcop.config import section
from pathways.recommendation import Reason, Recommendation, Topic

SUPERSEDED_BY = {Topic(topic): frozenset(Topic(t) for t in by) for topic, by in section("supersede").items()}

Chart = Callable[[PatientFacts], list[Recommendation]]


def _gated(applies: Callable[[PatientFacts], bool | None], run: Chart) -> Chart:
    """Charts 1, 2 and 5 decide applicability first; None (age unknown) still runs, to ask for the data."""
    return lambda facts: run(facts) if applies(facts) is not False else []


# (chart id, evaluator) in the order their cards should appear when indicators tie. Charts 3 and 4 return []
# themselves when the patient is not on (or coming off) the drug.
CHARTS: tuple[tuple[str, Chart], ...] = (
    (fx.CHART, _gated(fx.applies, fx.evaluate)),
    (rf.CHART, _gated(rf.applies, rf.evaluate)),
    (gc.CHART, _gated(gc.applies, gc.evaluate)),
    (bp.CHART, bp.evaluate),
    (dmab.CHART, dmab.evaluate),
)


def evaluate(facts: PatientFacts) -> list[Recommendation]:
    """Every applicable chart's recommendations, most urgent first. Unreadable data, the safety gates and the safety
    net are laid over them by `pathways.evaluate`, as for every guideline."""
    recs = [rec for _, run in CHARTS for rec in run(facts)]
    return sorted(reconcile(recs), key=lambda r: -r.indicator.rank)


def reconcile(recs: list[Recommendation]) -> list[Recommendation]:
    """Leave out a topic that another chart's advice supersedes (rcop-2023.toml [supersede]); when two charts start
    therapy with different first choices, the first chart's choice stands and the other's wording says so."""
    present = {r.topic for r in recs}
    kept = [r for r in recs if not SUPERSEDED_BY.get(r.topic, frozenset()) & present]
    return _one_first_choice(kept)


def _first_choice(rec: Recommendation) -> str | None:
    return next((s.key for s in rec.suggestions if s.recommended), None)


def _one_first_choice(recs: list[Recommendation]) -> list[Recommendation]:
    """RCOP-GC-8 names alendronic/risedronic acid as 1st line; merged with a hip fracture's regimen (1st choice
    zoledronic acid) its text would contradict the card, so it is worded as giving way."""
    starts = [r for r in recs if r.topic is Topic.START_ANTIRESORPTIVE and _first_choice(r)]
    if len({_first_choice(r) for r in starts}) < 2:
        return recs
    chosen = _first_choice(starts[0])
    out = []
    for rec in recs:
        if rec in starts[1:]:
            reasons = tuple(
                Reason(x.node, "rcop.gc.8.other-regimen", (("agent", chosen),)) if x.message == "rcop.gc.8" else x for x in rec.reasons
            )
            rec = replace(rec, reasons=reasons)
        out.append(rec)
    return out

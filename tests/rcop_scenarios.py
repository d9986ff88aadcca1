"""Every pathway scenario of the rcop unit tests, as (name, recommendations) — for the card-layer tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from fhir_mappings.facts import Agent, DataGap, Decision, FractureSite, Sex
from pathways import evaluate
from pathways.recommendation import Recommendation
from tests import test_rcop_bp, test_rcop_dmab, test_rcop_fx, test_rcop_gc, test_rcop_rf
from tests.rcop_helpers import NORMAL_LABS, coded, dxa, episode, fracture, glucocorticoid, lab, make, vf

WRIST = fracture(FractureSite.WRIST, date(2026, 9, 1))

# Scenarios beyond the node tables: the anabolic notes, the life-expectancy exit and data gaps of every kind.
EXTRA = {
    "romosozumab-male": make(70, Sex.MALE, fractures=(WRIST, vf(2), vf(2, n=1)), dxa=(dxa(-2.0, -2.0),)),
    "romosozumab-sex-unknown": make(70, Sex.UNKNOWN, fractures=(WRIST, vf(2)), dxa=(dxa(-2.8, -2.6),)),
    "romosozumab-contraindication": make(70, fractures=(WRIST, vf(2)), dxa=(dxa(-2.8, -2.6),), contraindications=(coded("stroke"),)),
    "jaw-osteonecrosis": make(70, fractures=(WRIST,), dxa=(dxa(-3.0),), contraindications=(coded("jaw-osteonecrosis"),)),
    "life-expectancy": make(70, fractures=(WRIST,), limited_life_expectancy=coded("palliative-care")),
    # the safety net: failure on denosumab (no chart 3 option: refer), ONJ on denosumab (never simply stop)
    "denosumab-failure": make(70, therapies=(episode(Agent.DENOSUMAB, date(2024, 1, 1), last=date(2026, 9, 1)),), fractures=(WRIST,)),
    "onj-on-denosumab": make(70, therapies=(episode(Agent.DENOSUMAB, date(2024, 1, 1), last=date(2026, 9, 1)),),
                             contraindications=(coded("jaw-osteonecrosis"),)),
    # hypocalcaemia on denosumab: a gate without a referral (correct calcium first), still never a plain stop
    "hypocalcaemia-on-denosumab": make(70, therapies=(episode(Agent.DENOSUMAB, date(2024, 1, 1), last=date(2026, 9, 1)),),
                                       labs=(*(x for x in NORMAL_LABS if x[0] != "calcium"), lab("calcium", 1.95, "mmol/L", low=2.15, high=2.6))),
    # a hip fracture on glucocorticoids: chart 1's hip regimen (zoledronic acid) and chart 5's first line differ
    "hip-fracture-on-glucocorticoids": make(70, fractures=(fracture(FractureSite.HIP, date(2026, 9, 1)),), dxa=(dxa(-2.6),),
                                            glucocorticoids=(glucocorticoid(10.0, date(2026, 1, 1)),)),
    "gaps": make(
        70,
        fractures=(WRIST,),
        gaps=tuple(DataGap(code, "detail", "Observation/o1", Decision.DXA) for code in ("invalid-resource", "not-final", "no-genant-grade", "coined-later")),
    ),
}


def scenarios() -> Iterator[tuple[str, list[Recommendation]]]:
    for module in (test_rcop_fx, test_rcop_rf, test_rcop_gc):
        for case, kw, *_ in module.CASES:
            yield case, module.run(**kw)
    for module in (test_rcop_bp, test_rcop_dmab):
        for case, therapies, kw, *_ in module.CASES:
            yield case, module.run(*therapies, **kw)
    for case, facts in EXTRA.items():
        yield case, evaluate("rcop-2023", facts)
    yield "already-treated", test_rcop_gc.run(dxa=(dxa(-2.6),), therapies=(episode(Agent.ALENDRONIC_ACID, date(2025, 1, 1)),))
    yield "gc-8-second-line", test_rcop_gc.run(dxa=(dxa(-2.2),), intolerances=(coded("alendronic-acid"), coded("risedronic-acid")))
    yield "gc-9-stop", test_rcop_gc.run(**test_rcop_gc.STOPPED, dxa=(dxa(-2.4, when=date(2026, 7, 1)),))
    yield "gc-9-continue", test_rcop_gc.run(**test_rcop_gc.STOPPED, fractures=(vf(2),))
    yield "gc-9-dxa", test_rcop_gc.run(**test_rcop_gc.STOPPED)
    yield "gc-no-dose", test_rcop_gc.run(dose=None)
    yield "fx-no-age", test_rcop_fx.run(age=None)
    yield "dmab-no-injection", test_rcop_dmab.run(test_rcop_dmab.episode(test_rcop_dmab.DMAB, date(2022, 1, 1)))

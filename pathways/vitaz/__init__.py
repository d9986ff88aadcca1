"""The Belgian primary-care guideline "Behandelrichtlijn osteoporosemanagement in eerste lijn" (Vitaz, 07/2025),
`vitaz-2025`, as a pure function of the facts.

Only patients in the entry box (pathways/vitaz/population.py) get recommendations. A patient on an osteoporosis drug
is in the follow-up part ("Opvolging ... na opstarten van therapie"); anyone else goes through the decision table.
Unreadable data, the safety gates and the safety net are laid over these by `pathways.evaluate`, as for every
guideline.
"""

from __future__ import annotations

from fhir_mappings.facts import DataGap, PatientFacts
from pathways import evidence, routines
from pathways.context import reason
from pathways.recommendation import Indicator, Recommendation, Topic
from pathways.vitaz import decision, follow_up, population
from pathways.vitaz.common import CHART, Context, current_dxa, data_needed


def _context(facts: PatientFacts) -> Context:
    """The facts every vitaz card shows: age, sex, DXA, fractures, falls, the Appendix 1 risk factors, past therapy."""
    shown = [*evidence.age(facts), evidence.sex(facts), *evidence.dxa(facts)]
    exam = current_dxa(facts)
    shown += evidence.t_score("fact.lowest-z", exam.lowest_z if exam is not None else None)
    shown += evidence.fractures(population.fragility_fractures(facts))
    falls = population.falls(facts)
    shown += [falls] if falls is not None else []
    shown += [r.evidence for r in population.risk_factors(facts)]
    shown += [x for e in facts.therapies if not routines.ongoing(facts, (e.agent,)) for x in evidence.therapy(e)]
    return Context(facts, tuple(shown))


def _palliative(ctx: Context) -> Recommendation:
    """Interpretation (vitaz-2025.toml [population]): no fracture prevention started in palliative/terminal care."""
    ctx = ctx.adding(evidence.coded("fact.limited-life-expectancy", ctx.facts.limited_life_expectancy))
    return ctx.rec(Topic.NO_DRUG_THERAPY, Indicator.INFO, reason(CHART, key="vitaz.life-expectancy"))


def evaluate(facts: PatientFacts) -> list[Recommendation]:
    """The guideline's recommendations for a patient in its population (else none), most urgent first."""
    if population.applies(facts) is False:
        return []
    ctx = _context(facts)
    if facts.age is None:
        return [data_needed(ctx, DataGap("no-birthdate", reference=f"Patient/{facts.patient_id}"))]
    episode = follow_up.current_episode(facts)
    if episode is not None:
        recs = follow_up.evaluate(ctx, episode)
    elif facts.limited_life_expectancy is not None:
        recs = [_palliative(ctx)]
    else:
        recs = decision.evaluate(ctx)
    return sorted(recs, key=lambda r: -r.indicator.rank)

"""The Belgian primary-care guideline "Behandelrichtlijn osteoporosemanagement in eerste lijn" (Vitaz, 07/2025),
`vitaz-2025`, as a pure function of the facts.

Only patients in the entry box (pathways/vitaz/population.py) get recommendations. A patient on an osteoporosis drug
is in the follow-up part ("Opvolging ... na opstarten van therapie"); anyone else goes through the decision table.
"""

from __future__ import annotations

from fhir_mappings.facts import DataGap, PatientFacts
from pathways import evidence, routines
from pathways.context import reason
from pathways.recommendation import Evidence, Indicator, Recommendation, Topic
from pathways.vitaz import decision, follow_up, population
from pathways.vitaz.common import CHART, Context, current_dxa, data_needed, relevant_gaps


def _context(facts: PatientFacts) -> Context:
    """The facts every vitaz card shows: age, sex, DXA, fractures, falls, the Appendix 1 risk factors, past therapy."""
    shown = [evidence.sex(facts)]
    if facts.age is not None:
        shown.insert(0, evidence.age(facts))
    shown += evidence.dxa(facts)
    exam = current_dxa(facts)
    shown += evidence.z_score(exam.lowest_z if exam is not None else None)
    shown += evidence.fractures(population.fragility_fractures(facts))
    falls = population.falls(facts)
    shown += [falls] if falls is not None else []
    shown += [r.evidence for r in population.risk_factors(facts)]
    shown += [x for e in facts.therapies if not routines.ongoing(facts, (e.agent,)) for x in evidence.therapy(e)]
    return Context(facts, tuple(shown))


def _palliative(ctx: Context) -> Recommendation:
    """Interpretation (vitaz-2025.toml [population]): no fracture prevention started in palliative/terminal care."""
    marker = ctx.facts.limited_life_expectancy
    ctx = Context(ctx.facts, (*ctx.evidence, Evidence("fact.limited-life-expectancy", f"{{{marker.code}}}", marker.source)))
    return ctx.rec(Topic.NO_DRUG_THERAPY, Indicator.INFO, reason(CHART, key="vitaz.life-expectancy"))


def evaluate(facts: PatientFacts) -> list[Recommendation]:
    """The guideline's recommendations for a patient in its population (else none); unreadable data named once."""
    applies = population.applies(facts)
    if applies is False:
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
    if recs and relevant_gaps(facts):
        recs.append(data_needed(ctx))
    return sorted(recs, key=lambda r: -r.indicator.rank)

"""The general measures of every branch — VITAZ-4 "Valrisico bepaling; Bepaal medicatieprofiel; Geef leefstijladvies
en adviseer calcium en vitamine D supplementen (Appendix 4)" — with the care-team roles the guideline names
("WAT KAN ELKE ZORGVERLENER BETEKENEN?") as plan steps, and Appendix 4's doses.

APPENDIX 4: "Calciumsuppletie 500 mg/dag: 2 of 3 porties zuivel of sojaproduct (met Ca)/dag; 1000 mg/dag: < 2 porties";
"Vitamine D suppletie 800 IU/dag: < 30 ng/ml; Vitamine D 25,000 IU: bij deficiëntie"; "1250 mg calciumcarbonaat =
500 mg calcium"; "Inschatten dagelijkse calciuminname en aanvullen met voedingsadvies of supplement".
"""

from __future__ import annotations

from fhir_mappings.facts import PatientFacts
from pathways import evidence, routines
from pathways.context import reason
from pathways.recommendation import Evidence, Indicator, Reason, Recommendation, Suggestion, SuggestionKind, Topic
from pathways.vitaz import population
from pathways.vitaz.common import Context
from pathways.vitaz.config import section

_SUPP = section("supplements")
_TEAM = section("team")
_VALID = section("appendix1")["result_valid_months"]


def _supplement(key: str) -> Suggestion:
    return Suggestion(SuggestionKind.MEDICATION, key)


def lifestyle(ctx: Context, node: str) -> Recommendation:
    """Fall-risk assessment, medication profile and lifestyle advice, with the roles the record calls for: the
    pharmacist always (medication review; tapering of fall-risk drugs when taken), the physiotherapist
    (kinesitherapeut) and ergotherapist with a high fall risk, the dietitian with a nutrition item of Appendix 1."""
    facts = ctx.facts
    why = [reason(node, key="vitaz.general.lifestyle"), reason(node, key="vitaz.team.pharmacist")]
    fall_drugs = sorted({m.drug_class for m in facts.medications if m.drug_class in _TEAM["fall_risk_drug_classes"]
                         and routines.current_medications(facts, m.drug_class)})
    if fall_drugs:
        why.append(reason(node, key="vitaz.team.pharmacist-fall-risk", classes=tuple(fall_drugs)))
    if population.high_fall_risk(facts):
        why += [reason(node, key="vitaz.team.physiotherapist"), reason(node, key="vitaz.team.ergotherapist")]
    if any(r.code in _TEAM["dietitian_factors"] for r in population.risk_factors(facts)):
        why.append(reason(node, key="vitaz.team.dietitian"))
    return ctx.rec(Topic.LIFESTYLE_FALLS, Indicator.INFO, *why)


Step = tuple[list[Reason], list[Suggestion], list[Evidence], bool]  # why, orders, facts shown, something to do


def _vitamin_d(facts: PatientFacts, node: str, *, supplemented: bool) -> Step:
    """"800 IU/dag: < 30 ng/ml"; "25,000 IU: bij deficiëntie" (deficiency: vitaz-2025.toml [supplements]); no recent
    25-OH-D: the dose waits for the lab. Already taking vitamin D: a level still below 30 ng/ml is said, and a
    deficiency gets its loading dose as without a supplement."""
    level = routines.recent_measure(facts.vitamin_d, facts.today, _VALID)
    limits = {"below": _SUPP["vitamin_d_below"], "deficient": _SUPP["vitamin_d_deficiency_below"]}
    if level is None:
        why = reason(node, key="vitaz.supplements.vitamin-d-unknown", **limits)
        return ([], [], [], False) if supplemented else ([why], [], [], True)
    shown = [evidence.lab("vitamin-d", level)]
    deficient = level.value < _SUPP["vitamin_d_deficiency_below"]
    if supplemented and deficient:  # a deficiency is a deficiency, supplement or not: the loading dose is ordered
        why = reason(node, key="vitaz.supplements.deficient-despite-supplement", value=level.value, **limits)
        return [why], [_supplement("colecalciferol-25000")], shown, True
    if supplemented:
        if level.value >= _SUPP["vitamin_d_below"]:
            return [], [], shown, False
        return [reason(node, key="vitaz.supplements.low-despite-supplement", below=_SUPP["vitamin_d_below"])], [], shown, True
    if deficient:
        why = reason(node, key="vitaz.supplements.vitamin-d-deficient", below=_SUPP["vitamin_d_deficiency_below"])
        return [why], [_supplement("colecalciferol-25000")], shown, True
    if level.value < _SUPP["vitamin_d_below"]:
        why = reason(node, key="vitaz.supplements.vitamin-d-low", below=_SUPP["vitamin_d_below"])
        return [why], [_supplement("colecalciferol-800")], shown, True
    return [reason(node, key="vitaz.supplements.vitamin-d-ok", below=_SUPP["vitamin_d_below"])], [], shown, False


def _calcium(facts: PatientFacts, node: str) -> Step:
    """The calcium dose by dairy/soy portions a day; none recorded: the plan asks for the intake."""
    portions = routines.recent_measure(facts.dairy_portions, facts.today, _VALID)
    if portions is None:
        return [reason(node, key="vitaz.supplements.calcium-ask")], [], [], True
    shown = [Evidence("vitaz.fact.dairy-portions", "{count}", portions.source, (("count", portions.value),))]
    if portions.value < _SUPP["calcium_low_portions_below"]:
        return [reason(node, key="vitaz.supplements.calcium-1000")], [_supplement("calcium-carbonate-1000")], shown, True
    if portions.value <= _SUPP["calcium_high_portions_max"]:
        return [reason(node, key="vitaz.supplements.calcium-500")], [_supplement("calcium-carbonate-500")], shown, True
    return [], [], shown, False


def _supplied(facts: PatientFacts, substance: str) -> bool:
    """A supplement taken today supplies `substance` (one whose code does not say what it supplies counts for both)."""
    taking = routines.current_medications(facts, _SUPP["supplement_class"])
    return any(not m.substances or substance in m.substances for m in taking)


def supplements(ctx: Context, node: str) -> list[Recommendation]:
    """Appendix 4 with its doses, for what is not supplemented yet; nothing when nothing is to be asked or started."""
    facts = ctx.facts
    d_why, d_orders, d_shown, d_todo = _vitamin_d(facts, node, supplemented=_supplied(facts, "vitamin-d"))
    ca_why, ca_orders, ca_shown, ca_todo = ([], [], [], False) if _supplied(facts, "calcium") else _calcium(facts, node)
    if not (d_todo or ca_todo):
        return []
    why = [*d_why, *ca_why]
    if ca_todo:
        why.append(reason(node, key="vitaz.supplements.carbonate"))
    ctx = ctx.adding(*d_shown, *ca_shown)
    return [ctx.rec(Topic.CALCIUM_VITAMIN_D, Indicator.INFO, *why, suggestions=(*d_orders, *ca_orders))]


def general_measures(ctx: Context, node: str) -> list[Recommendation]:
    """VITAZ-4's measures, cited by the node that calls for them."""
    return [lifestyle(ctx, node), *supplements(ctx, node)]

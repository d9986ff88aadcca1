"""Who the guideline is for — the entry box "PATIËNTEN MET EEN VERHOOGD FRACTUURRISICO":

"> 2 valincidenten in het voorbije jaar", "1 of meer risicofactoren of medicatie die de botdensiteit aantast
(Appendix 1)", "OF BEWEZEN FRAGILITEITSFRACTUUR > 50 JAAR (heup, wervel, bekken, humerus, pols)".

Each Appendix 1 item found is returned with the evidence for it, so the card can say why the patient is in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from fhir_mappings.facts import Fracture, FractureSite, PatientFacts, Provenance, Sex
from pathways import routines
from pathways.recommendation import Evidence, Num, Unit
from pathways.vitaz.config import section

_POP = section("population")
_APP1 = section("appendix1")
_SUPP = section("supplements")
_SITES = frozenset(FractureSite(s) for s in _POP["fracture_sites"])


@dataclass(frozen=True)
class RiskFactor:
    """One Appendix 1 item found: its code (a value-set concept, a drug class or a measured item) and the evidence."""

    code: str
    evidence: Evidence

    @classmethod
    def of(cls, code: str, value: str, source: Provenance | None, **params: object) -> RiskFactor:
        """`value` is a template (pathways.evidence): the item as `{code}`, any measurement as parameters."""
        return cls(code, Evidence("vitaz.fact.risk-factor", value, source, tuple(params.items())))


def falls(facts: PatientFacts) -> Evidence | None:
    """"> 2 valincidenten in het voorbije jaar" (also Appendix 1 "hoog valrisico")."""
    count = facts.falls_12_months
    if count is None or count.value < _POP["min_falls"]:
        return None
    return Evidence("vitaz.fact.falls", "{count}", count.source, (("count", count.value),))


def fragility_fractures(facts: PatientFacts) -> tuple[Fracture, ...]:
    """"Bewezen fragiliteitsfractuur > 50 jaar (heup, wervel, bekken, humerus, pols)": counted fractures at those sites
    (or coded as due to osteoporosis) from the 50th birthday on (vitaz-2025.toml [population])."""
    out = []
    for f in routines.counted_fractures(facts):
        age = routines.age_at(facts, f.date) if f.date else None
        if (f.site in _SITES or f.osteoporotic) and age is not None and age >= _POP["fracture_min_age"]:
            out.append(f)
    return tuple(out)


def _conditions(facts: PatientFacts) -> Iterator[RiskFactor]:
    for r in facts.risk_factors:
        if r.code in _APP1["conditions"]:
            yield RiskFactor.of(r.code, f"{{{r.code}}}", r.source)


def _medication(facts: PatientFacts) -> Iterator[RiskFactor]:
    """"Medicatie: o.a. corticosteroïden, aromatase inhibitoren, psychofarmaca, PPI ..." taken today."""
    for m in facts.medications:
        if m.drug_class in _APP1["medication_classes"] and m in routines.current_medications(facts, m.drug_class):
            yield RiskFactor.of(m.drug_class, f"{{{m.drug_class}}}", m.source)
    for e in facts.glucocorticoids:
        ongoing = e.end is None or e.end >= facts.today
        if ongoing and not e.draft and routines.glucocorticoid_days(e, facts.today) >= _APP1["glucocorticoid_min_days"]:
            yield RiskFactor.of("glucocorticoids", "{glucocorticoids}", e.source)


def _bmi(facts: PatientFacts) -> Iterator[RiskFactor]:
    """"Laag lichaamsgewicht (BMI < 18.5 bij volwassenen en < 23 bij ouderen)": the recorded BMI, else weight/height²."""
    if facts.age is None:
        return
    limit = _APP1["bmi_elderly_below"] if facts.age >= _APP1["elderly_age"] else _APP1["bmi_adult_below"]
    if facts.bmi is not None:
        bmi, source = facts.bmi.value, facts.bmi.source
    elif facts.weight is not None and facts.height is not None and facts.height.value > 0:
        bmi, source = facts.weight.value / (facts.height.value / 100) ** 2, facts.weight.source
    else:
        return
    if bmi < limit:
        yield RiskFactor.of("low-bmi", "{low-bmi}: {bmi} {unit} (< {limit})", source,
                            bmi=Num(bmi, 1), unit=Unit("kg/m2"), limit=limit)


def _height_loss(facts: PatientFacts) -> Iterator[RiskFactor]:
    """"Lengteverlies: vrouw >= 4 cm / man >= 6 cm" (sex unknown: the women's threshold)."""
    loss = facts.height_loss_cm
    limit = _APP1["height_loss_men_cm"] if facts.sex is Sex.MALE else _APP1["height_loss_women_cm"]
    if loss is not None and loss.value >= limit:
        yield RiskFactor.of("height-loss", "{height-loss}: {loss} {unit}", loss.source,
                            loss=loss.value, unit=Unit(loss.unit))


def _measured(facts: PatientFacts) -> Iterator[RiskFactor]:
    """"Vitamine D deficiëntie, laag calciuminname" and "alcohol" from recent results (vitaz-2025.toml [appendix1])."""
    months = _APP1["result_valid_months"]
    vitamin_d = routines.recent_measure(facts.vitamin_d, facts.today, months)
    if vitamin_d is not None and vitamin_d.value < _SUPP["vitamin_d_deficiency_below"]:
        yield RiskFactor.of("vitamin-d-deficiency", "{vitamin-d-deficiency}: {level} {unit}", vitamin_d.source,
                            level=Num(vitamin_d.value, 1), unit=Unit(vitamin_d.unit))
    dairy = routines.recent_measure(facts.dairy_portions, facts.today, months)
    if dairy is not None and dairy.value < _APP1["low_calcium_portions_below"]:
        yield RiskFactor.of("low-calcium-intake", "{low-calcium-intake}: {count} {portions-a-day}", dairy.source,
                            count=dairy.value)
    alcohol = routines.recent_measure(facts.alcohol_per_day, facts.today, months)
    if alcohol is not None and alcohol.value >= _APP1["alcohol_drinks_per_day"]:
        yield RiskFactor.of("alcohol", "{alcohol}: {count} {drinks-a-day}", alcohol.source, count=alcohol.value)


def risk_factors(facts: PatientFacts) -> tuple[RiskFactor, ...]:
    """Every Appendix 1 risk factor or bone-affecting medication found, with its evidence."""
    found = (*_conditions(facts), *_medication(facts), *_bmi(facts), *_height_loss(facts), *_measured(facts))
    return tuple(dict.fromkeys(found))


def applies(facts: PatientFacts) -> bool | None:
    """The entry box: > 2 falls, an Appendix 1 risk factor, or a fragility fracture after 50. None when only a
    fracture could qualify and the birth date needed to tell "> 50 jaar" is missing."""
    if falls(facts) or risk_factors(facts) or fragility_fractures(facts):
        return True
    if facts.birth_date is None and any(f.site in _SITES or f.osteoporotic for f in routines.counted_fractures(facts)):
        return None
    return False


def high_fall_risk(facts: PatientFacts) -> bool:
    """Appendix 1 "hoog valrisico": > 2 falls (guidelines.md VITAZ-5), or a fall-risk, frailty or orthostatism record."""
    return falls(facts) is not None or any(r.code in _APP1["fall_risk_conditions"] for r in risk_factors(facts))

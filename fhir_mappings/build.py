"""`build_facts`: raw FHIR R4 resources -> one immutable `PatientFacts`.

Pass 1 (`triage`) sorts raw dicts by code against the value sets without building models; pass 2
judges (status, patient, FHIR validation) and reads only records that matched. Results never
depend on input order: records are judged in (type, id) order and every fact list is sorted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from fhir_mappings.adherence import map_adherence
from fhir_mappings.collector import Collector
from fhir_mappings.conditions import (
    coded_facts,
    fall_conditions,
    latest_fact,
    parental_hip_fracture,
    postmenopausal_record,
    safety_facts,
    spine_imaging,
)
from fhir_mappings.dxa import build_exams, other_sites
from fhir_mappings.facts import Decision, PatientFacts
from fhir_mappings.fractures import condition_date, map_fractures, names_a_fracture
from fhir_mappings.glucocorticoids import map_glucocorticoids
from fhir_mappings.intolerances import map_intolerances
from fhir_mappings.measures import body_measures, falls_12_months, labs
from fhir_mappings.medications import MedUse, match_medication, read_use, unrecognised
from fhir_mappings.observations import Observations
from fhir_mappings.oncology import split_oncology
from fhir_mappings.patient import demographics, postmenopausal
from fhir_mappings.plausibility import earliest_date
from fhir_mappings.provenance import ref
from fhir_mappings.records import Gate, not_taken, subject_id
from fhir_mappings.risk_score import cbo_score
from fhir_mappings.therapy import map_other_medications, map_therapies
from fhir_mappings.triage import Matched, Sorted, choose_patient, flatten, sort_resources
from fhir_mappings.valuesets import VsCode, decision_of, match_concept, valuesets


def _admitted(matched: list[Matched], gate: Gate) -> list[Matched]:
    """The matched records the gate admits, in (type, id) order; unverified-only matches flagged."""
    ordered = sorted(matched, key=lambda m: (m[0]["resourceType"], str(m[0].get("id"))))
    admitted = [(r, codes) for r, codes in ordered if gate.admits(r, decision=decision_of(codes))]
    for r, codes in admitted:
        gate.ctx.flag_unverified(codes, ref(r))
    return admitted


def _matched(resources: list[dict], resource_type: str) -> list[Matched]:
    names = {n for n, vs in valuesets().items() if resource_type in vs.resource_types}
    pairs = ((r, tuple(c for c in match_concept([r.get("code")]) if c.valueset in names)) for r in resources)
    return [(r, codes) for r, codes in pairs if codes]


def _ended(record: dict, codes: tuple[VsCode, ...], medication: dict | None, today: date) -> bool:
    """True when the record ended before today, read before it is judged (one the reader trips on is judged)."""
    try:
        end = read_use(record, codes, medication, today).end
    except (TypeError, AttributeError, ValueError):
        return False
    return end is not None and end < today


def _med_uses(records: list[dict], medications: dict[str, dict], gate: Gate) -> list[MedUse]:
    """Admitted medication records, read; a record whose Medication is invalid FHIR is skipped with it.

    An uncoded record naming an agent the guidelines use is a gap about that decision (if it is this
    patient's and may count at all). A drug of the other named classes (no decision of consequence:
    fall-risk, bone-loss, supplements) is a fact only while current (`map_other_medications`), so a
    record of one that ended before today is left unjudged: years of PPI renewals cost nothing.
    """
    ctx = gate.ctx
    admitted = []
    for r in sorted(records, key=lambda r: (r["resourceType"], str(r.get("id")))):
        codes, med = match_medication(r, medications)
        if not codes:
            named = unrecognised(r, medications)
            if named is not None and gate.admits(r, decision=named[1]) and not not_taken(r):
                ctx.gap("unrecognised-medication", named[0], ref(r), named[1])
            continue
        decision = decision_of(codes)
        if decision is None and _ended(r, codes, med, ctx.today):
            continue
        if gate.admits(r, decision=decision) and (med is None or gate.admits(med, decision=decision)):
            if r.get("status") == "draft" or not not_taken(r):  # proposals, intentions
                ctx.flag_unverified(codes, ref(r))
                admitted.append(read_use(r, codes, med, ctx.today))
    return [u for u in admitted if u.start is None or u.start <= ctx.today]  # later records are not known yet


def _unrecognised_fractures(uncoded: list[dict], gate: Gate, birth: date | None) -> None:
    """A Condition outside the value sets (ICPC, a local code, free text) whose words name a fracture: a gap about
    the fracture decision, so a data-needed card asks for it to be coded (a fracture is never read from text)."""
    today = gate.ctx.today
    for r in uncoded:
        named = names_a_fracture(r)
        if named is not None and (condition_date(r, birth) or today) <= today and gate.admits(r, decision=Decision.FRACTURE):
            gate.ctx.gap("unrecognised-fracture", named, ref(r), Decision.FRACTURE)


def _gate(pre: Sorted, flat: list[dict], chosen: dict | None, patient_id: str | None, ctx: Collector) -> Gate:
    """The patient filter: the chosen Patient (by id or its Bundle fullUrl), else the records' one subject.

    Without a Patient, records naming several subjects cannot be told apart: nothing is admitted.
    """
    pid = patient_id or (chosen or {}).get("id")
    url = pre.patient_urls.get(id(chosen)) if chosen is not None else None
    if pid is not None or chosen is not None:
        return Gate(pid, ctx, frozenset({url}) if url else frozenset())
    subjects = {s for r in flat if (s := subject_id(r)) is not None}
    if len(subjects) > 1:
        ctx.gap("multiple-patients", "no Patient; records of " + ", ".join(sorted(subjects)))
        return Gate(None, ctx, closed=True)
    return Gate(next(iter(subjects), None), ctx)


def build_facts(resources: Iterable[dict] | dict | None, *, today: date, patient_id: str | None = None) -> PatientFacts:
    """The patient picture as of `today` from a flat iterable of resources (or a Bundle)."""
    ctx = Collector(today)
    flat, urls = flatten(resources)
    pre = sort_resources(flat, urls)
    chosen = choose_patient(pre.patients, patient_id, ctx)
    person = demographics(chosen, ctx)
    ctx.earliest = earliest_date(today, person.birth_date)
    pid = patient_id or person.patient_id
    gate = _gate(pre, flat, chosen, patient_id, ctx)
    for duplicate in sorted(pre.duplicate_medications):
        ctx.gap("invalid-resource", "several different Medication resources with this id", f"Medication/{duplicate}")
        del pre.medications[duplicate]

    obs = Observations(pre.observations, gate, ctx, person)
    # A Condition dated after today is not known yet: it is dropped before judging, so no gap names it.
    coded = _matched(pre.conditions, "Condition")
    known = [(r, c) for r, c in coded if (condition_date(r, person.birth_date) or today) <= today]
    matched = {id(r) for r, _ in coded}
    _unrecognised_fractures([r for r in pre.conditions if id(r) not in matched], gate, person.birth_date)
    conditions = _admitted(known, gate)
    procedures = _admitted(pre.procedures, gate)
    uses = _med_uses(pre.medication_records, pre.medications, gate)
    orders = [u for u in uses if not u.draft]
    osteoporosis_orders, oncology_orders = split_oncology(orders, ctx)

    dxa = obs.dxa()
    weight, height, bmi, height_loss = body_measures(obs)
    fractures = map_fractures(conditions, ctx, person.birth_date)
    risk_factors = coded_facts(conditions, "risk-factors", today, active_only=True, earliest=True)
    medications = map_other_medications(orders, today)
    glucocorticoids = map_glucocorticoids(uses, ctx)
    parent_hip = parental_hip_fracture(gate.filter(pre.family), ctx)
    safety, hip_surgery = safety_facts(conditions + procedures, today)
    contraindications = coded_facts(conditions, "contraindications", today, active_only=False, earliest=False) + safety
    facts = PatientFacts(
        patient_id=pid,
        today=today,
        birth_date=person.birth_date,
        age=person.age,
        sex=person.sex,
        deceased=person.deceased,
        postmenopausal=postmenopausal(person, postmenopausal_record(conditions, today), ctx),
        dxa=build_exams(dxa),
        dxa_other_sites=other_sites(dxa),
        fractures=fractures,
        therapies=map_therapies(osteoporosis_orders, ctx),
        oncology_antiresorptives=map_therapies(oncology_orders, ctx),
        glucocorticoids=glucocorticoids,
        medications=medications,
        falls_12_months=falls_12_months(obs, fall_conditions(conditions), today),
        frax_major=obs.latest("frax-major"),
        frax_hip=obs.latest("frax-hip"),
        weight=weight,
        height=height,
        bmi=bmi,
        height_loss_cm=height_loss,
        vitamin_d=obs.latest("vitamin-d"),
        dairy_portions=obs.latest("dairy-portions"),
        alcohol_per_day=obs.latest("alcohol-per-day"),
        labs=labs(obs),
        risk_factors=risk_factors,
        contraindications=tuple(sorted(contraindications, key=lambda f: (f.code, f.date or date.min, f.source.reference))),
        hip_fracture_surgery=hip_surgery,
        intolerances=map_intolerances(gate.filter(pre.allergies), today),
        adherence=map_adherence(orders, today),
        non_adherence=latest_fact(conditions, "non-adherence", today),
        parental_hip_fracture=parent_hip,
        limited_life_expectancy=latest_fact(conditions + procedures, "life-expectancy", today),
        spine_imaging=spine_imaging(procedures, today),
        risk_score=cbo_score(
            today=today, birth=person.birth_date, age=person.age, weight=weight, height=height, bmi=bmi,
            fractures=fractures, parental_hip_fracture=parent_hip, risk_factors=risk_factors,
            medications=medications, glucocorticoids=glucocorticoids,
        ),
    )
    # Gaps and assumptions are complete only now that every fact has been read.
    return replace(facts, assumptions=ctx.assumptions, gaps=ctx.gaps)

"""Osteoporosis therapy episodes, other drug classes, intolerances and medication code resolution."""

from __future__ import annotations

import copy
from datetime import date

from fhir_mappings import build_facts
from fhir_mappings.facts import Agent, DataGap, Decision
from tests.test_mappings_helpers import TODAY, by_id, facts_of, resources

FACTS = facts_of("osteoporosis-therapy")


def _episodes(agent: Agent):
    return [e for e in FACTS.therapies if e.agent is agent]


def test_alendronate_orders_merge_into_a_course_then_a_holiday_then_a_new_course():
    first, second = _episodes(Agent.ALENDRONIC_ACID)
    assert (first.start, first.end) == (date(2015, 1, 10), date(2020, 1, 31))
    assert [s.resource_id for s in first.sources] == ["aln-1", "aln-2"]
    assert (second.start, second.end, second.ongoing) == (date(2023, 3, 1), None, True)
    assert (second.start - first.end).days == 1125  # the drug holiday
    assert (first.duration_days(TODAY), second.duration_days(TODAY)) == (1847, 488)


def test_contained_medication_is_read():
    (source,) = _episodes(Agent.ALENDRONIC_ACID)[1].sources
    assert (source.resource_id, source.recorded) == ("aln-3", "Alendronic acid 10 MG Oral Tablet")


def test_denosumab_from_a_referenced_medication_with_its_administrations():
    (episode,) = _episodes(Agent.DENOSUMAB)
    assert episode.administrations == (date(2021, 5, 3), date(2021, 11, 2), date(2022, 5, 10))
    assert episode.last_administration == date(2022, 5, 10)
    assert (episode.start, episode.end) == (date(2021, 5, 1), date(2022, 11, 9))


def test_zoledronic_acid_dispense_with_https_atc_system_covers_a_year():
    (episode,) = _episodes(Agent.ZOLEDRONIC_ACID)
    assert (episode.last_administration, episode.end) == (date(2016, 4, 4), date(2017, 4, 4))


def test_cancelled_order_never_counts():
    assert _episodes(Agent.ROMOSOZUMAB) == []


def test_uncoded_agent_name_is_a_gap_not_a_fact():
    assert _episodes(Agent.TERIPARATIDE) == []
    assert DataGap(
        "unrecognised-medication", "Teriparatide 20 microgram pen (Forsteo)", "MedicationRequest/teri-text",
        Decision.OSTEOPOROSIS_DRUG,
    ) in FACTS.gaps
    assert not any(g.reference == "MedicationRequest/paracetamol" for g in FACTS.gaps)


def test_current_fall_risk_drug_by_atc_prefix_and_past_ppi_left_out():
    assert [(m.drug_class, m.display, m.start) for m in FACTS.medications] == [
        ("benzodiazepines", "oxazepam", date(2022, 1, 1))
    ]


def test_intolerance_names_the_agent():
    (intolerance,) = FACTS.intolerances
    assert (intolerance.code, intolerance.source.reference) == ("alendronic-acid", "AllergyIntolerance/aln-intolerance")


def test_denosumab_given_recently_is_ongoing():
    facts = build_facts(resources("osteoporosis-therapy"), today=date(2022, 8, 1))
    (episode,) = [e for e in facts.therapies if e.agent is Agent.DENOSUMAB]
    assert episode.ongoing and episode.last_administration == date(2022, 5, 10)


def test_active_order_without_end_is_ongoing_and_stopped_statement_ends():
    record = resources("osteoporosis-therapy")
    statement = {
        "resourceType": "MedicationStatement", "id": "ralox", "status": "stopped",
        "subject": {"reference": "Patient/pat-1"},
        "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "G03XC01"}]},
        "effectivePeriod": {"start": "2010-01-01", "end": "2012-06-30"},
    }
    facts = build_facts([*record, statement], today=TODAY)
    (episode,) = [e for e in facts.therapies if e.agent is Agent.RALOXIFENE]
    assert (episode.start, episode.end) == (date(2010, 1, 1), date(2012, 6, 30))


def test_missing_referenced_medication_gives_no_fact():
    record = [r for r in resources("osteoporosis-therapy") if r["resourceType"] != "Medication"]
    facts = build_facts(record, today=TODAY)
    assert [e for e in facts.therapies if e.agent is Agent.DENOSUMAB] == []


def test_invalid_medication_request_is_skipped_and_named():
    record = resources("osteoporosis-therapy")
    broken = copy.deepcopy(by_id(record, "aln-3"))
    broken.update(id="broken", authoredOn="last week")
    facts = build_facts([*record, broken], today=TODAY)
    assert any(g.code == "invalid-resource" and g.reference == "MedicationRequest/broken" for g in facts.gaps)

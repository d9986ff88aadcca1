"""The safety invariants over random FHIR records, through the whole pipeline (HTTP endpoint → mappings → pathways
→ safety → cards), for every patient-view service (issue 12):

- never a 5xx; every card well-formed (summary < 140 characters, a contract topic, valid indicators);
- no drug suggested that a safety gate fails for this record (GATE-*), no romosozumab for a man or after a
  myocardial infarction or stroke, no raloxifene for a man;
- an overdue denosumab injection with no follow-up drug is always `critical` (RCOP-DMAB safety rule);
- a lower T-score, all else equal, never gives less treatment.

Records are built from clinical statements (fixtures/rcop/fhir_builders.py): fractures, DXA, spine imaging,
contraindications, osteoporosis drugs with injections, glucocorticoids, intolerances and a lab work-up with values in
and out of range. `make test` runs a short, derandomised run; `make fuzz-pipeline` a long random one
(PIPELINE_EXAMPLES, default 10,000).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cds_service import create_app
from cds_service.bundle_request import request_from_bundle
from cds_service.services import SERVICES
from fhir_mappings import build_facts
from fhir_mappings.facts import Agent, Sex
from fixtures.fhir_builders import AGENTS, CONDITIONS, Record
from pathways import routines
from pathways.rcop import dmab
from pathways.recommendation import Topic
from pathways.safety.gates import assess
from tests.answers import answer_topics

TODAY = date(2026, 11, 22)
EXAMPLES = int(os.environ.get("PIPELINE_EXAMPLES", "40"))
LONG_RUN = "PIPELINE_EXAMPLES" in os.environ
PATIENT_VIEW = [s.id for s in SERVICES.values() if s.hook == "patient-view"]
ATC_AGENT = {atc: Agent(agent) for agent, (atc, _) in AGENTS.items() if agent in {a.value for a in Agent}}
TOPICS = {t.value for t in Topic}
TREATMENT = {"start-antiresorptive", "refer-anabolic", "shared-decision", "switch-therapy", "restart-therapy",
             "continue-therapy", "denosumab-transition", "refer-secondary-care", "glucocorticoid-bone-protection"}
DRUGS = ["alendronic-acid", "risedronic-acid", "zoledronic-acid", "denosumab", "teriparatide", "romosozumab", "raloxifene"]

_app = create_app({"TESTING": True, "DEV": True, "TODAY": TODAY.isoformat(),
                   "DATABASE_URL": f"sqlite:///{Path(tempfile.mkdtemp(prefix='osteocds-invariants-')) / 'cards.sqlite3'}",
                   "ISSUERS_FILE": None, "FHIR_ALLOWLIST": "", "LANGUAGE": None})
_client = _app.test_client()


def day(offset_days: int) -> str:
    return (TODAY - timedelta(days=offset_days)).isoformat()


days_ago = st.integers(min_value=0, max_value=12 * 365)
t_score = st.integers(min_value=-45, max_value=15).map(lambda v: v / 10)


@dataclass(frozen=True)
class Patient:
    """The drawn clinical statements; `record(shift)` writes them as FHIR with every T-score lowered by `shift`."""

    gender: str
    birth: str
    fractures: tuple[tuple[str, int, int | None], ...]
    dxa: tuple[int, float, float] | None
    vfa: int | None
    conditions: tuple[str, ...]
    drugs: tuple[tuple[str, int, int | None, tuple[int, ...]], ...]
    prednisolone: tuple[float, int, int | None] | None
    intolerances: tuple[str, ...]
    workup: dict | None

    def record(self, shift: float = 0.0) -> Record:
        r = Record("fuzz", self.birth, self.gender)
        for site, ago, grade in self.fractures:
            r.fracture(site, day(ago), grade)
        if self.dxa:
            ago, spine, hip = self.dxa
            r.dxa(day(ago), round(spine - shift, 1), round(hip - shift, 1))
        if self.vfa is not None:
            r.spine_imaging(day(self.vfa))
        for concept in self.conditions:
            r.condition(concept, day(400))
        for agent, start, length, doses in self.drugs:
            end = start - length if length is not None and length < start else None
            r.taking(agent, day(start), day(end) if end is not None else None)
            if doses:
                r.given(agent, *(day(max(start - d, 0)) for d in doses))
        if self.prednisolone:
            mg, start, end = self.prednisolone
            r.prednisolone(mg, day(start), day(end) if end is not None and end < start else None)
        for agent in self.intolerances:
            r.intolerance(agent)
        if self.workup is not None:
            values = dict(self.workup)
            r.workup(day(values.pop("ago")), values.pop("weight"), **values)
        return r


patients = st.builds(
    Patient,
    gender=st.sampled_from(["female", "male"]),
    birth=st.integers(min_value=1925, max_value=1990).map(lambda y: f"{y}-06-15"),
    fractures=st.lists(st.tuples(st.sampled_from(["hip", "subtrochanteric", "wrist", "humerus", "vertebra", "skull"]),
                                 st.integers(min_value=0, max_value=6 * 365), st.sampled_from([None, 1, 2, 3])), max_size=3).map(tuple),
    dxa=st.none() | st.tuples(st.integers(min_value=0, max_value=4 * 365), t_score, t_score),
    vfa=st.none() | st.integers(min_value=0, max_value=3 * 365),
    conditions=st.lists(st.sampled_from([*CONDITIONS, "atypical-femoral-fracture"]), max_size=3, unique=True).map(tuple),
    drugs=st.lists(st.tuples(st.sampled_from(DRUGS), st.integers(min_value=30, max_value=12 * 365),
                             st.none() | st.integers(min_value=30, max_value=6 * 365),
                             st.lists(st.integers(min_value=0, max_value=6 * 365), max_size=4).map(tuple)), max_size=2).map(tuple),
    prednisolone=st.none() | st.tuples(st.sampled_from([2.5, 5.0, 7.5, 10.0, 30.0]), st.integers(min_value=30, max_value=900),
                                       st.none() | st.integers(min_value=0, max_value=800)),
    intolerances=st.lists(st.sampled_from(DRUGS), max_size=2, unique=True).map(tuple),
    workup=st.none() | st.fixed_dictionaries({
        "ago": st.integers(min_value=0, max_value=200), "weight": st.sampled_from([45, 60, 75, 95]),
        "calcium": st.sampled_from([7.6, 8.8, 9.5, 11.2]), "creatinine": st.sampled_from([0.7, 1.1, 1.8, 3.0]),
        "vitamin_d": st.sampled_from([6.0, 15.0, 32.0]), "pth": st.sampled_from([40.0, 95.0]),
        "albumin": st.sampled_from([2.9, 4.2]),
    }),
)


def answer(service_id: str, record: Record) -> list[dict]:
    resp = _client.post(f"/cds-services/{service_id}", json=request_from_bundle(record.bundle()))
    assert resp.status_code == 200, (resp.status_code, resp.get_json())
    return resp.get_json()["cards"]


def offered_agents(cards: list[dict]) -> set[Agent]:
    found = set()
    for card in cards:
        for s in card.get("suggestions", []):
            for action in s["actions"]:
                concept = action["resource"].get("medicationCodeableConcept") or {}
                found |= {ATC_AGENT[c["code"]] for c in concept.get("coding", []) if c.get("code") in ATC_AGENT}
    return found


def treatment(cards: list[dict]) -> int:
    """2: a drug or referral decision; 1: work-up or a decision waiting for data; 0: nothing or no drug therapy."""
    topics = answer_topics(cards)
    if topics & TREATMENT:
        return 2
    return 1 if topics - {"no-drug-therapy", "drug-holiday", "lifestyle-falls", "calcium-vitamin-d"} else 0


RUN = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG_RUN, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# found by the long run: a current drug a gate now fails for a measured value (clearance 20 ml/min on zoledronic
# acid) names that value in its summary
ZOLEDRONIC_ACID_CLEARANCE_20 = Patient("female", "1940-06-15", (), None, None, (), (("zoledronic-acid", 400, None, (300,)),),
                                       None, (), {"ago": 10, "weight": 45, "calcium": 9.5, "creatinine": 3.0,
                                                  "vitamin_d": 32.0, "pth": 40.0, "albumin": 4.2})


@RUN
@example(patient=ZOLEDRONIC_ACID_CLEARANCE_20, service_id="osteoporosis-rcop-patient-view")
@given(patient=patients, service_id=st.sampled_from(PATIENT_VIEW))
def test_no_5xx_well_formed_cards_and_no_drug_a_gate_rules_out(patient, service_id):
    record = patient.record()
    cards = answer(service_id, record)
    for card in cards:
        assert len(card["summary"]) < 140 and card["indicator"] in ("info", "warning", "critical")
        assert card["source"]["topic"]["code"] in TOPICS
    facts = build_facts(record.resources, patient_id=record.pid, today=TODAY)
    for agent in offered_agents(cards):
        assert not assess(facts, agent).blocked, f"{agent.value} offered although a gate fails"
    conditions = {c.code for c in facts.contraindications}
    if facts.sex is not Sex.FEMALE or conditions & {"myocardial-infarction", "stroke"}:
        assert Agent.ROMOSOZUMAB not in offered_agents(cards)
    if facts.sex is not Sex.FEMALE:
        assert Agent.RALOXIFENE not in offered_agents(cards)


@RUN
@given(patient=patients)
def test_an_overdue_denosumab_injection_without_a_follow_up_drug_is_critical(patient):
    record = patient.record()
    facts = build_facts(record.resources, patient_id=record.pid, today=TODAY)
    last = routines.last_administration(facts, Agent.DENOSUMAB)
    if last is None or not dmab.overdue(facts, last) or dmab.follow_up_episodes(facts, last):
        return
    cards = answer("osteoporosis-rcop-patient-view", record)
    assert any(c["indicator"] == "critical" for c in cards), [c["summary"] for c in cards]


@RUN
@given(patient=patients.filter(lambda p: p.dxa is not None), shift=st.integers(min_value=1, max_value=15).map(lambda v: v / 10))
def test_a_lower_t_score_never_gives_less_treatment(patient, shift):
    service = "osteoporosis-rcop-patient-view"
    assert treatment(answer(service, patient.record(shift))) >= treatment(answer(service, patient.record()))

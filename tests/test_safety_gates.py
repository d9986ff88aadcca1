"""Each safety gate on its own (pathways/safety/gates.py): pass, fail and unknown input, at its threshold; and the
property the whole mechanism exists for — no suggestion of any answer carries a drug a gate fails on that record."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fhir_mappings.facts import Agent, CodedFact, FractureSite, Measured, Sex, TherapyEpisode
from pathways import evaluate
from pathways.recommendation import SuggestionKind
from pathways.safety import inputs
from pathways.safety.config import HIGH_IMPACT, smpc
from pathways.safety.gates import Status, assess
from tests.rcop_helpers import LAB_DAY, NORMAL_LABS, coded, dxa, episode, fracture, lab, make, src, vf

ZOL, ALN, RIS, DMAB, RLX, ROMO, TPTD = (Agent.ZOLEDRONIC_ACID, Agent.ALENDRONIC_ACID, Agent.RISEDRONIC_ACID, Agent.DENOSUMAB,
                                         Agent.RALOXIFENE, Agent.ROMOSOZUMAB, Agent.TERIPARATIDE)


def labs(**values: float) -> tuple:
    """The normal panel with some results replaced (value in the canonical unit)."""
    return tuple(lab(c, values.get(c.replace("-", "_"), m.value), m.unit, low=m.low, high=m.high) for c, m in NORMAL_LABS)


def weight(kg: float) -> Measured:
    return Measured(kg, "kg", LAB_DAY, src("Observation", "weight", LAB_DAY))


def finding(agent: Agent, node: str, **kw) -> tuple[Status, str] | None:
    """The status and message of one gate for one drug on the facts `make(**kw)` builds (None: it passes)."""
    found = [r for r in assess(make(**kw), agent).results if r.node == node]
    return (found[0].status, found[0].why) if found else None


@pytest.mark.parametrize(("kw", "expected"), [
    (dict(age=82, labs=labs(creatinine=115.0), weight=weight(50)), (Status.FAIL, "clearance-below")),  # 26 ml/min
    (dict(age=82, labs=labs(creatinine=100.0), weight=weight(58)), None),  # 35 ml/min: the limit passes
    (dict(age=82, labs=labs(creatinine=100.0), weight=None), (Status.UNKNOWN, "renal-zoledronic-unknown")),
    (dict(age=82, labs=labs(creatinine=80.0, egfr=20.0), weight=weight(70)), None),  # eGFR is not its proxy
])
def test_zoledronic_acid_needs_the_cockcroft_gault_clearance(kw, expected):
    assert finding(ZOL, "GATE-RENAL-ZOL", **kw) == expected


def test_clearance_of_an_82_year_old_woman_of_50_kg_with_egfr_55_is_34():
    """guidelines.md: "an 82-year-old of 50 kg can have eGFR 55 and clearance 34"."""
    assert inputs.clearance(make(82, labs=labs(creatinine=89.0, egfr=55.0), weight=weight(50))).value == 34


@pytest.mark.parametrize(("gfr", "expected"), [(34.0, (Status.WARN, "gfr-not-recommended")), (35.0, None)])
def test_alendronic_acid_is_not_recommended_below_gfr_35(gfr, expected):
    assert finding(ALN, "GATE-RENAL-ALN", labs=labs(egfr=gfr)) == expected


@pytest.mark.parametrize(("calcium", "albumin", "expected"), [
    (2.10, 40.0, (Status.FAIL, "hypocalcaemia")),
    (2.05, 30.0, None),  # corrected 2.25: uncorrected total calcium with low albumin is not hypocalcaemia
    (2.15, 40.0, None),  # the laboratory's lower limit itself is normal
])
def test_hypocalcaemia_is_judged_on_albumin_corrected_calcium(calcium, albumin, expected):
    assert finding(DMAB, "GATE-HYPOCALCAEMIA", labs=labs(calcium=calcium, albumin=albumin)) == expected


def test_denosumab_needs_a_calcium_result_since_its_previous_dose():
    on_it = (episode(DMAB, date(2025, 1, 1), last=date(2026, 11, 10)),)
    assert finding(DMAB, "GATE-HYPOCALCAEMIA", therapies=on_it) == (Status.UNKNOWN, "calcium-unknown")


def test_teriparatide_is_contraindicated_in_hypercalcaemia():
    assert finding(TPTD, "GATE-HYPERCALCAEMIA", labs=labs(calcium=2.70)) == (Status.FAIL, "hypercalcaemia")


@pytest.mark.parametrize(("agent", "expected"), [(ZOL, (Status.FAIL, "vitamin-d-deficient")), (ALN, (Status.ADVICE, "vitamin-d-alongside"))])
def test_deficient_vitamin_d_delays_the_infusion_and_rides_along_with_tablets(agent, expected):
    assert finding(agent, "GATE-VITAMIN-D", vitamin_d=Measured(8.0, "ng/mL", LAB_DAY, src())) == expected


@pytest.mark.parametrize(("values", "found"), [
    (dict(pth=9.0), "raised-pth"),
    (dict(tsh=0.05), "suppressed-tsh"),
    (dict(m_protein=4.0), "m-protein"),
    (dict(alkaline_phosphatase=200.0, phosphate=0.6), "possible-osteomalacia"),
])
def test_lab_signs_of_a_secondary_cause_leave_no_drug(values, found):
    result = [r for r in assess(make(labs=labs(**values)), ALN).results if r.node == "GATE-SECONDARY"][0]
    assert result.status is Status.FAIL and found in dict(result.params)["findings"]


def test_a_lab_without_a_result_in_its_window_is_unknown_never_normal():
    assert finding(ALN, "GATE-SECONDARY", labs=()) == (Status.UNKNOWN, "secondary-unknown")


@pytest.mark.parametrize(("agent", "node", "kw", "why"), [
    (ALN, "GATE-ONJ", dict(contraindications=(coded("jaw-osteonecrosis"),)), "jaw-osteonecrosis"),
    (RLX, "GATE-ONJ", dict(contraindications=(coded("jaw-osteonecrosis"),)), None),  # not raloxifene
    (DMAB, "GATE-AFF", dict(contraindications=(coded("atypical-femoral-fracture"),)), "atypical-femoral-fracture"),
    (ALN, "GATE-OESOPHAGUS", dict(contraindications=(coded("achalasia"),)), "oesophagus"),
    (RLX, "GATE-RALOXIFENE", dict(sex=Sex.MALE), "women-only"),
    (RLX, "GATE-RALOXIFENE", dict(age=50, postmenopausal=None), "postmenopausal-only"),
    (RLX, "GATE-RALOXIFENE", dict(contraindications=(coded("venous-thromboembolism"),)), "raloxifene-condition"),
    (RLX, "GATE-RALOXIFENE", dict(fractures=(fracture(FractureSite.HIP, date(2026, 10, 1)),)), "immobilisation"),
    (ROMO, "GATE-CV", dict(contraindications=(coded("stroke"),)), "cardiovascular"),
    (ROMO, "GATE-CV", dict(sex=Sex.UNKNOWN), "women-only"),
    (TPTD, "GATE-TERIPARATIDE", dict(contraindications=(coded("paget-disease"),)), "teriparatide-condition"),
    (TPTD, "GATE-TERIPARATIDE", dict(therapies=(episode(TPTD, date(2023, 1, 1), date(2025, 1, 1)),)), "teriparatide-lifetime"),
    (ALN, "GATE-ONCOLOGY", dict(contraindications=(coded("bone-metastases"),)), "oncology"),
    (ZOL, "GATE-PREGNANCY", dict(contraindications=(coded("pregnancy"),)), "pregnancy"),
])
def test_condition_gates_fail_on_their_record_and_pass_without_it(agent, node, kw, why):
    assert finding(agent, node, **kw) == ((Status.FAIL, why) if why else None)
    # no such record: an absent record is not an unknown (raloxifene's start still asks about it, review 2 W26)
    assert finding(agent, node) == ((Status.ADVICE, "raloxifene-safety") if node == "GATE-RALOXIFENE" else None)


def test_achalasia_is_a_precaution_for_risedronic_acid_worded_as_one():
    """Review (C5): a contraindication for alendronic acid, a precaution (SmPC 4.4) for risedronic acid."""
    assert finding(RIS, "GATE-OESOPHAGUS", contraindications=(coded("achalasia"),)) == (Status.WARN, "oesophagus-caution")


def test_raloxifene_already_taken_needs_no_start_advice():
    assert finding(Agent.RALOXIFENE, "GATE-RALOXIFENE",
                   therapies=(TherapyEpisode(Agent.RALOXIFENE, date(2025, 1, 1), None, (src("MedicationStatement", "r"),)),)) is None


def test_an_oncology_regimen_on_record_leaves_no_osteoporosis_drug():
    xgeva = TherapyEpisode(DMAB, date(2026, 9, 1), None, (src("MedicationAdministration", "x"),))
    assert finding(ALN, "GATE-ONCOLOGY", oncology_antiresorptives=(xgeva,)) == (Status.FAIL, "oncology")


def test_a_subtrochanteric_fracture_on_a_bisphosphonate_is_a_possible_atypical_fracture():
    subtrochanteric = fracture(FractureSite.HIP, date(2026, 10, 1))
    subtrochanteric = subtrochanteric.__class__(**{**subtrochanteric.__dict__, "atypical_site": True})
    on_it = (episode(ALN, date(2020, 1, 1)),)
    assert finding(ZOL, "GATE-AFF", therapies=on_it, fractures=(subtrochanteric,)) == (Status.FAIL, "possible-aff")
    assert finding(ZOL, "GATE-AFF", fractures=(subtrochanteric,)) is None  # never exposed: an ordinary hip fracture


def test_zoledronic_acid_waits_two_weeks_after_the_hip_fracture():
    recent = fracture(FractureSite.HIP, date(2026, 11, 15))
    assert [r.not_before for r in assess(make(fractures=(recent,)), ZOL).results if r.node == "GATE-HIP-SURGERY"] == [date(2026, 11, 29)]


# --- the property: no suggestion ever carries a drug a gate fails on that record ----------------------------------
CONDITIONS = ["jaw-osteonecrosis", "atypical-femoral-fracture", "myocardial-infarction", "stroke", "achalasia",
              "venous-thromboembolism", "paget-disease", "bone-metastases", "pregnancy", "ckd-stage-4-5"]


@st.composite
def records(draw):
    """Facts of a patient some chart applies to, with random labs, weight, conditions, sex and menopause."""
    age = draw(st.integers(min_value=45, max_value=95))
    sex = draw(st.sampled_from([Sex.FEMALE, Sex.MALE, Sex.UNKNOWN]))
    values = {
        "calcium": draw(st.floats(min_value=1.7, max_value=3.0)), "albumin": draw(st.floats(min_value=25.0, max_value=48.0)),
        "creatinine": draw(st.floats(min_value=40.0, max_value=400.0)), "egfr": draw(st.floats(min_value=8.0, max_value=110.0)),
        "pth": draw(st.floats(min_value=1.0, max_value=20.0)), "tsh": draw(st.floats(min_value=0.01, max_value=6.0)),
    }
    chosen = draw(st.lists(st.sampled_from(["calcium", "albumin", "creatinine", "egfr", "pth", "tsh", "phosphate",
                                            "alkaline-phosphatase", "m-protein"]), unique=True))
    kept = tuple(lab(c, values.get(c, m.value), m.unit, low=m.low, high=m.high) for c, m in NORMAL_LABS if c in chosen)
    fractures = draw(st.sampled_from([(fracture(FractureSite.HIP, date(2026, 9, 1)),), (fracture(FractureSite.WRIST, date(2026, 9, 1)), vf(2)),
                                      (fracture(FractureSite.WRIST, date(2026, 9, 1)),)]))
    return make(
        age, sex, labs=kept, fractures=fractures, dxa=(dxa(draw(st.sampled_from([-3.2, -2.6, -1.8, -0.5]))),),
        weight=draw(st.sampled_from([None, weight(45), weight(80)])),
        vitamin_d=draw(st.sampled_from([None, Measured(8.0, "ng/mL", LAB_DAY, src()), Measured(30.0, "ng/mL", LAB_DAY, src())])),
        postmenopausal=draw(st.sampled_from([True, False, None])) if sex is Sex.FEMALE else False,
        contraindications=tuple(CodedFact(c, c, date(2024, 1, 1), src("Condition", c)) for c in draw(st.lists(st.sampled_from(CONDITIONS), unique=True, max_size=3))),
    )


@settings(max_examples=150, deadline=None)
@given(facts=records())
def test_no_suggestion_ever_carries_a_drug_a_gate_fails_on_that_record(facts):
    """For random records: every suggested drug passes its gates; a single high-impact dose is not suggested while
    a gate's input is unknown; a suggested drug with a warning or an unknown input is never recommended."""
    for rec in evaluate("rcop-2023", facts):
        for s in rec.suggestions:
            if s.kind is not SuggestionKind.MEDICATION or s.key not in {a.value for a in Agent}:
                continue
            verdict = assess(facts, Agent(s.key))
            assert not verdict.blocked and not verdict.deferred, (s.key, verdict.results)
            assert not (verdict.agent in HIGH_IMPACT and verdict.status is Status.UNKNOWN)
            assert not (s.recommended and verdict.status in (Status.WARN, Status.UNKNOWN))


def test_every_sources_list_in_gates_toml_belongs_to_a_gate_or_a_row_that_cites_it():
    """A source filed under another table (it once sat in [net], where nothing reads it) would never reach a card."""
    data = tomllib.loads((Path(__file__).resolve().parents[1] / "pathways" / "safety" / "gates.toml").read_text(encoding="utf-8"))
    stray = [name for name, table in data.items() if isinstance(table, dict) and "sources" in table]
    assert stray == []
    assert smpc("GATE-DENTAL", frozenset({"zoledronic-acid"})) == ("Aclasta, Prolia, Evenity 4.4",)

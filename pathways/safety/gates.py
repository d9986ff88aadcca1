"""The safety gates of guidelines.md ("Safety gates", "How gates apply"): pure functions of the facts that say
whether a drug may be suggested (or, for the order checks, ordered) for this patient now.

Each gate returns None (pass) or a `GateResult`: WARN (pass with a warning: still suggested, never
isRecommended, the label says what to check), UNKNOWN (a lab input missing or too old), FAIL (never a
suggestion), or ADVICE (a note for the card that changes nothing about the suggestion). Condition gates pass
when no such record exists — an absent record is not an unknown. Thresholds and sources: gates.toml.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import IntEnum

from fhir_mappings.facts import Agent, FractureSite, PatientFacts, Sex
from pathways import evidence, routines
from pathways.recommendation import Evidence, Num, Reason
from pathways.safety import inputs, secondary
from pathways.safety.config import WINDOWS, agents, gate, section


class Status(IntEnum):
    ADVICE = 0
    WARN = 1
    UNKNOWN = 2
    FAIL = 3


@dataclass(frozen=True)
class GateResult:
    """One gate's finding for one drug."""

    node: str  # "GATE-RENAL-ZOL"
    status: Status
    why: str  # message key suffix: the card text is `gate.<why>`
    params: tuple[tuple[str, object], ...] = ()
    needs: tuple[str, ...] = ()  # inputs to obtain first: lab concepts, or "weight"
    not_before: date | None = None  # not to be given before this day
    refer: bool = False  # the way forward is a referral (ONJ, AFF, oncology)
    evidence: tuple[Evidence, ...] = ()  # the facts the gate judged
    defer: bool = False  # a FAIL that only delays the drug (a loading dose first): the decision stands

    @property
    def reason(self) -> Reason:
        return Reason(self.node, f"gate.{self.why}", self.params)


def on_denosumab(result: GateResult) -> Reason:
    """A referring gate's (ONJ, AFF, secondary cause) wording for a running denosumab: not "no denosumab", which
    would read as a plain stop, but its next injection after specialist review (guidelines.md GATE-AFF)."""
    return replace(result.reason, message=f"{result.reason.message}.on-denosumab")


def _result(node: str, status: Status, why: str, *, needs: tuple[str, ...] = (), not_before: date | None = None,
            refer: bool = False, used: tuple[Evidence, ...] = (), defer: bool = False, **params: object) -> GateResult:
    values = tuple(sorted((k, Num(v, _digits(v)) if isinstance(v, float) else v) for k, v in params.items()))
    return GateResult(node, status, why, values, needs, not_before, refer, used, defer)


def _digits(v: float) -> int:
    """As measured: a whole value without decimals (25-OH-D 8 ng/ml), else 2 below 10 (calcium 1,91), else 1."""
    return 0 if v.is_integer() else 2 if abs(v) < 10 else 1


def _conditions(facts: PatientFacts, codes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    wanted = set(codes)
    return tuple(sorted({c.code for c in facts.contraindications if c.code in wanted}))


def _condition_evidence(facts: PatientFacts, codes: tuple[str, ...]) -> tuple[Evidence, ...]:
    return tuple(evidence.coded("fact.condition", c) for c in facts.contraindications if c.code in codes)


def _labs(*found: inputs.Lab) -> tuple[Evidence, ...]:
    """The lab results (and weight) a gate read."""
    return tuple(evidence.lab(concept, m) for concept, m in found)


def _female_postmenopausal(facts: PatientFacts) -> bool:
    return facts.sex is Sex.FEMALE and facts.postmenopausal is True


# renal -------------------------------------------------------------------------------------------------------
def renal_zoledronic(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-RENAL-ZOL: Cockcroft-Gault clearance < 35 ml/min from a creatinine <= 3 months old and a recorded
    weight; eGFR is not accepted as its proxy. Without them: unknown (the plan asks for them)."""
    node, row = "GATE-RENAL-ZOL", gate("GATE-RENAL-ZOL")
    found = inputs.clearance(facts, WINDOWS["creatinine_zoledronic_months"])
    if found is None:
        missing = inputs.clearance_missing(facts, WINDOWS["creatinine_zoledronic_months"]) or ("creatinine",)
        return _result(node, Status.UNKNOWN, "renal-zoledronic-unknown", needs=missing, agent=agent.value)
    if found.value < row["clearance_below"]:
        return _result(node, Status.FAIL, "clearance-below", agent=agent.value, value=round(found.value),
                       limit=row["clearance_below"], used=_labs(*found.sources))
    return None


def _clearance_gate(node: str, status: Status, why: str) -> Callable[[PatientFacts, Agent], GateResult | None]:
    """A gate on creatinine clearance (Cockcroft-Gault, eGFR as its stated proxy) below the row's limit."""

    def check(facts: PatientFacts, agent: Agent) -> GateResult | None:
        limit = gate(node)["clearance_below"]
        found = inputs.renal_function(facts)
        if found is None:
            return _result(node, Status.UNKNOWN, "renal-unknown", needs=("creatinine",), agent=agent.value, limit=limit)
        if found.value < limit:
            return _result(node, status, why, agent=agent.value, value=round(found.value), limit=limit, kind=found.kind,
                           used=_labs(*found.sources))
        if found.kind == "egfr":
            return _result(node, Status.ADVICE, "egfr-as-proxy", agent=agent.value, value=round(found.value))
        return None

    return check


def renal_alendronic(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-RENAL-ALN: not recommended with GFR < 35 ml/min (eGFR acceptable)."""
    node, limit = "GATE-RENAL-ALN", gate("GATE-RENAL-ALN")["gfr_below"]
    found = inputs.gfr(facts)
    if found is None:
        return _result(node, Status.UNKNOWN, "renal-unknown", needs=("creatinine",), agent=agent.value, limit=limit)
    if found.value < limit:
        return _result(node, Status.WARN, "gfr-not-recommended", agent=agent.value, value=round(found.value), limit=limit,
                       kind=found.kind, used=_labs(*found.sources))
    return None


def renal_severe(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-RENAL-SEVERE: teriparatide and raloxifene are contraindicated in severe renal impairment (clearance
    < 30 ml/min); teriparatide with caution in moderate impairment."""
    node, renal = "GATE-RENAL-SEVERE", section("renal")
    found = inputs.renal_function(facts)
    if found is None:
        return _result(node, Status.UNKNOWN, "renal-unknown", needs=("creatinine",), agent=agent.value, limit=renal["severe_below"])
    if found.value < renal["severe_below"]:
        return _result(node, Status.FAIL, "renal-severe", agent=agent.value, value=round(found.value), kind=found.kind,
                       used=_labs(*found.sources))
    if agent is Agent.TERIPARATIDE and found.value < renal["moderate_below"]:
        return _result(node, Status.WARN, "renal-moderate", agent=agent.value, value=round(found.value), kind=found.kind,
                       used=_labs(*found.sources))
    return None


def renal_denosumab(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-RENAL-DMAB: not contraindicated; eGFR < 30 or dialysis: never isRecommended, calcium, phosphate, PTH
    and 25-OH-D first, specialist in CKD 4-5, calcium 1-2 weeks after the first injection — and with
    bisphosphonates excluded, denosumab cannot be stopped safely later."""
    row = gate("GATE-RENAL-DMAB")
    egfr = inputs.result(facts, "egfr")
    severe = _conditions(facts, ("dialysis", "ckd-stage-4-5")) or (egfr is not None and egfr.value < row["egfr_below"])
    if not severe:
        return None
    missing = tuple(c for c in row["labs_first"] if inputs.result(facts, c) is None)
    used = _condition_evidence(facts, ("dialysis", "ckd-stage-4-5")) + (_labs(("egfr", egfr)) if egfr is not None else ())
    why = "renal-denosumab" if missing else "renal-denosumab-labs-known"  # the label asks only for labs not on file
    return _result("GATE-RENAL-DMAB", Status.WARN, why, needs=missing, agent=agent.value, used=used, **({"missing": missing} if missing else {}))


# calcium and vitamin D -------------------------------------------------------------------------------------
def hypocalcaemia(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-HYPOCALCAEMIA: albumin-corrected or ionised calcium below the lower limit is a contraindication.
    Denosumab: a calcium result since the previous dose."""
    node = "GATE-HYPOCALCAEMIA"
    found = inputs.calcium(facts)
    last_dose = routines.last_administration(facts, Agent.DENOSUMAB) if agent is Agent.DENOSUMAB else None
    if found is None or (last_dose is not None and max(m.date for _, m in found.sources) < last_dose):
        return _result(node, Status.UNKNOWN, "calcium-unknown", needs=("calcium", "albumin"), agent=agent.value)
    if found.below:
        return _result(node, Status.FAIL, "hypocalcaemia", agent=agent.value, value=found.value, low=found.low,
                       kind=found.kind, used=_labs(*found.sources))
    return None


def hypercalcaemia(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-HYPERCALCAEMIA: pre-existing hypercalcaemia contraindicates teriparatide."""
    node = "GATE-HYPERCALCAEMIA"
    found = inputs.calcium(facts)
    if found is None:
        return _result(node, Status.UNKNOWN, "calcium-unknown", needs=("calcium", "albumin"), agent=agent.value)
    if found.above:
        return _result(node, Status.FAIL, "hypercalcaemia", agent=agent.value, value=found.value, high=found.high,
                       kind=found.kind, used=_labs(*found.sources))
    return None


def vitamin_d(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-VITAMIN-D: 25-OH-D < 30 nmol/L (12 ng/ml): a loading dose first and zoledronic acid / denosumab at
    least a week later; oral bisphosphonates start vitamin D alongside. After a recent hip fracture a loading
    dose before the first zoledronic acid infusion."""
    node, row = "GATE-VITAMIN-D", gate("GATE-VITAMIN-D")
    blocking = agent in agents(row["blocking"])
    level = inputs.result(facts, "vitamin-d")
    if level is None:
        if blocking and agent not in routines.current_agents(facts):  # asked before a start, not before each dose
            return _result(node, Status.UNKNOWN, "vitamin-d-unknown", needs=("vitamin-d",), agent=agent.value)
        return _result(node, Status.ADVICE, "vitamin-d-alongside", agent=agent.value)
    if level.value < row["deficiency_below"]:
        if blocking:
            return _result(node, Status.FAIL, "vitamin-d-deficient", agent=agent.value, value=level.value,
                           days=row["delay_days"], used=_labs(("vitamin-d", level)), defer=True)
        return _result(node, Status.ADVICE, "vitamin-d-alongside", agent=agent.value)
    if agent is Agent.ZOLEDRONIC_ACID and _recent_hip_fracture(facts) and not routines.administrations(facts, agent):
        return _result(node, Status.ADVICE, "vitamin-d-loading-after-hip-fracture", agent=agent.value)
    return None


def _recent_hip_fracture(facts: PatientFacts) -> date | None:
    """The date of a hip fracture in the last `recent_hip_fracture_months` (Interpretation, gates.toml)."""
    found = routines.recent_fractures(facts, WINDOWS["recent_hip_fracture_months"])
    dates = [f.date for f in found if f.site is FractureSite.HIP and f.date is not None]
    return max(dates) if dates else None


def hip_surgery(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-HIP-SURGERY: zoledronic acid at least 2 weeks after hip-fracture surgery (the fracture date when no
    operation is recorded: surgery follows within days)."""
    node, days = "GATE-HIP-SURGERY", gate("GATE-HIP-SURGERY")["min_days"]
    surgery = facts.hip_fracture_surgery.date if facts.hip_fracture_surgery else None
    when = surgery or _recent_hip_fracture(facts)
    if when is None:
        return None
    earliest = when + timedelta(days=days)
    if earliest <= facts.today:
        return None
    why = "hip-surgery-timing" if surgery else "hip-fracture-timing"
    return _result(node, Status.ADVICE, why, not_before=earliest, agent=agent.value, start=earliest)


# secondary causes, conditions ------------------------------------------------------------------------------
def secondary_causes(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-SECONDARY: raised calcium or PTH, an M-protein, raised alkaline phosphatase with low phosphate or low
    25-OH-D (possible osteomalacia), suppressed TSH: no one-click drug order; investigate or refer."""
    found = secondary.findings(facts)
    if found:
        return _result("GATE-SECONDARY", Status.FAIL, "secondary-cause", refer=True, agent=agent.value, findings=found,
                       used=_labs(*secondary.results(facts)))
    lacking = secondary.missing(facts)
    if lacking and agent not in routines.current_agents(facts):  # the work-up is for a start, not the next dose
        return _result("GATE-SECONDARY", Status.UNKNOWN, "secondary-unknown", needs=lacking, agent=agent.value, missing=lacking)
    return None


def jaw_osteonecrosis(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-ONJ: osteonecrosis of the jaw on record: no one-click order; refer (with an oral surgeon)."""
    if _conditions(facts, ("jaw-osteonecrosis",)):
        return _result("GATE-ONJ", Status.FAIL, "jaw-osteonecrosis", refer=True, agent=agent.value,
                       used=_condition_evidence(facts, ("jaw-osteonecrosis",)))
    return None


def atypical_femoral_fracture(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-AFF: an atypical femoral fracture on record: no one-click order, refer. A subtrochanteric or
    femoral-shaft fracture, or thigh or groin pain, while on (or within 5 years of) a bisphosphonate or
    denosumab: possible AFF — X-ray of both femora first, never a switch to another bisphosphonate before."""
    if _conditions(facts, ("atypical-femoral-fracture",)):
        return _result("GATE-AFF", Status.FAIL, "atypical-femoral-fracture", refer=True, agent=agent.value,
                       used=_condition_evidence(facts, ("atypical-femoral-fracture",)))
    signs = possible_aff_signs(facts)
    if signs:
        used = evidence.fractures(tuple(f for f in facts.fractures if f.atypical_site))
        used += _condition_evidence(facts, ("thigh-pain", "groin-pain"))
        return _result("GATE-AFF", Status.FAIL, "possible-aff", agent=agent.value, signs=signs, used=used)
    return None


def possible_aff_signs(facts: PatientFacts) -> tuple[str, ...]:
    """Signs of a possible AFF in a patient exposed to a bisphosphonate or denosumab in the last 5 years."""
    row = gate("GATE-AFF")
    since = routines.add_months(facts.today, -12 * WINDOWS["possible_aff_years"])
    exposed = [e for e in routines.episodes(facts, agents(row["possible_aff_agents"])) if (e.end or facts.today) >= since]
    if not exposed:
        return ()
    first = min(e.start for e in exposed)
    signs = ["atypical-site-fracture"] if any(f.atypical_site and f.date and f.date >= first for f in facts.fractures) else []
    signs += [c.code for c in facts.contraindications if c.code in ("thigh-pain", "groin-pain") and (c.date or facts.today) >= first]
    return tuple(dict.fromkeys(signs))


def oesophagus(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-OESOPHAGUS: oesophageal stricture or achalasia: contraindicated for alendronic acid, a precaution for
    risedronic acid; offer IV or SC."""
    row = gate("GATE-OESOPHAGUS")
    found = _conditions(facts, row["conditions"])
    if not found:
        return None
    failed = agent in agents(row["contraindicated"])
    return _result("GATE-OESOPHAGUS", Status.FAIL if failed else Status.WARN, "oesophagus" if failed else "oesophagus-caution",
                   agent=agent.value, conditions=found,
                   used=_condition_evidence(facts, found))


def raloxifene(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-RALOXIFENE: women after the menopause only; never with venous thromboembolism, hepatic impairment or
    cholestasis, unexplained uterine bleeding or endometrial cancer; not during immobilisation (a recent hip
    fracture). Passed at a start: the label asks for what the record cannot rule out (past VTE, liver, bleeding)."""
    node = "GATE-RALOXIFENE"
    if facts.sex is not Sex.FEMALE:
        return _result(node, Status.FAIL, "women-only", agent=agent.value, sex=facts.sex.value)
    if facts.postmenopausal is not True:
        return _result(node, Status.FAIL, "postmenopausal-only", agent=agent.value)
    found = _conditions(facts, gate(node)["conditions"])
    if found:
        return _result(node, Status.FAIL, "raloxifene-condition", agent=agent.value, conditions=found,
                       used=_condition_evidence(facts, found))
    if _recent_hip_fracture(facts):
        return _result(node, Status.FAIL, "immobilisation", agent=agent.value)
    if routines.episodes(facts, (agent,)):
        return None  # already on it: the check was for the start
    # no VTE on record is not no VTE: the start asks for it (advice, as the dental check)
    return _result(node, Status.ADVICE, "raloxifene-safety", agent=agent.value)


def cardiovascular(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-CV: romosozumab never with a myocardial infarction or stroke on record, and (product indication)
    for women after the menopause only."""
    node = "GATE-CV"
    found = _conditions(facts, gate(node)["conditions"])
    if found:
        return _result(node, Status.FAIL, "cardiovascular", agent=agent.value, conditions=found,
                       used=_condition_evidence(facts, found))
    if facts.sex is not Sex.FEMALE:
        return _result(node, Status.FAIL, "women-only", agent=agent.value, sex=facts.sex.value)
    if facts.postmenopausal is not True:
        return _result(node, Status.FAIL, "postmenopausal-only", agent=agent.value)
    return None


def teriparatide(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-TERIPARATIDE: metabolic bone disease other than primary osteoporosis, unexplained raised alkaline
    phosphatase, prior skeletal radiotherapy, skeletal malignancy or bone metastases, pregnancy or breast-feeding;
    at most 24 months in a lifetime."""
    node, row = "GATE-TERIPARATIDE", gate("GATE-TERIPARATIDE")
    found = _conditions(facts, row["conditions"])
    if found:
        return _result(node, Status.FAIL, "teriparatide-condition", agent=agent.value, conditions=found,
                       used=_condition_evidence(facts, found))
    used = sum(e.duration_days(facts.today) for e in routines.episodes(facts, (Agent.TERIPARATIDE, Agent.ABALOPARATIDE)))
    if used >= (routines.add_months(facts.today, row["lifetime_months"]) - facts.today).days:
        return _result(node, Status.FAIL, "teriparatide-lifetime", agent=agent.value, months=row["lifetime_months"])
    if secondary.raised_alkaline_phosphatase(facts):
        return _result(node, Status.FAIL, "raised-alkaline-phosphatase", agent=agent.value)
    return None


def oncology(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-ONCOLOGY: an oncology antiresorptive (denosumab 120 mg, zoledronic acid 4 mg) or bone metastases on
    record: no osteoporosis drug suggestion; the oncology regimen governs."""
    found = _conditions(facts, gate("GATE-ONCOLOGY")["conditions"])
    if facts.oncology_antiresorptives or found:
        used = tuple(x for e in facts.oncology_antiresorptives for x in evidence.therapy(e)) + _condition_evidence(facts, found)
        return _result("GATE-ONCOLOGY", Status.FAIL, "oncology", agent=agent.value, used=used)
    return None


def pregnancy(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-PREGNANCY: pregnancy or breast-feeding on record: no osteoporosis drug; a premenopausal woman (or one
    whose status is unknown): the card states the pregnancy / contraception check."""
    found = _conditions(facts, gate("GATE-PREGNANCY")["conditions"])
    if found:
        return _result("GATE-PREGNANCY", Status.FAIL, "pregnancy", agent=agent.value, conditions=found,
                       used=_condition_evidence(facts, found))
    if facts.sex is Sex.FEMALE and facts.postmenopausal is not True:
        return _result("GATE-PREGNANCY", Status.ADVICE, "pregnancy-check", agent=agent.value)
    return None


def intolerance(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-INTOLERANCE (gates.toml, Interpretation): an allergy or intolerance on record to a drug the patient is
    not taking: no one-click order; the card names the record."""
    found = tuple(i for i in facts.intolerances if i.code == agent.value)
    if not found or agent in routines.current_agents(facts):
        return None
    return _result("GATE-INTOLERANCE", Status.FAIL, "intolerance", agent=agent.value,
                   used=tuple(evidence.coded("fact.intolerance", i) for i in found))


def dental(facts: PatientFacts, agent: Agent) -> GateResult | None:
    """GATE-DENTAL: advise a dental check before starting (advice, not a gate)."""
    if routines.episodes(facts, (agent,)):
        return None  # already on it: the advice was for the start
    return _result("GATE-DENTAL", Status.ADVICE, "dental-check", agent=agent.value)


Gate = Callable[[PatientFacts, Agent], GateResult | None]

CHECKS: dict[str, Gate] = {
    "GATE-ONCOLOGY": oncology,
    "GATE-PREGNANCY": pregnancy,
    "GATE-ONJ": jaw_osteonecrosis,
    "GATE-INTOLERANCE": intolerance,
    "GATE-AFF": atypical_femoral_fracture,
    "GATE-CV": cardiovascular,
    "GATE-RALOXIFENE": raloxifene,
    "GATE-TERIPARATIDE": teriparatide,
    "GATE-OESOPHAGUS": oesophagus,
    "GATE-HYPOCALCAEMIA": hypocalcaemia,
    "GATE-HYPERCALCAEMIA": hypercalcaemia,
    "GATE-SECONDARY": secondary_causes,
    "GATE-RENAL-ZOL": renal_zoledronic,
    "GATE-RENAL-ALN": renal_alendronic,
    "GATE-RENAL-RIS": _clearance_gate("GATE-RENAL-RIS", Status.FAIL, "clearance-below"),
    "GATE-RENAL-SEVERE": renal_severe,
    "GATE-RENAL-DMAB": renal_denosumab,
    "GATE-VITAMIN-D": vitamin_d,
    "GATE-HIP-SURGERY": hip_surgery,
    "GATE-DENTAL": dental,
}


@dataclass(frozen=True)
class Verdict:
    """Every gate's finding for one drug, worst first."""

    agent: Agent
    results: tuple[GateResult, ...]

    @property
    def status(self) -> Status | None:
        """The worst finding (None: every gate passes)."""
        return max((r.status for r in self.results), default=None)

    def at(self, status: Status) -> tuple[GateResult, ...]:
        return tuple(r for r in self.results if r.status is status)

    @property
    def blocked(self) -> bool:
        """A gate fails for a reason that a delay does not cure."""
        return any(r.status is Status.FAIL and not r.defer for r in self.results)

    @property
    def deferred(self) -> tuple[GateResult, ...]:
        """Failing gates that only delay the drug (a vitamin D loading dose first)."""
        return tuple(r for r in self.results if r.status is Status.FAIL and r.defer)

    @property
    def not_before(self) -> date | None:
        return max((r.not_before for r in self.results if r.not_before), default=None)

    @property
    def needs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for r in self.results for n in r.needs))


def inputs_used(facts: PatientFacts, agent: Agent) -> tuple[Evidence, ...]:
    """The results the gates of `agent` judged on this record — renal function, calcium, 25-OH vitamin D — for the
    card's facts, also when every gate passes (a card says which facts it used)."""
    names = {node for node in CHECKS if agent in agents(gate(node)["agents"])}
    used: list[Evidence] = []
    if "GATE-RENAL-ZOL" in names:
        found = inputs.clearance(facts, WINDOWS["creatinine_zoledronic_months"])
        used += [evidence.clearance(found.value, found.creatinine.source)] + list(_labs(*found.sources)) if found else []
    elif names & {"GATE-RENAL-ALN", "GATE-RENAL-RIS", "GATE-RENAL-SEVERE", "GATE-RENAL-DMAB"}:
        found = inputs.renal_function(facts)
        used += _labs(*found.sources) if found else ()
    if names & {"GATE-HYPOCALCAEMIA", "GATE-HYPERCALCAEMIA"} and (calcium := inputs.calcium(facts)) is not None:
        used += [evidence.calcium(calcium.value, calcium.kind, calcium.sources[0][1].source), *_labs(*calcium.sources)]
    if "GATE-VITAMIN-D" in names and (level := inputs.result(facts, "vitamin-d")) is not None:
        used += _labs(("vitamin-d", level))
    return tuple(dict.fromkeys(used))


def assess(facts: PatientFacts, agent: Agent) -> Verdict:
    """Run every gate that names `agent` (gates.toml `agents`)."""
    found = [
        result
        for node, check in CHECKS.items()
        if agent in agents(gate(node)["agents"]) and (result := check(facts, agent)) is not None
    ]
    return Verdict(agent, tuple(sorted(found, key=lambda r: (-r.status, r.node))))


def screen(facts: PatientFacts, candidates: Iterable[Agent]) -> tuple[tuple[Agent, ...], tuple[Reason, ...]]:
    """The agents no gate rules out, and the findings of those a gate does (an anabolic drug named for a referral:
    romosozumab after a myocardial infarction, teriparatide with Paget's disease, ...)."""
    verdicts = [assess(facts, a) for a in candidates]
    passing = tuple(v.agent for v in verdicts if not v.blocked)
    return passing, tuple(r.reason for v in verdicts if v.blocked for r in v.at(Status.FAIL))

"""APPENDIX 5 — "Terugbetalingscriteria voor tweedelijnsmedicatie", each criterion judged met / not met / unknown.

Romosozumab: "Enkel postmenopauzale vrouwen"; "Fractuur van bekken, wervel (> 4 mm en 25%) heup of de humerus, pols
(75+) tijdens voorbije 24 maanden EN T-score < -2,5 lumbaal of heup (BMD max. 6 maanden oud) OF voorafgaande
wervelfractuur (> 4 mm en 25%)"; "Contra-indicatie: ischemische events".
Teriparatide: "T-score < -2,5 lumbaal of heup (BMD max 6 maanden oud) EN >= 2 of >= 1 (corticoïdgeïnduceerde
osteoporose) wervelfracturen (> 4 mm en 25%) EN >= 12 maanden behandeling met een bisfosfonaat of SERM".

A criterion the record cannot decide is "unknown", never "met" or "not met" (vitaz-2025.toml [anabolic]).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from fhir_mappings.facts import Agent, Fracture, FractureSite, PatientFacts, Provenance, Sex
from pathways import routines
from pathways.recommendation import Evidence, Num
from pathways.vitaz.config import section

_CFG = section("anabolic")
_PRIOR = tuple(Agent(a) for a in _CFG["prior_treatment_agents"])


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not-met"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Criterion:
    """One reimbursement criterion with what the record says about it."""

    key: str  # e.g. "romosozumab.sex": message key "vitaz.criterion.<key>"
    status: Status
    detail: str = ""  # the facts it rests on, a template (pathways.evidence): `{code}` words, `{name}` parameters
    source: Provenance | None = None
    params: tuple[tuple[str, object], ...] = ()

    @property
    def evidence(self) -> Evidence:
        detail = f" — {self.detail}" if self.detail else ""
        return Evidence(f"vitaz.criterion.{self.key}", f"{{{self.status.value}}}{detail}", self.source, self.params)


def _fracture(key: str, status: Status, f: Fracture) -> Criterion:
    """A criterion that rests on one fracture: its site, Genant grade and date."""
    grade = " ({genant} {grade})" if f.genant_grade else ""
    when = ", {date}" if f.date else ""
    params = ((("grade", f.genant_grade),) if f.genant_grade else ()) + ((("date", f.date),) if f.date else ())
    return Criterion(key, status, f"{{{f.site.value}}}{grade}{when}", f.source, params)


def _graded_vfs(facts: PatientFacts) -> tuple[tuple[Fracture, ...], tuple[Fracture, ...]]:
    """Vertebral fractures "(> 4 mm en 25%)" (Genant grade >= 2) and those of unknown grade."""
    vfs = routines.vertebral_fractures(facts)
    return (
        tuple(f for f in vfs if (f.genant_grade or 0) >= _CFG["vertebral_grade"]),
        tuple(f for f in vfs if f.genant_grade is None),
    )


def bmd_recent(facts: PatientFacts) -> bool:
    """A BMD of at most `bmd_max_months` ("BMD max. 6 maanden oud") is on record."""
    return routines.latest_dxa(facts, since=routines.add_months(facts.today, -_CFG["bmd_max_months"])) is not None


def ungraded_vertebral(facts: PatientFacts) -> tuple[Fracture, ...]:
    """Vertebral fractures of unknown Genant grade: "(> 4 mm en 25%)" cannot be judged until it is recorded."""
    return _graded_vfs(facts)[1]


def _bmd(key: str, facts: PatientFacts) -> Criterion:
    """"T-score < -2,5 lumbaal of heup (BMD max. 6 maanden oud)"."""
    exam = routines.latest_dxa(facts)
    if exam is None:
        return Criterion(key, Status.UNKNOWN, "{no-bmd}")
    t = exam.lowest_t
    if exam.date < routines.add_months(facts.today, -_CFG["bmd_max_months"]):
        return Criterion(key, Status.UNKNOWN, "{bmd-too-old} ({date})", t.source, (("date", exam.date),))
    status = Status.MET if t.value < _CFG["t_below"] else Status.NOT_MET
    params = (("t", Num(t.value, 1, signed=True)), ("date", t.date))
    return Criterion(key, status, f"T {{t}} ({{{t.site.value}}}, {{date}})", t.source, params)


def _sex(facts: PatientFacts) -> Criterion:
    """"Enkel postmenopauzale vrouwen"."""
    if facts.sex is Sex.FEMALE and facts.postmenopausal:
        return Criterion("romosozumab.sex", Status.MET, "{postmenopausal}")
    if facts.sex is Sex.MALE:
        return Criterion("romosozumab.sex", Status.NOT_MET, "{male}")
    if facts.sex is Sex.FEMALE and facts.postmenopausal is False:
        return Criterion("romosozumab.sex", Status.NOT_MET, "{female}, {premenopausal}")
    return Criterion("romosozumab.sex", Status.UNKNOWN, "{sex-or-menopause-unknown}")


def _recent_fracture(facts: PatientFacts) -> Criterion:
    """"Fractuur van bekken, wervel (> 4 mm en 25%) heup of de humerus, pols (75+) tijdens voorbije 24 maanden"; a
    humerus or wrist fracture before 75 is named as the reason it is not met."""
    key, unknown, younger = "romosozumab.fracture", None, None
    for f in routines.recent_fractures(facts, _CFG["fracture_months"]):
        if f.site is FractureSite.VERTEBRA and f.genant_grade is None:
            unknown = unknown or f
            continue
        if f.site.value in _CFG["romosozumab_sites"] and (
            f.site is not FractureSite.VERTEBRA or f.genant_grade >= _CFG["vertebral_grade"]
        ):
            return _fracture(key, Status.MET, f)
        if f.site.value in _CFG["romosozumab_older_sites"]:
            age = routines.age_at(facts, f.date)
            if age is None:
                unknown = unknown or f
            elif age >= _CFG["romosozumab_older_age"]:
                return _fracture(key, Status.MET, f)
            else:
                younger = younger or (f, age)
    if unknown is not None:
        return _fracture(key, Status.UNKNOWN, unknown)
    if younger is not None:
        f, age = younger
        found = _fracture(key, Status.NOT_MET, f)
        params = (*found.params, ("age", age), ("older", _CFG["romosozumab_older_age"]))
        return replace(found, detail=f"{found.detail} {{at-age}}", params=params)
    return Criterion(key, Status.NOT_MET, "{no-qualifying-fracture}")


def _bmd_or_vf(facts: PatientFacts) -> Criterion:
    """"T-score < -2,5 lumbaal of heup (BMD max. 6 maanden oud) OF voorafgaande wervelfractuur (> 4 mm en 25%)"."""
    bmd = _bmd("romosozumab.bmd-or-vf", facts)
    graded, ungraded = _graded_vfs(facts)
    if bmd.status is Status.MET:
        return bmd
    if graded:
        return _fracture("romosozumab.bmd-or-vf", Status.MET, graded[0])
    if bmd.status is Status.UNKNOWN or ungraded:
        return replace(bmd, status=Status.UNKNOWN)
    return bmd


def _ischaemic(facts: PatientFacts) -> Criterion:
    """"Contra-indicatie: ischemische events" — met when no myocardial infarction or stroke is on record."""
    found = [c for c in facts.contraindications if c.code in _CFG["romosozumab_contraindications"]]
    if found:
        return Criterion("romosozumab.no-ischaemic-event", Status.NOT_MET, f"{{{found[0].code}}}", found[0].source)
    return Criterion("romosozumab.no-ischaemic-event", Status.MET)


def romosozumab(facts: PatientFacts) -> tuple[Criterion, ...]:
    return (_sex(facts), _recent_fracture(facts), _bmd_or_vf(facts), _ischaemic(facts))


def _giop(facts: PatientFacts) -> bool:
    """Glucocorticoid-induced osteoporosis (Interpretation): a systemic course of >= 3 months on record."""
    courses = (e for e in facts.glucocorticoids if not e.draft)
    return any(routines.glucocorticoid_days(e, facts.today) >= _CFG["giop_min_days"] for e in courses)


def _vertebral_count(facts: PatientFacts) -> Criterion:
    """">= 2 of >= 1 (corticoïdgeïnduceerde osteoporose) wervelfracturen (> 4 mm en 25%)"."""
    giop = _giop(facts)
    needed = _CFG["teriparatide_fractures_giop"] if giop else _CFG["teriparatide_fractures"]
    graded, ungraded = _graded_vfs(facts)
    detail = "{count} ({genant} ≥ {grade})" + (", {giop}" if giop else "")
    params = (("count", len(graded)), ("grade", _CFG["vertebral_grade"]))
    source = graded[0].source if graded else None
    if len(graded) >= needed:
        status = Status.MET
    elif len(graded) + len(ungraded) >= needed:
        status = Status.UNKNOWN
    elif not spine_imaged(facts):  # no VFA: a fracture not on record is not a fracture ruled out
        status, detail = Status.UNKNOWN, f"{detail}, {{no-vfa}}"
    else:
        status = Status.NOT_MET
    return Criterion("teriparatide.vertebral-fractures", status, detail, source, params)


def spine_imaged(facts: PatientFacts) -> bool:
    """A VFA or spine X-ray at most `vfa_valid_months` old and after the latest fracture: the vertebral fractures on
    record are all there are."""
    return routines.vf_status(facts, _CFG["vertebral_grade"], _CFG["vfa_valid_months"]) is not routines.VfStatus.UNKNOWN


def _prior_treatment(facts: PatientFacts) -> Criterion:
    """">= 12 maanden behandeling met een bisfosfonaat of SERM" (days on them, summed over episodes)."""
    taken = routines.episodes(facts, _PRIOR)
    days = sum(e.duration_days(facts.today) for e in taken)
    status = Status.MET if days >= _CFG["prior_treatment_days"] else Status.NOT_MET
    source = taken[-1].sources[-1] if taken and taken[-1].sources else None
    return Criterion("teriparatide.prior-treatment", status, "{count} {days}", source, (("count", days),))


def teriparatide(facts: PatientFacts) -> tuple[Criterion, ...]:
    return (_bmd("teriparatide.bmd", facts), _vertebral_count(facts), _prior_treatment(facts))


def all_met(criteria: tuple[Criterion, ...]) -> bool:
    return all(c.status is Status.MET for c in criteria)


def undecided(criteria: tuple[Criterion, ...]) -> bool:
    """No criterion fails, but some are unknown: reimbursement may be possible once the data is there."""
    return not any(c.status is Status.NOT_MET for c in criteria) and any(c.status is Status.UNKNOWN for c in criteria)

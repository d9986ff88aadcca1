"""The typed, immutable patient picture that every pathway reads.

This is the contract between `fhir_mappings` (which builds it from FHIR R4 JSON)
and `pathways` (which reads nothing else). Every fact carries its `Provenance`
so a card can say "T-score -2.7 (lumbar spine, DXA 2026-03-01)".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


@dataclass(frozen=True)
class Provenance:
    """Where a fact came from: the resource, its clinical date and the value as recorded."""

    resource_type: str
    resource_id: str | None
    date: date | None = None
    recorded: str | None = None  # value and unit as written in the resource, e.g. "-2.7 {T-score}"

    @property
    def reference(self) -> str:
        return f"{self.resource_type}/{self.resource_id or '?'}"


@dataclass(frozen=True)
class Assumption:
    """Something taken as true without data; cards print it (message key + params)."""

    code: str  # e.g. "postmenopausal-by-age", "life-expectancy-over-12-months"
    params: tuple[tuple[str, object], ...] = ()


class Decision(StrEnum):
    """A decision of consequence that an unreadable record can change (contract: data-needed without a chart)."""

    OSTEOPOROSIS_DRUG = "osteoporosis-drug"
    FRACTURE = "fracture"
    GLUCOCORTICOID = "glucocorticoid"
    DXA = "dxa"


@dataclass(frozen=True)
class DataGap:
    """Data that was missing, unreadable or invalid, with the resource it concerns."""

    code: str  # e.g. "invalid-resource", "unknown-unit", "no-dose", "no-birthdate"
    detail: str = ""
    reference: str | None = None  # "Observation/abc"
    decision: Decision | None = None  # the decision the unread record could change, if one of consequence


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class DxaSite(StrEnum):
    LUMBAR_SPINE = "lumbar-spine"
    SPINE = "spine"
    TOTAL_HIP = "total-hip"
    FEMORAL_NECK = "femoral-neck"
    FEMUR = "femur"  # proximal femur, site not further specified
    FOREARM = "forearm"  # recognised, never a guideline site
    CALCANEUS = "calcaneus"  # recognised, never a guideline site
    OTHER = "other"


GUIDELINE_T_SITES = frozenset(
    {DxaSite.LUMBAR_SPINE, DxaSite.SPINE, DxaSite.TOTAL_HIP, DxaSite.FEMORAL_NECK, DxaSite.FEMUR}
)
HIP_SITES = frozenset({DxaSite.TOTAL_HIP, DxaSite.FEMORAL_NECK, DxaSite.FEMUR})


class DxaKind(StrEnum):
    T_SCORE = "t-score"
    Z_SCORE = "z-score"
    BMD = "bmd"  # g/cm2


@dataclass(frozen=True)
class DxaMeasurement:
    site: DxaSite
    kind: DxaKind
    value: float
    date: date
    source: Provenance
    laterality: str | None = None  # "left" | "right"


@dataclass(frozen=True)
class DxaExam:
    """All DXA measurements of one date, with the guideline's derived values."""

    date: date
    measurements: tuple[DxaMeasurement, ...]
    lowest_t: DxaMeasurement | None  # lowest of spine / total hip / femoral neck
    hip_t: DxaMeasurement | None  # lower of total hip / femoral neck
    lowest_z: DxaMeasurement | None
    bmd_change_pct: float | None = None  # largest loss vs baseline at the same site (negative = loss)
    bmd_change_site: DxaSite | None = None


class FractureSite(StrEnum):
    HIP = "hip"
    VERTEBRA = "vertebra"
    PELVIS = "pelvis"
    HUMERUS = "humerus"
    WRIST = "wrist"  # wrist / distal forearm
    OTHER = "other"  # other counted fracture (e.g. rib, ankle, clavicle)
    UNSPECIFIED = "unspecified"  # fracture code without a site (e.g. "pathological fracture due to osteoporosis")


@dataclass(frozen=True)
class Fracture:
    site: FractureSite
    date: date | None
    counted: bool  # counts as a (fragility) fracture for the guidelines
    source: Provenance
    excluded_reason: str | None = None  # "face" | "skull" | "fingers" | "toes" | "cervical-spine" | "pathological" | "high-energy"
    osteoporotic: bool = False  # coded as due to osteoporosis
    genant_grade: int | None = None  # vertebral only: 1..3 from Condition.severity
    atypical_site: bool = False  # subtrochanteric or femoral shaft: where an atypical femoral fracture occurs


class Agent(StrEnum):
    """Osteoporosis drugs by active substance (the keys of the regimen data)."""

    ALENDRONIC_ACID = "alendronic-acid"
    RISEDRONIC_ACID = "risedronic-acid"
    IBANDRONIC_ACID = "ibandronic-acid"
    ZOLEDRONIC_ACID = "zoledronic-acid"
    DENOSUMAB = "denosumab"
    TERIPARATIDE = "teriparatide"
    ABALOPARATIDE = "abaloparatide"
    ROMOSOZUMAB = "romosozumab"
    RALOXIFENE = "raloxifene"


ORAL_BISPHOSPHONATES = frozenset({Agent.ALENDRONIC_ACID, Agent.RISEDRONIC_ACID, Agent.IBANDRONIC_ACID})
BISPHOSPHONATES = ORAL_BISPHOSPHONATES | {Agent.ZOLEDRONIC_ACID}
ANTIRESORPTIVES = BISPHOSPHONATES | {Agent.DENOSUMAB, Agent.RALOXIFENE}
ANABOLICS = frozenset({Agent.TERIPARATIDE, Agent.ABALOPARATIDE, Agent.ROMOSOZUMAB})


@dataclass(frozen=True)
class TherapyEpisode:
    """One agent taken over a continuous period (merged from requests, statements, dispenses, administrations)."""

    agent: Agent
    start: date
    end: date | None  # None = ongoing at `today`
    sources: tuple[Provenance, ...]
    last_administration: date | None = None  # injections/infusions: the last given dose
    administrations: tuple[date, ...] = ()  # dates of injections/infusions, when known

    @property
    def ongoing(self) -> bool:
        return self.end is None

    def duration_days(self, today: date) -> int:
        """Days on this agent, up to `today` for an ongoing episode (added by fhir_mappings)."""
        return ((self.end or today) - self.start).days


@dataclass(frozen=True)
class GlucocorticoidEpisode:
    """One course of systemic glucocorticoids (records joined while the gaps stay short), with the
    prednisone-equivalent daily dose in effect today, or at the course's end."""

    substance: str  # "prednisolone", ...
    prednisone_mg_per_day: float | None  # None when the dose could not be read (a DataGap says why)
    start: date
    end: date | None  # None = ongoing
    source: Provenance  # the record the dose is read from: the one in effect today (or at the course's end)
    planned_days: int | None = None  # expected duration of the course as ordered, from its start
    draft: bool = False  # a draft order (order-select/order-sign): planned, not yet taken
    sources: tuple[Provenance, ...] = ()  # every record of the course (orders, statements, dispenses, administrations)


@dataclass(frozen=True)
class Medication:
    """Any other current drug in a class the guidelines name (fall-risk, bone-risk)."""

    drug_class: str  # value-set name, e.g. "benzodiazepines", "aromatase-inhibitors", "ppi"
    display: str
    start: date | None
    end: date | None
    source: Provenance
    substances: tuple[str, ...] = ()  # what a supplement supplies ("calcium", "vitamin-d"), where its code says


@dataclass(frozen=True)
class Measured:
    """A single dated numeric observation in a canonical unit, with the laboratory's own range and flag."""

    value: float
    unit: str  # canonical UCUM unit, e.g. "kg", "kg/m2", "ng/mL", "%", "cm", "/a"
    date: date | None
    source: Provenance
    low: float | None = None  # referenceRange low for this patient, in `unit` (None: not given or not applicable)
    high: float | None = None  # referenceRange high, in `unit`
    flag: str | None = None  # v3 ObservationInterpretation code as recorded: "L", "H", "LL", "HH", "N", "A", ...


@dataclass(frozen=True)
class CodedFact:
    """A coded finding that is present (condition, risk factor, contraindication)."""

    code: str  # the value-set concept, e.g. "rheumatoid-arthritis", "myocardial-infarction"
    display: str
    date: date | None
    source: Provenance


@dataclass(frozen=True)
class Adherence:
    """Proportion of days covered (PDC) of one osteoporosis drug over a recent window, from dispenses with a
    days' supply or from given doses (each covers its dosing interval)."""

    agent: Agent
    proportion: float  # 0..1
    start: date  # window start
    end: date  # window end (today)
    sources: tuple[Provenance, ...]  # the dispenses / administrations counted


@dataclass(frozen=True)
class RiskScore:
    """The Dutch CBO-2011 case-finding score with its components (points by factor)."""

    total: int
    components: tuple[tuple[str, int, Provenance | None], ...]  # (factor, points, evidence)


@dataclass(frozen=True)
class PatientFacts:
    """Everything the guidelines need about one patient, as of `today`."""

    patient_id: str | None
    today: date
    birth_date: date | None
    age: int | None
    sex: Sex
    deceased: bool = False
    postmenopausal: bool | None = None  # None = unknown (men: False)
    dxa: tuple[DxaExam, ...] = ()  # oldest first; `dxa[-1]` is the latest
    dxa_other_sites: tuple[DxaMeasurement, ...] = ()  # latest result per site the guidelines do not use (forearm, ...)
    fractures: tuple[Fracture, ...] = ()  # vertebral fractures included (site VERTEBRA)
    therapies: tuple[TherapyEpisode, ...] = ()  # osteoporosis drugs
    oncology_antiresorptives: tuple[TherapyEpisode, ...] = ()  # denosumab 120 mg / zoledronic acid 4 mg regimens
    glucocorticoids: tuple[GlucocorticoidEpisode, ...] = ()
    medications: tuple[Medication, ...] = ()  # fall-risk and bone-risk drug classes
    falls_12_months: Measured | None = None
    frax_major: Measured | None = None  # percent
    frax_hip: Measured | None = None  # percent
    weight: Measured | None = None  # kg
    height: Measured | None = None  # cm
    bmi: Measured | None = None  # kg/m2
    height_loss_cm: Measured | None = None
    vitamin_d: Measured | None = None  # 25-OH-D, ng/mL
    dairy_portions: Measured | None = None  # dairy (or calcium-enriched soy) portions a day
    alcohol_per_day: Measured | None = None  # alcoholic drinks a day
    labs: tuple[tuple[str, Measured], ...] = ()  # other panel members by value-set concept
    risk_factors: tuple[CodedFact, ...] = ()  # Appendix 1 / CBO factors present
    contraindications: tuple[CodedFact, ...] = ()  # MI, stroke, ONJ, AFF and the safety-conditions concepts
    hip_fracture_surgery: CodedFact | None = None  # latest hip-fracture repair Procedure
    intolerances: tuple[CodedFact, ...] = ()  # AllergyIntolerance to an osteoporosis drug; code = the Agent value
    adherence: tuple[Adherence, ...] = ()  # days covered per osteoporosis drug, where dispenses/administrations show it
    non_adherence: CodedFact | None = None  # non-adherence recorded by a clinician (latest)
    parental_hip_fracture: CodedFact | None = None
    limited_life_expectancy: CodedFact | None = None  # palliative / terminal care on record
    spine_imaging: tuple[CodedFact, ...] = ()  # latest VFA / spine X-ray per kind: answers the vertebral-fracture question
    risk_score: RiskScore | None = None
    assumptions: tuple[Assumption, ...] = ()
    gaps: tuple[DataGap, ...] = ()

    @property
    def latest_dxa(self) -> DxaExam | None:
        return self.dxa[-1] if self.dxa else None

    @property
    def vertebral_fractures_by_grade(self) -> dict[int | None, int]:
        """Counted vertebral fractures per Genant grade (None = grade not recorded) (added by fhir_mappings)."""
        counts: dict[int | None, int] = {}
        for f in self.fractures:
            if f.site is FractureSite.VERTEBRA and f.counted:
                counts[f.genant_grade] = counts.get(f.genant_grade, 0) + 1
        return counts


@dataclass(frozen=True)
class DraftOrder:
    """A draft MedicationRequest of an order-select/order-sign call (`context.draftOrders`), read for the order checks.

    Never part of `PatientFacts`: a draft is planned, not taken. The dose and timing are as the draft writes them, so
    the checks can compare them with the standard regimen.
    """

    source: Provenance  # "MedicationRequest/<id>", its start, the drug as the draft names it
    selected: bool  # named in `context.selections` (order-select); order-sign evaluates every draft
    start: date  # authoredOn / boundsPeriod.start; a draft without one starts today
    agent: Agent | None = None  # an osteoporosis drug
    classes: tuple[str, ...] = ()  # the value sets of its drug (fall-risk, bone-risk, glucocorticoid, supplement classes)
    substance: str | None = None  # the substance, where a value set names it (zolpidem: its dose for older patients)
    dose_mg: float | None = None  # one dose in mg (teriparatide 20 micrograms = 0.02); None when unreadable
    per_day: float | None = None  # administrations per day (weekly = 1/7); None when the timing is unreadable
    single: bool = False  # one administration only (timing.repeat.count 1 without a frequency)
    expected_days: int | None = None  # how long the order is expected to run (supply x repeats, bounds, quantity, validity)
    glucocorticoid: GlucocorticoidEpisode | None = None  # a systemic glucocorticoid, as a planned course

    @property
    def reference(self) -> str:
        return self.source.reference

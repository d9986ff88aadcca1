"""FHIR R4 -> guideline facts: the only code that reads the patient's raw FHIR.

`build_facts(resources, today=..., patient_id=None)` returns one immutable `PatientFacts`.
Decisions worth knowing when reading the facts (the rules themselves are data in `data/`):

* Records marked entered-in-error, refuted, cancelled, not-done or not-taken never count, nor do
  `doNotPerform` orders, proposals/plans and `intended` statements (not taken). Statuses are read
  from the coding in the HL7 code system; an unconfirmed/provisional Condition is an `unconfirmed` gap.
  An Observation that is registered/preliminary/unknown is not final: it is not used and is
  reported as a `not-final` DataGap. A resolved fracture or myocardial infarction still counts;
  a resolved risk factor does not.
* A record that matched a value set but is not valid FHIR (R4B models) in an element the mapping
  reads, or that names an element its type does not define, is skipped as an `invalid-resource`
  DataGap; elements never read are not checked (a draft order, which an `update` card echoes, is checked
  whole). Repeated labs and vitals are validated only when they would become the fact (the latest, the
  tallest height, the falls of the last year).
* Records dated after `today` are not known yet on that date and are left out (and so is a
  deceasedDateTime after today). Records are this patient's when they name its id or its Bundle
  entry fullUrl; with no Patient, records of several subjects are not mixed (nothing is read).
* Doses: mass units (UCUM or the spellings in `data/dose-units.json`) convert; only count units
  use the tablet strength; anything else is an `unknown-unit` gap. A taper is read at the step in
  effect today (its highest step, as an Assumption, when its steps cannot be dated).
* Glucocorticoids count when their drug class says systemic (ATC H02); a local class never counts;
  an ingredient code is judged by its route (SNOMED, EDQM, Dutch/English/Latin text). Records of one
  course (renewals, dispenses, statements) are joined within a tolerated gap (`courses`).
* Numbers and dates outside the plausible ranges of `data/plausibility.json` are `implausible-value`
  gaps, never facts; date arithmetic saturates at the calendar's ends (`dates.shift`).
* A gap about a record that could change a decision of consequence names it (`DataGap.decision`:
  osteoporosis drug, fracture, glucocorticoid, DXA), taken from the record's value set.
* Facts that rest only on a code marked unverified in the value sets carry an `unverified-code`
  Assumption; menopausal status assumed from age is an Assumption too.
* Draft MedicationRequests in a record appear only as glucocorticoid episodes with `draft=True`; they
  never become therapy episodes or current medications. The draft orders of an order-select/order-sign
  call (`context.draftOrders`) are read apart from the record, leniently, into `DraftOrder` facts
  (`fhir_mappings.drafts.read_drafts`).
* Labs are in one canonical unit per concept (calcium and ionised calcium mmol/L, albumin g/L,
  creatinine umol/L, PTH pmol/L, TSH mU/L, m-protein g/L) with the laboratory's reference range for
  this patient (`low`/`high`, same unit; ranges of another sex or age left out, disagreeing ones give
  none) and its flag (v3 ObservationInterpretation code). A qualitative M-protein result is a gap.
* `Fracture.atypical_site`: subtrochanteric (site hip, in SNOMED and ICD-10 alike) or femoral-shaft
  (site other) fracture, by code or bodySite. An atypical femoral fracture itself only from a code
  that names it (ICD-10-CM M84.75-).
* Denosumab 120 mg and zoledronic acid 4 mg (by product code or dose) are `oncology_antiresorptives`,
  never `therapies`; undosed records follow the nearest dosed one, else osteoporosis (an Assumption).
* `contraindications` also holds the `safety-conditions`/`safety-procedures` concepts (VTE, oesophageal
  stricture, achalasia, bone metastases, skeletal malignancy, Paget, hyper-/hypoparathyroidism, hepatic
  impairment, cholestasis, uterine bleeding, endometrial cancer, pregnancy, breast-feeding, irradiation,
  dialysis, CKD 4-5, thigh pain); whether a resolved one counts is per concept in the value set.
  `hip_fracture_surgery` is the latest hip-fracture repair Procedure.
"""

from datetime import date

from fhir.resources.R4B import get_fhir_model_class

from fhir_mappings.build import build_facts
from fhir_mappings.prefetch import RESOURCE_TYPES
from fhir_mappings.units import registry
from fhir_mappings.valuesets import valuesets

__all__ = ["build_facts", "warm_up"]


def warm_up() -> None:
    """Build the lazy caches (UCUM registry, value sets, rule tables, FHIR model classes) now, not on the first request."""
    registry()
    valuesets()
    for resource_type in (*RESOURCE_TYPES.values(), "Medication"):
        get_fhir_model_class(resource_type)
    build_facts([], today=date.today())

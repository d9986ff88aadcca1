"""`context.draftOrders` -> `DraftOrder` facts for the order checks (order-select / order-sign).

Drafts arrive as real clients send them: the Sandbox's Bundle has no `type`, its first draft no medication and no
`intent`, `category` as an object; other clients write `doseAndRate` as an object or point `medicationReference` at a
contained Medication. Those shapes are read (`lenient`); a draft that is still not valid FHIR R4 afterwards, or that
names another patient, is skipped with a data gap, never a failed call. A draft without a drug the value sets know
is not one the checks are about and is left out silently.

The lenient copy of each draft is returned too: a card that rewrites a draft (`update`) starts from it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from fhir_mappings.bundle import iter_resources
from fhir_mappings.collector import Collector
from fhir_mappings.conformance import every_element
from fhir_mappings.dosage import dose_mg
from fhir_mappings.facts import Agent, DataGap, DraftOrder, GlucocorticoidEpisode
from fhir_mappings.glucocorticoids import VALUESET as GLUCOCORTICOIDS, map_glucocorticoids
from fhir_mappings.medications import MedUse, read_use, resolve_medication
from fhir_mappings.oncology import split_oncology
from fhir_mappings.provenance import period_end, period_start, provenance, quantity_unit, ref
from fhir_mappings.records import Gate
from fhir_mappings.therapy import OSTEOPOROSIS_VALUESETS
from fhir_mappings.timing import per_day, repeat_of
from fhir_mappings.valuesets import match_concept, valuesets

_LISTS = ("category", "dosageInstruction")  # elements R4 repeats that clients send as a single object


@dataclass(frozen=True)
class Drafts:
    """The drafts of one call: the ones the checks read, the drafts of a known drug that could not be read (as data
    gaps; a dose that cannot be read is the dose check's business), and each readable draft as a valid R4 resource by
    reference (what an `update` suggestion rewrites, what a `delete` names)."""

    orders: tuple[DraftOrder, ...] = ()
    gaps: tuple[DataGap, ...] = ()
    resources: dict[str, dict] | None = None


def lenient(resource: dict, patient_id: str) -> dict:
    """A copy with the deviations real clients send repaired: a missing status (`draft`), intent (`order`) or subject
    (this patient), an object where R4 has a list (`category`, `dosageInstruction`, `doseAndRate`)."""
    out = copy.deepcopy(resource)
    out.setdefault("status", "draft")
    out.setdefault("intent", "order")
    out.setdefault("subject", {"reference": f"Patient/{patient_id}"})
    for key in _LISTS:
        if isinstance(out.get(key), dict):
            out[key] = [out[key]]
    for dosage in out["dosageInstruction"] if isinstance(out.get("dosageInstruction"), list) else ():
        if isinstance(dosage, dict) and isinstance(dosage.get("doseAndRate"), dict):
            dosage["doseAndRate"] = [dosage["doseAndRate"]]
    return out


def _codes(concept: Any) -> tuple:
    return tuple(c for c in match_concept([concept]) if "MedicationRequest" in valuesets()[c.valueset].resource_types)


def _first_dosage(use: MedUse) -> dict:
    return next(iter(use.dosages), {})


def _dose_quantity(dosage: dict) -> Any:
    return next((d["doseQuantity"] for d in dosage.get("doseAndRate") or () if isinstance(d, dict) and "doseQuantity" in d), None)


def _timing(dosage: dict) -> tuple[float | None, bool]:
    """(administrations per day, one administration only) of a dosage as written; without a timing neither is known."""
    repeat = repeat_of(dosage) or {}
    count = repeat.get("count")
    frequency = per_day(repeat) if {"frequency", "period", "periodUnit", "when", "timeOfDay"} & repeat.keys() else None
    return frequency, count == 1 and frequency is None


def _quantity_days(use: MedUse, rate: float | None) -> int | None:
    """Days the dispensed quantity lasts at the dose (both in the same unit, e.g. tablets), repeats included."""
    dispense = use.resource.get("dispenseRequest") or {}
    quantity, dose = dispense.get("quantity"), _dose_quantity(_first_dosage(use))
    if not (isinstance(quantity, dict) and isinstance(dose, dict) and rate):
        return None
    amount, each = quantity.get("value"), dose.get("value")
    if not isinstance(amount, (int, float)) or not isinstance(each, (int, float)) or each <= 0:
        return None
    if quantity_unit(quantity).lower() != quantity_unit(dose).lower():
        return None
    repeats = dispense.get("numberOfRepeatsAllowed")
    return round(amount / (each * rate) * ((repeats if isinstance(repeats, int) and repeats >= 0 else 0) + 1))


def _validity_days(use: MedUse) -> int | None:
    validity = (use.resource.get("dispenseRequest") or {}).get("validityPeriod")
    start, end = period_start(validity) or use.start, period_end(validity)
    return (end - start).days if start and end and end > start else None


def expected_days(use: MedUse, rate: float | None) -> int | None:
    """How long a draft is expected to run: what the mapping reads (supply x repeats, dosage bounds, a counted
    course), else the dispensed quantity at the dose, else the prescription's validity period."""
    return use.planned_days or _quantity_days(use, rate) or _validity_days(use)


def _planned_start(use: MedUse) -> date | None:
    """The day a draft is to start, where its dosage says so (timing.repeat.boundsPeriod.start): a draft written
    today may be meant for later (a bisphosphonate 6 months after the last denosumab injection)."""
    starts = [period_start(((d.get("timing") or {}).get("repeat") or {}).get("boundsPeriod")) for d in use.dosages]
    return min((s for s in starts if s is not None), default=None)


def _agent(use: MedUse, ctx: Collector) -> Agent | None:
    """The osteoporosis drug of the draft; an oncology regimen (denosumab 120 mg, zoledronic acid 4 mg) is none."""
    agent = next((c.get("agent") for c in use.codes if c.valueset in OSTEOPOROSIS_VALUESETS and c.get("agent")), None)
    if agent is None:
        return None
    osteoporosis, _ = split_oncology([use], ctx)
    return Agent(agent) if osteoporosis else None


def _glucocorticoid(use: MedUse, expected: int | None, ctx: Collector) -> GlucocorticoidEpisode | None:
    """A systemic glucocorticoid draft as the mapping reads one (prednisone-equivalent dose, route), planned for
    its expected duration."""
    if not any(c.valueset == GLUCOCORTICOIDS for c in use.codes):
        return None
    found = map_glucocorticoids([use], ctx)
    return replace(found[0], planned_days=expected or found[0].planned_days) if found else None


def read_order(resource: dict, medications: dict[str, dict], ctx: Collector, selected: bool) -> DraftOrder:
    """One readable draft of a drug the value sets know, as a `DraftOrder`."""
    concept, medication = resolve_medication(resource, medications)
    use = read_use(resource, _codes(concept), medication, ctx.today)
    dosage = _first_dosage(use)
    rate, single = _timing(dosage)
    quantity = _dose_quantity(dosage)
    dose = dose_mg(quantity, use)[0] if quantity is not None else None
    expected = expected_days(use, rate)
    start = _planned_start(use) or use.start or ctx.today
    return DraftOrder(
        source=provenance(resource, start, use.display),
        selected=selected,
        start=start,
        agent=_agent(use, ctx),
        classes=tuple(sorted({c.valueset for c in use.codes})),
        substance=next((c.get("substance") for c in use.codes if c.get("substance")), None),
        dose_mg=dose,
        per_day=rate,
        single=single,
        expected_days=expected,
        glucocorticoid=_glucocorticoid(use, expected, ctx),
    )


def _chosen(resource: dict, selections: Iterable[str] | None) -> bool:
    """Named in `context.selections` ("MedicationRequest/abc", or a URL ending so); None: order-sign, every draft."""
    if selections is None:
        return True
    reference = ref(resource)
    return any(s == reference or s.endswith(f"/{reference}") for s in selections)


def read_drafts(
    drafts: Iterable[dict], record: Iterable[dict] = (), *, today: date, patient_id: str, selections: Iterable[str] | None = None
) -> Drafts:
    """The draft MedicationRequests of one call as facts. `record` supplies Medication resources a draft may
    reference; `selections` (order-select) marks the drafts the clinician selected."""
    drafts = list(drafts)
    ctx = Collector(today)
    gate = Gate(patient_id, ctx)
    medications = {m["id"]: m for m in iter_resources([*drafts, *record])
                   if m.get("resourceType") == "Medication" and isinstance(m.get("id"), str)}
    selections = None if selections is None else tuple(selections)
    orders, resources, skipped = [], {}, set()
    for raw in drafts:
        if raw.get("resourceType") != "MedicationRequest":
            continue
        resource = lenient(raw, patient_id)
        if not _codes(resolve_medication(resource, medications)[0]):
            continue  # no drug chosen yet, or none the checks are about
        if not gate.admits(resource, every_element("MedicationRequest")):  # an `update` card echoes it whole
            skipped.add(ref(resource))  # another patient's (no gap), or not valid R4 even so (a gap names it)
            continue
        order = read_order(resource, medications, ctx, _chosen(resource, selections))
        orders.append(order)
        resources[order.reference] = resource
    return Drafts(tuple(orders), tuple(g for g in ctx.gaps if g.reference in skipped), resources)

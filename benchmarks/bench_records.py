"""The request bodies of `make bench`: built, seeded, from a Synthea patient and the project's fixtures.

Four calls, each the body an EHR would send:

* `typical`: one Synthea patient (../shared/synthea) as a FHIR server returns it for the service's prefetch
  templates (code-filtered; references as `Type/id`, not the transaction Bundle's `urn:uuid`).
* `heavy`: the same patient over thirty years (`heavy_history`): 200 visits, each re-dating one of the
  patient's own Synthea encounters (labs and vitals, values jittered), with procedures and DXA results;
  twenty years of two-weekly dispensing rolls of its active prescriptions, a PPI and paracetamol; a
  benzodiazepine series and an alendronic-acid course (drug codes and dosage from fixtures/mappings);
  code-filtered like `typical`: about 3,900 resources, 3 MB.
* `heavy-unfiltered`: the same history from an EHR that ignores the templates' `code=` filter: each visit's
  other Observations (blood pressure, unrelated labs, surveys) and every Procedure ride along.
* `order-select`: `typical` on the order-select service, with three draft orders (alendronic acid,
  prednisolone, calcium + vitamin D) built from the fixtures' medication records.

Same seed, same bytes: `python benchmarks/bench_records.py --out DIR` writes them (one JSON file each).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cds_service.bundle_request import request_from_bundle  # noqa: E402
from cds_service.services import SERVICES  # noqa: E402
from fhir_mappings.bundle import iter_entries  # noqa: E402

SYNTHEA = ROOT.parent / "shared" / "synthea" / "bundles" / "Kristie_Effertz_de5629af-f967-4ce8-b711-93c3623be4de.json"
FIXTURES = ROOT / "fixtures" / "mappings"
SEED = 20261122
VISITS = 200  # thirty years of visits
RENEWAL_DAYS, RENEWALS = 14, 520  # twenty years of two-weekly dispensing rolls per chronic drug: ~4,000 resources in all
FIRST_VISIT, LAST_VISIT = date(1996, 1, 1), date(2026, 9, 30)  # the benchmark's today is 2026-11-22
CASES = {  # name -> (service, hook)
    "typical": ("osteoporosis-rcop-patient-view", "patient-view"),
    "heavy": ("osteoporosis-rcop-patient-view", "patient-view"),
    "heavy-unfiltered": ("osteoporosis-rcop-patient-view", "patient-view"),
    "order-select": ("osteoporosis-rcop-order-select", "order-select"),
}


def synthea_record(path: Path = SYNTHEA) -> list[dict]:
    """The patient's resources with `urn:uuid` references rewritten to `Type/id`, as a FHIR search returns them."""
    entries = list(iter_entries(json.loads(path.read_text())))
    aliases = {url: f"{r['resourceType']}/{r['id']}" for url, r in entries if url}

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: aliases.get(v, v) if k == "reference" else rewrite(v) for k, v in node.items()}
        return [rewrite(v) for v in node] if isinstance(node, list) else node

    return [rewrite(r) for _, r in entries]


def _tokens(query: str) -> set[str] | None:
    """The `system|code` tokens of a template's code filter (None: no filter)."""
    return set(query.split("&code=", 1)[1].split(",")) if "&code=" in query else None


def code_filtered(resources: list[dict], service: str) -> list[dict]:
    """What a FHIR server answers to the service's templates: its types, coded as they ask; Medications ride along."""
    filters: dict[str, set[str] | None] = {}
    for query in SERVICES[service].prefetch.values():
        kind, tokens = query.split("?")[0].split("/")[0], _tokens(query)
        filters[kind] = None if tokens is None else (filters.get(kind) or set()) | tokens

    def wanted(r: dict) -> bool:
        kind = r["resourceType"]
        if kind not in filters:
            return kind == "Medication"
        tokens = filters[kind]
        return tokens is None or any(f"{c.get('system')}|{c.get('code')}" in tokens
                                     for c in (r.get("code") or {}).get("coding", ()))
    return [r for r in resources if wanted(r)]


def _fixture(name: str, rid: str) -> dict:
    bundle = json.loads((FIXTURES / f"{name}.json").read_text())
    return next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == rid)


def _dated(resource: dict, day: date, rid: str, rng: random.Random) -> dict:
    """A copy under a new id, dated `day` (every clinical date element), its value jittered by a few per cent."""
    clone = copy.deepcopy(resource)
    clone["id"] = rid
    moment = f"{day.isoformat()}T{rng.randrange(8, 17):02d}:{rng.randrange(60):02d}:00+01:00"
    for key in ("effectiveDateTime", "issued", "authoredOn", "dateAsserted", "whenHandedOver", "performedDateTime"):
        if key in clone:
            clone[key] = moment
    if isinstance(clone.get("effectivePeriod"), dict):
        clone["effectivePeriod"] = {"start": moment}
    quantity = clone.get("valueQuantity")
    if isinstance(quantity, dict) and isinstance(quantity.get("value"), (int, float)):
        quantity["value"] = round(quantity["value"] * rng.uniform(0.95, 1.05), 2)
    return clone


def _prescription(concept: dict, mg: float, every: str, subject: dict) -> dict:
    """A prescription shaped like the fixtures' alendronic acid (its dosage), with another drug and dose."""
    template = copy.deepcopy(_fixture("osteoporosis-therapy", "aln-1"))
    template.update(id=concept["coding"][0]["code"], medicationCodeableConcept=concept, subject=subject, status="completed")
    (dosage,) = template["dosageInstruction"]
    dosage.update(text=f"{mg:g} mg every {every}")
    dosage["timing"]["repeat"].update(period=1, periodUnit=every)
    dosage["doseAndRate"][0]["doseQuantity"]["value"] = mg
    return template


def _renewals(template: dict, days: int, count: int, start: date, rng: random.Random) -> list[dict]:
    """`count` renewals of a prescription, one every `days`, each bounded to its period."""
    out = []
    for n in range(count):
        day = start + timedelta(days=days * n)
        renewal = _dated(template, day, f"{template['id'][:12]}-r{n}", rng)
        for dosage in renewal.get("dosageInstruction", ()):
            dosage.setdefault("timing", {}).setdefault("repeat", {})["boundsPeriod"] = {
                "start": day.isoformat(), "end": (day + timedelta(days=days)).isoformat()}
        out.append(renewal)
    return out


def heavy_history(record: list[dict], rng: random.Random) -> list[dict]:
    """Thirty years of visits (each a re-dated Synthea encounter, a procedure every third, a DXA every 22nd),
    two-weekly renewals of the patient's active prescriptions and of a PPI and paracetamol, a benzodiazepine series
    and an alendronic-acid course (the last four from fixtures/mappings)."""
    patient = next(r for r in record if r["resourceType"] == "Patient")
    subject = {"reference": f"Patient/{patient['id']}"}
    observations = [r for r in record if r["resourceType"] == "Observation"]
    encounters: dict[str, list[dict]] = {}
    for o in observations:
        encounters.setdefault((o.get("encounter") or {}).get("reference", ""), []).append(o)
    visits = sorted(encounters.values(), key=len)[len(encounters) // 2:]  # the encounters with labs
    procedures = [r for r in record if r["resourceType"] == "Procedure"]
    dxa = next(o for o in observations if any(c.get("code") == "38265-5" for c in o["code"]["coding"]))
    span = (LAST_VISIT - FIRST_VISIT).days
    out: list[dict] = []
    for n, day in enumerate(sorted(FIRST_VISIT + timedelta(days=rng.randrange(span)) for _ in range(VISITS))):
        out += [_dated(o, day, f"{o['id'][:8]}-v{n}", rng) for o in rng.choice(visits)]
        if n % 3 == 0:
            out.append(_dated(rng.choice(procedures), day, f"proc-v{n}", rng))
        if n % 22 == 0:
            out.append(_dated(dxa, day, f"dxa-v{n}", rng))
    chronic = {r["medicationCodeableConcept"]["coding"][0]["code"]: r for r in record
               if r["resourceType"] == "MedicationRequest" and r.get("status") == "active"}
    for code, prescription in sorted(chronic.items()):
        out += _renewals(prescription, RENEWAL_DAYS, RENEWALS, LAST_VISIT - timedelta(days=RENEWAL_DAYS * RENEWALS), rng)
    drug = {name: _fixture("osteoporosis-therapy", name)["medicationCodeableConcept"]
            for name in ("oxazepam", "omeprazole-old", "aln-1", "paracetamol")}
    out += _renewals(_prescription(drug["oxazepam"], 10, "d", subject), 30, 100, date(2017, 2, 1), rng)  # benzodiazepine
    start = LAST_VISIT - timedelta(days=RENEWAL_DAYS * RENEWALS)
    out += _renewals(_prescription(drug["omeprazole-old"], 20, "d", subject), RENEWAL_DAYS, RENEWALS, start, rng)  # PPI
    out += _renewals(_prescription(drug["paracetamol"], 1000, "d", subject), RENEWAL_DAYS, RENEWALS, start, rng)
    out += _renewals(_prescription(drug["aln-1"], 70, "wk", subject), 28, 60, date(2022, 3, 1), rng)
    return out


def draft_orders(patient_id: str) -> list[dict]:
    """Three drafts from the fixtures' records: alendronic acid weekly, prednisolone daily, calcium + vitamin D."""
    subject = {"reference": f"Patient/{patient_id}"}
    alendronate = {**_fixture("osteoporosis-therapy", "aln-1"), "id": "draft-alendronate"}
    prednisolone = {**_fixture("glucocorticoids", "pred-draft"), "id": "draft-prednisolone"}
    calcium = {**_fixture("osteoporosis-therapy", "paracetamol"), "id": "draft-calcium-vitamin-d",
               "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "A12AX"}],
                                             "text": "Calcium carbonate 1.25 g / colecalciferol 800 IE"}}
    drafts = [alendronate, prednisolone, calcium]
    for d in drafts:
        d.update(status="draft", intent="order", subject=subject, authoredOn="2026-11-22")
        d.pop("dispenseRequest", None)
    return drafts


def bodies(seed: int = SEED) -> dict[str, tuple[str, dict]]:
    """{case: (service id, CDS Hooks request body)}: the same seed always gives the same bodies."""
    rng = random.Random(seed)
    record = synthea_record()
    patient_id = next(r["id"] for r in record if r["resourceType"] == "Patient")
    history = record + heavy_history(record, rng)
    records = {"typical": record, "heavy": history, "heavy-unfiltered": history, "order-select": record}
    out = {}
    for case, (service, hook) in CASES.items():
        resources = records[case] if case == "heavy-unfiltered" else code_filtered(records[case], service)
        body = request_from_bundle({"resourceType": "Bundle", "entry": [{"resource": r} for r in resources]}, hook=hook,
                                   patient_id=patient_id, draft_orders=draft_orders(patient_id) if hook == "order-select" else None)
        body["hookInstance"] = f"00000000-0000-4000-8000-{seed + len(out):012d}"  # seeded, like the rest
        out[case] = (service, body)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for <case>.json")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for case, (service, body) in bodies(args.seed).items():
        path = args.out / f"{case}.json"
        path.write_text(json.dumps(body, separators=(",", ":")))
        print(f"{path}: {service}, {path.stat().st_size / 1000:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

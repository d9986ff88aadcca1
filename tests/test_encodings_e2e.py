"""The same patient gives the same answer however the record is encoded (issue 8), through the HTTP endpoint,
with the record prefetched and with it fetched from a FHIR server that searches by code as real servers do.

Each family holds one clinical core written several ways (coded vs text route; one order vs renewals vs
dispenses; panel vs separate Observations; Dutch vs English body site); every encoding must give the plan of the
family's first encoding (topics and suggested drugs, read by `plan`), and that plan's core is asserted too: its
decision topic and first-choice drug. Today is 2026-11-22.
"""

from __future__ import annotations

import pytest

from cds_service import create_app
from tests.encoding_helpers import FHIR, NOTHING, FakeFhirServer, Plan, fetch_body, plan, prefetch_body, work_up

URL = "/cds-services/osteoporosis-rcop-patient-view"
ATC, SCT, LOINC, RXNORM = "http://www.whocc.no/atc", "http://snomed.info/sct", "http://loinc.org", "http://www.nlm.nih.gov/research/umls/rxnorm"
EDQM, EDQM_OID, UCUM = "http://standardterms.edqm.eu", "urn:oid:0.4.0.127.0.16.1.1.2.1", "http://unitsofmeasure.org"
DAILY = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}


@pytest.fixture
def app(tmp_path):
    return create_app({"TESTING": True, "DEV": True, "TODAY": "2026-11-22", "FHIR_ALLOWLIST": FHIR, "LANGUAGE": None,
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'enc.sqlite3'}"})


@pytest.fixture(params=["prefetch", "fetch"])
def answer(request, client):
    """`answer(resources) -> Plan`: the record prefetched, or fetched from a code-searching server."""

    def call(resources: list[dict]) -> Plan:
        patient_id = resources[0]["id"]
        resources = [*resources, *work_up(patient_id)]
        if request.param == "prefetch":
            resp = client.post(URL, json=prefetch_body(resources))
        else:
            with FakeFhirServer(resources):
                resp = client.post(URL, json=fetch_body(patient_id))
        assert resp.status_code == 200, resp.get_json()
        return plan(resp.get_json()["cards"])

    return call


def _patient(pid: str, birth: str, gender: str) -> dict:
    return {"resourceType": "Patient", "id": pid, "gender": gender, "birthDate": birth}


def _of(pid: str, resource: dict, rid: str) -> dict:
    subject = "patient" if resource["resourceType"] == "AllergyIntolerance" else "subject"
    return {**resource, "id": rid, subject: {"reference": f"Patient/{pid}"}}


def _concept(system: str, code: str, display: str) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}]}


# --- glucocorticoids: the drug class first, the route only when the class does not say ----------------------------
MAN = _patient("gc60", "1966-03-01", "male")
PREDNISONE_ATC = _concept(ATC, "H02AB07", "prednisone")
PREDNISONE_RXNORM = _concept(RXNORM, "8640", "prednisone")


def _order(rid: str, start: str, *, drug: dict = PREDNISONE_ATC, route: dict | None = None, mg: float = 20,
           status: str = "active", end: str | None = None) -> dict:
    dosage = {"timing": DAILY, "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg", "system": UCUM, "code": "mg"}}]}
    if route is not None:
        dosage["route"] = route
    order = {"resourceType": "MedicationRequest", "status": status, "intent": "order", "medicationCodeableConcept": drug,
             "authoredOn": start, "dosageInstruction": [dosage]}
    if end:
        order["dispenseRequest"] = {"validityPeriod": {"start": start, "end": end}}
    return _of(MAN["id"], order, rid)


ROUTES = {
    "no route": (PREDNISONE_ATC, None),
    "text oral": (PREDNISONE_ATC, {"text": "oral"}),
    "text PO": (PREDNISONE_ATC, {"text": "PO"}),
    "text p.o.": (PREDNISONE_ATC, {"text": "p.o."}),
    "text per os": (PREDNISONE_ATC, {"text": "per os"}),
    "text oraal": (PREDNISONE_ATC, {"text": "oraal"}),
    "EDQM Oral use": (PREDNISONE_ATC, _concept(EDQM, "20053000", "Oral use")),
    "EDQM by OID": (PREDNISONE_ATC, {"coding": [{"system": EDQM_OID, "code": "20053000"}], "text": "zum Einnehmen"}),
    "SNOMED oral route": (PREDNISONE_ATC, _concept(SCT, "26643006", "Oral route")),
    "unreadable route, systemic class": (PREDNISONE_ATC, {"text": "zie bijsluiter"}),
    "RxNorm ingredient, text oraal": (PREDNISONE_RXNORM, {"text": "Oraal"}),
    "RxNorm ingredient, EDQM": (PREDNISONE_RXNORM, _concept(EDQM, "20053000", "Oral use")),
    "RxNorm ingredient, i.v.": (PREDNISONE_RXNORM, {"text": "i.v."}),
}
def _same_plan(answer, baseline: list[dict], encoded: list[dict], topic: str, drug: str) -> None:
    """The encoded record's plan is the baseline's, whose decision is `topic` with `drug` recommended."""
    expected = answer(baseline)
    assert topic in expected.topics and drug in expected.recommended
    assert answer(encoded) == expected


@pytest.mark.parametrize("encoding", ROUTES)
def test_a_man_of_60_on_prednisone_20_mg_for_4_months_gets_the_same_plan_whatever_the_route_encoding(answer, encoding):
    """RCOP-GC-5 (>= 15 mg/day): therapy, alendronic acid first."""
    drug, route = ROUTES[encoding]
    baseline = [MAN, _order("pred", "2026-07-20")]
    _same_plan(answer, baseline, [MAN, _order("pred", "2026-07-20", drug=drug, route=route)], "start-antiresorptive", "M05BA04")


@pytest.mark.parametrize("route", [{"text": "inhalatie"}, _concept(SCT, "447694001", "Respiratory tract route")])
def test_an_ingredient_code_with_a_local_route_is_no_glucocorticoid_exposure(answer, route):
    assert answer([MAN, _order("pred", "2026-07-20", drug=PREDNISONE_RXNORM, route=route)]) == NOTHING


# --- one course, recorded as one record or several ----------------------------------------------------------------
def _dispense(rid: str, when: str) -> dict:
    return _of(MAN["id"], {
        "resourceType": "MedicationDispense", "status": "completed", "medicationCodeableConcept": PREDNISONE_ATC,
        "whenHandedOver": when, "daysSupply": {"value": 60, "unit": "day", "system": UCUM, "code": "d"},
        "dosageInstruction": [{"timing": DAILY, "doseAndRate": [{"doseQuantity": {"value": 20, "unit": "mg"}}]}],
    }, rid)


def _statement(rid: str, start: str, end: str) -> dict:
    return _of(MAN["id"], {
        "resourceType": "MedicationStatement", "status": "completed", "medicationCodeableConcept": PREDNISONE_ATC,
        "effectivePeriod": {"start": start, "end": end},
        "dosage": [{"timing": DAILY, "doseAndRate": [{"doseQuantity": {"value": 20, "unit": "mg"}}]}],
    }, rid)


COURSES = {
    "one order": [_order("o1", "2026-07-15")],
    "a completed 2-month order renewed": [
        _order("o1", "2026-07-15", status="completed", end="2026-09-14"), _order("o2", "2026-09-15")],
    "three 60-day dispenses": [_dispense("d1", "2026-07-15"), _dispense("d2", "2026-09-13"), _dispense("d3", "2026-11-12")],
    "a statement, then an order a week later": [_statement("s1", "2026-07-15", "2026-09-14"), _order("o2", "2026-09-20")],
}


@pytest.mark.parametrize("encoding", COURSES)
def test_a_course_recorded_as_several_records_is_one_course_of_3_months(answer, encoding):
    _same_plan(answer, [MAN, *COURSES["one order"]], [MAN, *COURSES[encoding]], "start-antiresorptive", "M05BA04")


def test_a_course_interrupted_longer_than_the_tolerance_is_two_short_courses(answer):
    short = [_order("o1", "2026-07-15", status="completed", end="2026-08-31"), _order("o2", "2026-10-15")]
    assert answer([MAN, *short]) == NOTHING


# --- a DXA as separate results or as one panel --------------------------------------------------------------------
WOMAN = _patient("fx70", "1956-04-01", "female")
WRIST = _of(WOMAN["id"], {
    "resourceType": "Condition", "code": _concept(SCT, "263199001", "Fracture of distal end of radius (disorder)"),
    "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
    "onsetDateTime": "2026-03-01"}, "wrist")
T_SCORES = {"38267-1": -2.5, "38264-8": -2.2}


def _t(code: str, value: float) -> dict:
    return {"valueQuantity": {"value": value, "unit": "{T-score}", "system": UCUM, "code": "{T-score}"},
            "code": _concept(LOINC, code, "DXA T-score")}


def _panel(code: str) -> dict:
    return _of(WOMAN["id"], {
        "resourceType": "Observation", "status": "final", "code": _concept(LOINC, code, "DXA panel"),
        "effectiveDateTime": "2026-04-01", "component": [_t(c, v) for c, v in T_SCORES.items()]}, "dxa-panel")


DXA = {
    "separate Observations": [
        _of(WOMAN["id"], {"resourceType": "Observation", "status": "final", "effectiveDateTime": "2026-04-01", **_t(c, v)}, f"t-{c}")
        for c, v in T_SCORES.items()],
    "panel 38269-7 with components": [_panel("38269-7")],
    "panel 83311-1 with components": [_panel("83311-1")],
}


@pytest.mark.parametrize("encoding", DXA)
def test_a_dxa_sent_as_one_panel_is_asked_for_and_read_like_separate_results(answer, encoding):
    """RCOP-FX-7 (T <= -2.5): alendronic acid — the DXA is read (without it the plan would order one and start
    nothing; the VFA the plan may order is for the anabolic check, not a DXA)."""
    baseline, encoded = [WOMAN, WRIST, *DXA["separate Observations"]], [WOMAN, WRIST, *DXA[encoding]]
    _same_plan(answer, baseline, encoded, "start-antiresorptive", "M05BA04")
    assert answer([WOMAN, WRIST]).recommended <= {"A11CC05"}  # no drug without the DXA: vitamin D3 only


# --- the fracture site, coded or named in Dutch, English or Latin -------------------------------------------------
OLD = _patient("hip76", "1950-01-01", "female")


def _fracture(code: tuple[str, str], body_site: dict | None) -> dict:
    condition = {"resourceType": "Condition", "code": _concept(SCT, *code), "onsetDateTime": "2026-08-15"}
    if body_site is not None:
        condition["bodySite"] = [body_site]
    return _of(OLD["id"], condition, "fx")


SITE_LESS = ("443165006", "Pathological fracture due to osteoporosis (disorder)")
FRACTURE_OF_BONE = ("125605004", "Fracture of bone (disorder)")
HIPS = {
    "coded hip fracture": _fracture(("5913000", "Fracture of neck of femur (disorder)"), None),
    "bodySite heup": _fracture(SITE_LESS, {"text": "heup"}),
    "bodySite Heupfractuur rechts": _fracture(FRACTURE_OF_BONE, {"text": "Heupfractuur rechts"}),
    "bodySite collum femoris": _fracture(SITE_LESS, {"text": "collum femoris"}),
    "bodySite hip (English)": _fracture(FRACTURE_OF_BONE, {"text": "Left hip"}),
    "bodySite SNOMED hip region": _fracture(SITE_LESS, _concept(SCT, "29836001", "Hip region structure")),
    "bodySite SNOMED neck of femur": _fracture(FRACTURE_OF_BONE, _concept(SCT, "29627003", "Structure of neck of femur")),
}
@pytest.mark.parametrize("encoding", HIPS)
def test_a_hip_fracture_gets_the_hip_plan_whatever_language_names_its_site(answer, encoding):
    """RCOP-FX-2 (hip fracture, 75 or older): zoledronic acid first, not the non-hip alendronic acid."""
    _same_plan(answer, [OLD, HIPS["coded hip fracture"]], [OLD, HIPS[encoding]], "start-antiresorptive", "M05BA08")


@pytest.mark.parametrize("body_site", [None, {"text": "been"}, {"text": "heup en pols"}])
def test_a_fracture_whose_site_stays_unknown_asks_for_it(answer, body_site):
    assert "data-needed" in answer([OLD, _fracture(SITE_LESS, body_site)]).topics


def test_a_fracture_whose_site_stays_unknown_is_followed_as_non_hip_and_says_so(client):
    """An unknown site is no reassurance: the non-hip path is taken as a stated assumption, beside the data-needed card."""
    resp = client.post(URL, json=prefetch_body([OLD, _fracture(SITE_LESS, None), *work_up(OLD["id"])]))
    details = " ".join(c["detail"] for c in resp.get_json()["cards"])
    assert "Plaats van de fractuur onbekend: gevolgd als niet-heupfractuur" in details


UNCODED_FRACTURES = {
    "free text": {"text": "Polsfractuur links"},
    "a local code with its display": {"coding": [{"system": "urn:oid:2.16.528.1.9999.1", "code": "F-PLS", "display": "Fractuur distale radius"}]},
    "English text": {"text": "Fracture of left wrist"},
}


@pytest.mark.parametrize("encoding", UNCODED_FRACTURES)
def test_a_fracture_outside_the_value_sets_asks_to_be_coded(answer, encoding):
    """A fracture the value sets do not code gives no fact (never read from text), but it is no silence either: the
    data-needed card names it as a gap about the fracture decision."""
    fracture = _of(OLD["id"], {"resourceType": "Condition", "code": UNCODED_FRACTURES[encoding], "onsetDateTime": "2026-08-15"}, "fx")
    assert "data-needed" in answer([OLD, fracture]).topics


@pytest.mark.parametrize("text", ["Verhoogd fractuurrisico", "Fear of fracture", "Hypertensie"])
def test_a_condition_that_names_no_fracture_stays_quiet(answer, text):
    condition = _of(OLD["id"], {"resourceType": "Condition", "code": {"text": text}, "onsetDateTime": "2026-08-15"}, "c")
    assert "data-needed" not in answer([OLD, condition]).topics


NO_CHART = {
    "denosumab named only in text, last given 9 months ago": {
        "resourceType": "MedicationAdministration", "status": "completed", "medicationCodeableConcept": {"text": "Prolia 60 mg injectie"},
        "effectiveDateTime": "2026-02-20"},
    "a provisional hip fracture": {
        "resourceType": "Condition", "code": _concept(SCT, "5913000", "Fracture of neck of femur (disorder)"), "onsetDateTime": "2026-08-15",
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "provisional"}]}},
}


@pytest.mark.parametrize("service", ["osteoporosis-rcop-patient-view", "osteoporosis-vitaz-patient-view"])
@pytest.mark.parametrize("record", NO_CHART)
def test_what_could_not_be_read_is_said_though_no_chart_applies(client, service, record):
    """Issue 8's examples: no chart applies to what the service could read, yet the record holds something that could
    change a decision of consequence — one data-needed card, nothing else."""
    resp = client.post(f"/cds-services/{service}", json=prefetch_body([OLD, _of(OLD["id"], NO_CHART[record], "r"), *work_up(OLD["id"])]))
    assert [c["source"]["topic"]["code"] for c in resp.get_json()["cards"]] == ["data-needed"]

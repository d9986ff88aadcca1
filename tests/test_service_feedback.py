"""Feedback endpoint, issued-card storage and `osteocds feedback-report`."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from cds_service import cli, pipeline
from pathways.recommendation import Indicator, Reason, Recommendation, Topic

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PV = "/cds-services/osteoporosis-rcop-patient-view"
FEEDBACK = PV + "/feedback"
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-01-01"}


def example(folder, name):
    return json.loads((SHARED / "cds-hooks" / folder / name).read_text())


@pytest.mark.parametrize(("folder", "name"), [
    ("spec-examples", "feedback-accepted.json"),
    ("spec-examples", "feedback-overridden.json"),
    ("spec-examples", "feedback-overridden-with-reason.json"),
    ("sandbox-captured", "sandbox-feedback-accepted.json"),
    ("sandbox-captured", "sandbox-feedback-overridden.json"),
])
def test_spec_and_sandbox_feedback_is_stored(client, folder, name):
    resp = client.post(FEEDBACK, json=example(folder, name))
    assert resp.status_code == 200 and resp.get_json() == {"stored": 1, "duplicates": 0}


def test_duplicate_feedback_is_stored_once(client):
    body = example("sandbox-captured", "sandbox-feedback-overridden.json")
    assert client.post(FEEDBACK, json=body).get_json() == {"stored": 1, "duplicates": 0}
    assert client.post(FEEDBACK, json=body).get_json() == {"stored": 0, "duplicates": 1}
    later = copy.deepcopy(body)
    later["feedback"][0]["outcomeTimestamp"] = "2026-11-22T11:00:00Z"
    assert client.post(FEEDBACK, json=later).get_json() == {"stored": 1, "duplicates": 0}


ACCEPTED = {"card": "c1", "outcome": "accepted", "acceptedSuggestions": [{"id": "s1"}],
            "outcomeTimestamp": "2026-11-22T10:43:09.243Z"}


@pytest.mark.parametrize(("item", "message"), [
    ({**ACCEPTED, "card": ""}, "card must be"),
    ({k: v for k, v in ACCEPTED.items() if k != "card"}, "card must be"),
    ({**ACCEPTED, "outcome": "ignored"}, "outcome must be"),
    ({k: v for k, v in ACCEPTED.items() if k != "outcomeTimestamp"}, "outcomeTimestamp"),
    ({**ACCEPTED, "outcomeTimestamp": "2026-11-22"}, "outcomeTimestamp"),
    ({**ACCEPTED, "outcomeTimestamp": "2026-11-22T10:43:09"}, "outcomeTimestamp"),
    ({k: v for k, v in ACCEPTED.items() if k != "acceptedSuggestions"}, "acceptedSuggestions is required"),
    ({**ACCEPTED, "acceptedSuggestions": [{}]}, "acceptedSuggestions[0].id"),
    ({**ACCEPTED, "overrideReason": {"userComment": "x"}}, "overrideReason is only allowed"),
    ({**ACCEPTED, "outcome": "overridden"}, "acceptedSuggestions is only allowed"),
    ({"card": "c1", "outcome": "overridden", "outcomeTimestamp": "2026-11-22T10:00:00Z",
      "overrideReason": {"reason": {"system": "urn:x"}}}, "overrideReason.reason must be a Coding"),
    ({"card": "c1", "outcome": "overridden", "outcomeTimestamp": "2026-11-22T10:00:00Z",
      "overrideReason": "patient-declined"}, "overrideReason must be an object"),
])
def test_invalid_feedback_is_400(client, item, message):
    resp = client.post(FEEDBACK, json={"feedback": [item]})
    assert resp.status_code == 400 and message in resp.get_json()["message"]


@pytest.mark.parametrize("body", [{}, {"feedback": []}, {"feedback": "x"}, [ACCEPTED]])
def test_feedback_body_shape_is_checked(client, body):
    assert client.post(FEEDBACK, json=body).status_code == 400


def _rec(topic, *nodes):
    return Recommendation(topic=topic, indicator=Indicator.INFO, guideline="rcop-2023",
                          reasons=tuple(Reason(node=n, message=n.lower()) for n in nodes))


def _card(uuid, topic, *nodes):
    return {"uuid": uuid, "summary": "s", "indicator": "info",
            "source": {"label": "OsteoCDS", "topic": {"code": topic.value}},
            "extension": {"org.osteocds.topics": [topic.value], "org.osteocds.nodes": list(nodes)}}


@pytest.fixture
def two_cards(monkeypatch):
    recs = [_rec(Topic.ORDER_DXA_VFA, "RCOP-FX-6"), _rec(Topic.LIFESTYLE_FALLS, "RCOP-FX-1", "RCOP-FX-2")]
    cards = [_card("card-dxa", Topic.ORDER_DXA_VFA, "RCOP-FX-6"), _card("card-falls", Topic.LIFESTYLE_FALLS, "RCOP-FX-1", "RCOP-FX-2")]
    monkeypatch.setattr(pipeline, "evaluate", lambda *a, **k: pipeline.Outcome(cards=cards, recommendations=recs))


def test_issued_cards_are_stored_without_patient_data_and_reported(app, client, cds_request, two_cards, capsys):
    body = cds_request({"resourceType": "Bundle", "entry": [{"resource": PATIENT}]})
    resp = client.post(PV, json=body)
    assert [c["uuid"] for c in resp.get_json()["cards"]] == ["card-dxa", "card-falls"]

    from cds_service.storage import IssuedCard
    db = app.extensions["osteocds.db"]
    with db.sessions() as s:
        rows = {r.uuid: r for r in s.query(IssuedCard).all()}
    assert rows["card-dxa"].topic == "order-dxa-vfa" and json.loads(rows["card-dxa"].nodes) == ["RCOP-FX-6"]
    assert json.loads(rows["card-falls"].nodes) == ["RCOP-FX-1", "RCOP-FX-2"]
    assert rows["card-falls"].service_id == "osteoporosis-rcop-patient-view"
    assert "p1" not in json.dumps([[r.uuid, r.topic, r.nodes, r.service_id] for r in rows.values()])

    fb = [{"card": "card-dxa", "outcome": "accepted", "acceptedSuggestions": [{"id": "s"}],
           "outcomeTimestamp": "2026-11-22T10:00:00Z"},
          {"card": "card-falls", "outcome": "overridden", "outcomeTimestamp": "2026-11-22T10:01:00Z"},
          {"card": "unknown", "outcome": "overridden", "outcomeTimestamp": "2026-11-22T10:02:00Z"}]
    assert client.post(FEEDBACK, json={"feedback": fb}).get_json() == {"stored": 3, "duplicates": 0}

    assert cli.main(["feedback-report", "--database-url", db.url]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = {line.split()[0]: line.split()[1:] for line in out[2:-1]}
    assert rows["order-dxa-vfa"] == ["1", "1", "1", "0", "100%", "0%"]
    assert rows["lifestyle-falls"] == ["1", "1", "0", "1", "0%", "100%"]
    assert rows["(unknown"][-4:] == ["0", "1", "0%", "100%"]

    assert cli.main(["feedback-report", "--database-url", db.url, "--json"]) == 0
    report = {r["topic"]: r for r in json.loads(capsys.readouterr().out)}
    assert report["order-dxa-vfa"]["acceptanceRate"] == 1.0 and report["lifestyle-falls"]["overrideRate"] == 1.0


def test_feedback_report_on_an_empty_database(tmp_path, capsys):
    assert cli.main(["feedback-report", "--database-url", f"sqlite:///{tmp_path / 'empty.sqlite3'}"]) == 0
    assert capsys.readouterr().out.strip() == "No cards issued and no feedback yet."

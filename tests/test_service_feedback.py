"""Feedback endpoint, issued-card storage and `osteocds feedback-report`."""

from __future__ import annotations

import copy
import csv
import io
import json
import logging
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from cds_service import cli, create_app, pipeline
from cds_service.card_writer import CardWriter
from cds_service.storage import CardRow, Database, IssuedCard, SuggestionRow
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


@pytest.mark.parametrize("item", [
    {**ACCEPTED, "card": "c" * 201},
    {**ACCEPTED, "card": "c1\x00"},
    {**ACCEPTED, "acceptedSuggestions": [{"id": "s" * 201}]},
    {"card": "c1", "outcome": "overridden", "outcomeTimestamp": "2026-11-22T10:00:00Z",
     "overrideReason": {"userComment": "nul \x00 inside"}},
    {**ACCEPTED, "outcomeTimestamp": "0001-01-01T00:00:00+01:00"},
])
def test_values_no_database_column_takes_are_400_not_500(client, item):
    assert client.post(FEEDBACK, json={"feedback": [item]}).status_code == 400


def test_deeply_nested_extra_field_in_a_feedback_item_is_stored_not_a_500(store_app):
    item = json.dumps({**ACCEPTED, "extension": {"x": "NESTED"}}).replace('"NESTED"', "[" * 1000 + "]" * 1000)
    resp = store_app.test_client().post(FEEDBACK, data='{"feedback": [%s]}' % item, content_type="application/json")
    assert resp.status_code == 200 and resp.get_json() == {"stored": 1, "duplicates": 0}


def test_the_same_outcome_with_an_extra_field_or_in_another_utc_offset_is_one_row(store_app):
    client = store_app.test_client()
    assert client.post(FEEDBACK, json={"feedback": [ACCEPTED]}).get_json() == {"stored": 1, "duplicates": 0}
    variants = [{**ACCEPTED, "extension": {"note": "x"}},
                {**ACCEPTED, "outcomeTimestamp": "2026-11-22T11:43:09.243+01:00"},
                {**ACCEPTED, "outcomeTimestamp": "2026-11-22T10:43:09.243000+00:00"},
                {**ACCEPTED, "acceptedSuggestions": [{"id": "s1", "label": "extra"}]}]
    assert client.post(FEEDBACK, json={"feedback": variants}).get_json() == {"stored": 0, "duplicates": 4}
    later = {**ACCEPTED, "outcomeTimestamp": "2026-11-22T10:43:10Z"}
    assert client.post(FEEDBACK, json={"feedback": [later, later]}).get_json() == {"stored": 1, "duplicates": 1}


def test_a_batch_is_validated_whole_and_written_in_one_transaction(store_app):
    client = store_app.test_client()
    good = [{**ACCEPTED, "card": f"c{i}"} for i in range(5)]
    resp = client.post(FEEDBACK, json={"feedback": good + [{**ACCEPTED, "outcome": "ignored"}]})
    assert resp.status_code == 400 and "feedback[5].outcome" in resp.get_json()["message"]
    assert client.post(FEEDBACK, json={"feedback": good}).get_json() == {"stored": 5, "duplicates": 0}


def test_too_many_feedback_items_is_413_and_nothing_is_stored(store_app):
    store_app.config["FEEDBACK_MAX_ITEMS"] = 10
    client = store_app.test_client()
    items = [{**ACCEPTED, "card": f"c{i}"} for i in range(11)]
    resp = client.post(FEEDBACK, json={"feedback": items})
    assert resp.status_code == 413 and "at most 10" in resp.get_json()["message"]
    assert client.post(FEEDBACK, json={"feedback": items[:10]}).get_json() == {"stored": 10, "duplicates": 0}


# issued cards --------------------------------------------------------------------------------------------
def _rec(topic, *nodes):
    return Recommendation(topic=topic, indicator=Indicator.INFO, guideline="rcop-2023",
                          reasons=tuple(Reason(node=n, message=n.lower()) for n in nodes))


def _suggestion(uuid, topic=None):
    s = {"label": uuid, "uuid": uuid}
    if topic:
        s["extension"] = {"org.osteocds.topic": topic}
    return s


def _card(uuid, topic, suggestions=(), extension=None):
    card = {"uuid": uuid, "summary": "s", "indicator": "info",
            "source": {"label": "OsteoCDS", "topic": {"code": topic.value}}}
    if suggestions:
        card["suggestions"] = list(suggestions)
    if extension:
        card["extension"] = extension
    return card


PLAN = _card("card-plan", Topic.START_ANTIRESORPTIVE,
             [_suggestion("s-lab", "order-lab"), _suggestion("s-drug"), {"label": "no uuid"}],
             {"org.osteocds.topics": ["start-antiresorptive", "order-lab", "calcium-vitamin-d"],
              "org.osteocds.nodes": ["RCOP-FX-7", "RCOP-FX-3"]})
FALLS = _card("card-falls", Topic.LIFESTYLE_FALLS, extension={"org.osteocds.nodes": ["RCOP-FX-1", "RCOP-FX-2"]})


def test_issued_cards_are_read_from_the_rendered_card_json():
    outcome = pipeline.Outcome(cards=[PLAN, FALLS], recommendations=[
        _rec(Topic.START_ANTIRESORPTIVE, "RCOP-FX-9"), _rec(Topic.LIFESTYLE_FALLS, "RCOP-FX-1", "RCOP-FX-2")])
    plan, falls = pipeline.issued_cards(outcome)
    assert plan == IssuedCard("card-plan", "start-antiresorptive", ("start-antiresorptive", "order-lab", "calcium-vitamin-d"),
                              ("RCOP-FX-7", "RCOP-FX-3"), (("s-lab", "order-lab"), ("s-drug", "start-antiresorptive")))
    assert falls == IssuedCard("card-falls", "lifestyle-falls", ("lifestyle-falls",), ("RCOP-FX-1", "RCOP-FX-2"), ())
    bare = _card("card-bare", Topic.ORDER_LAB)  # no extension: its own topic, no nodes
    assert pipeline.issued_cards(pipeline.Outcome(cards=[bare], recommendations=[]))[0] == IssuedCard("card-bare", "order-lab", ("order-lab",), (), ())


@pytest.fixture
def two_cards(monkeypatch):
    recs = [_rec(Topic.START_ANTIRESORPTIVE, "RCOP-FX-7"), _rec(Topic.LIFESTYLE_FALLS, "RCOP-FX-1", "RCOP-FX-2")]
    monkeypatch.setattr(pipeline, "evaluate", lambda *a, **k: pipeline.Outcome(cards=[PLAN, FALLS], recommendations=recs))


def feedback_on(card, outcome="accepted", suggestions=("s-lab",), at="2026-11-22T10:00:00Z"):
    item = {"card": card, "outcome": outcome, "outcomeTimestamp": at}
    if outcome == "accepted":
        item["acceptedSuggestions"] = [{"id": s} for s in suggestions]
    return item


def report_of(db_url, capsys, *extra):
    assert cli.main(["feedback-report", "--database-url", db_url, "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_issued_cards_are_stored_without_patient_data_and_reported(store_app, cds_request, two_cards, capsys):
    client = store_app.test_client()
    body = cds_request({"resourceType": "Bundle", "entry": [{"resource": PATIENT}]})
    assert [c["uuid"] for c in client.post(PV, json=body).get_json()["cards"]] == ["card-plan", "card-falls"]
    store_app.extensions["osteocds.cards"].flush()

    db = store_app.extensions["osteocds.db"]
    with db.sessions() as s:
        cards = {r.uuid: r for r in s.query(CardRow).all()}
        suggestions = {(r.card_uuid, r.uuid): r.topic for r in s.query(SuggestionRow).all()}
    plan = cards["card-plan"]
    assert (plan.service_id, plan.topic) == ("osteoporosis-rcop-patient-view", "start-antiresorptive")
    assert json.loads(plan.topics) == ["start-antiresorptive", "order-lab", "calcium-vitamin-d"]
    assert json.loads(plan.nodes) == ["RCOP-FX-7", "RCOP-FX-3"]
    assert json.loads(cards["card-falls"].nodes) == ["RCOP-FX-1", "RCOP-FX-2"]
    assert suggestions == {("card-plan", "s-lab"): "order-lab", ("card-plan", "s-drug"): "start-antiresorptive"}
    stored = json.dumps([[r.uuid, r.topic, r.topics, r.nodes, r.service_id] for r in cards.values()])
    assert "p1" not in stored and "1950" not in stored

    fb = [feedback_on("card-plan", suggestions=("s-lab",)),
          feedback_on("card-falls", "overridden", at="2026-11-22T10:01:00Z")]
    assert client.post(FEEDBACK, json={"feedback": fb}).get_json() == {"stored": 2, "duplicates": 0}

    report = report_of(db.url, capsys)
    topics = {r["topic"]: r for r in report["topics"]}
    assert (topics["start-antiresorptive"]["issued"], topics["start-antiresorptive"]["accepted"]) == (1, 1)
    assert topics["lifestyle-falls"]["overrideRate"] == 1.0
    by_suggestion = {r["topic"]: (r["issued"], r["accepted"]) for r in report["suggestionTopics"]}
    assert by_suggestion == {"order-lab": (1, 1), "start-antiresorptive": (1, 0)}
    assert (report["pendingCards"], report["unmatchedCards"]) == (0, 0)

    assert cli.main(["feedback-report", "--database-url", db.url]) == 0
    text = capsys.readouterr().out
    assert "order-lab" in text and "0 pending, 0 unmatched" in text


def test_a_card_accepted_then_dismissed_counts_once_as_overridden_and_as_a_changed_mind(store_app, cds_request, two_cards, capsys):
    """The Sandbox's normal flow (issue 13): accept a suggestion, then dismiss the card — sent in either order, the
    EHR's timestamps decide; the accepted suggestion's order was created and still counts."""
    client = store_app.test_client()
    client.post(PV, json=cds_request({"resourceType": "Bundle", "entry": [{"resource": PATIENT}]}))
    store_app.extensions["osteocds.cards"].flush()
    dismissed = feedback_on("card-plan", "overridden", at="2026-11-22T10:05:00Z")
    accepted = feedback_on("card-plan", suggestions=("s-drug",), at="2026-11-22T10:00:00+00:00")
    assert client.post(FEEDBACK, json={"feedback": [dismissed, accepted]}).get_json() == {"stored": 2, "duplicates": 0}
    url = store_app.extensions["osteocds.db"].url
    plan = {r["topic"]: r for r in report_of(url, capsys)["topics"]}["start-antiresorptive"]
    assert (plan["withFeedback"], plan["accepted"], plan["overridden"], plan["changedMinds"]) == (1, 0, 1, 1)
    assert (plan["acceptanceRate"], plan["overrideRate"]) == (0.0, 1.0)

    assert cli.main(["feedback-report", "--database-url", url, "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    card = next(r for r in rows if (r["kind"], r["topic"]) == ("card", "start-antiresorptive"))
    assert (card["overridden"], card["changed_minds"], card["override_rate"]) == ("1", "1", "1.0")
    drug = next(r for r in rows if (r["kind"], r["topic"]) == ("suggestion", "start-antiresorptive"))
    assert (drug["issued"], drug["accepted"]) == ("1", "1")


def test_feedback_to_another_service_than_the_issuer_is_409_and_nothing_is_stored(store_app, cds_request, two_cards, capsys):
    client = store_app.test_client()
    client.post(PV, json=cds_request({"resourceType": "Bundle", "entry": [{"resource": PATIENT}]}))
    store_app.extensions["osteocds.cards"].flush()
    other = "/cds-services/osteoporosis-vitaz-patient-view/feedback"
    resp = client.post(other, json={"feedback": [feedback_on("unknown-card"), feedback_on("card-plan")]})
    assert resp.status_code == 409 and resp.get_json()["error"] == "conflict"
    report = report_of(store_app.extensions["osteocds.db"].url, capsys)
    assert all(r["accepted"] == 0 for r in report["topics"]) and report["pendingCards"] == 0


def test_feedback_before_its_card_row_is_pending_then_joins(store_app, cds_request, two_cards, capsys):
    client = store_app.test_client()
    writer = store_app.extensions["osteocds.cards"]
    url = store_app.extensions["osteocds.db"].url
    db_write = writer.db.insert_issued
    gate = threading.Event()
    writer.db.insert_issued = lambda entries: gate.wait(10) and db_write(entries)  # the writer is slow
    resp = client.post(PV, json=cds_request({"resourceType": "Bundle", "entry": [{"resource": PATIENT}]}))
    assert resp.status_code == 200  # the answer did not wait for the database
    assert client.post(FEEDBACK, json={"feedback": [feedback_on("card-plan")]}).get_json() == {"stored": 1, "duplicates": 0}
    report = report_of(url, capsys)
    assert (report["pendingCards"], report["unmatchedCards"]) == (1, 0)
    assert all(r["accepted"] == 0 for r in report["topics"])  # not counted as an outcome while pending
    gate.set()
    writer.flush()
    report = report_of(url, capsys)
    assert {r["topic"]: r["accepted"] for r in report["topics"]}["start-antiresorptive"] == 1
    assert report["pendingCards"] == 0


def test_feedback_for_a_card_never_stored_counts_as_unmatched_after_the_pending_time(store_app, monkeypatch, capsys):
    client = store_app.test_client()
    assert client.post(FEEDBACK, json={"feedback": [feedback_on("never-issued")]}).status_code == 200
    url = store_app.extensions["osteocds.db"].url
    assert report_of(url, capsys)["pendingCards"] == 1
    monkeypatch.setenv("OSTEOCDS_FEEDBACK_PENDING_SECONDS", "0")
    report = report_of(url, capsys)
    assert (report["pendingCards"], report["unmatchedCards"], report["topics"]) == (0, 1, [])


def test_a_full_card_queue_never_blocks_the_answer_and_counts_the_loss(tmp_path, cds_request, monkeypatch, caplog):
    monkeypatch.setattr(pipeline, "evaluate", lambda *a, **k: pipeline.Outcome(
        cards=[_card(str(uuid.uuid4()), Topic.ORDER_LAB), _card(str(uuid.uuid4()), Topic.LIFESTYLE_FALLS)],
        recommendations=[_rec(Topic.ORDER_LAB, "A"), _rec(Topic.LIFESTYLE_FALLS, "B")]))
    app = create_app({"TESTING": True, "DEV": True, "TODAY": "2026-11-22", "CARD_QUEUE_SIZE": 1,
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'q.sqlite3'}"})
    writer = app.extensions["osteocds.cards"]
    gate = threading.Event()
    db_write = writer.db.insert_issued
    writer.db.insert_issued = lambda entries: gate.wait(10) and db_write(entries)
    client = app.test_client()
    body = cds_request({"resourceType": "Bundle", "entry": [{"resource": PATIENT}]})
    logger = logging.getLogger("osteocds")
    logger.addHandler(caplog.handler)
    try:
        statuses = [client.post(PV, json=body).status_code]
        while not writer.queue.empty():  # the writer has taken the first call and waits on the database
            time.sleep(0.005)
        statuses += [client.post(PV, json=body).status_code for _ in range(3)]
    finally:
        logger.removeHandler(caplog.handler)
    gate.set()
    writer.close()
    assert statuses == [200] * 4
    # one call is being written, one waits in the queue, the other two are dropped: counted and logged
    assert (writer.written, writer.dropped) == (4, 4)
    drops = [r for r in caplog.records if getattr(r, "event", None) == "store-dropped"]
    assert [r.dropped_total for r in drops] == [2, 4]


def test_close_writes_everything_queued(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'c.sqlite3'}")
    writer = CardWriter(db)
    for i in range(50):
        writer.store_issued("osteoporosis-rcop-patient-view", [IssuedCard(f"u{i}", "order-lab", ("order-lab",), ())])
    writer.close()
    with db.sessions() as s:
        assert s.query(CardRow).count() == 50
    assert writer.written == 50 and writer.dropped == writer.failed == 0


def test_feedback_report_on_an_empty_database(tmp_path, capsys):
    assert cli.main(["feedback-report", "--database-url", f"sqlite:///{tmp_path / 'empty.sqlite3'}"]) == 0
    assert capsys.readouterr().out.strip() == "No cards issued and no feedback yet."


def test_sqlite_runs_in_wal_with_synchronous_normal(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    db.dispose()


def test_a_database_from_before_the_topics_column_is_upgraded(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE issued_card (uuid VARCHAR(64) PRIMARY KEY, service_id VARCHAR(100), "
                             "topic VARCHAR(64), nodes TEXT, issued_at DATETIME)")
    engine.dispose()
    db = Database(url)
    db.store_issued("osteoporosis-rcop-patient-view", [IssuedCard("u1", "order-lab", ("order-lab",), ("RCOP-FX-6",))])
    with db.sessions() as s:
        assert json.loads(s.get(CardRow, "u1").topics) == ["order-lab"]
    db.dispose()

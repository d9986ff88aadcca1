"""`osteocds evaluate`: readable cards by default, the response JSON with --json, draft orders with --draft."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cds_service import cli, pipeline

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rcop"
TWO_CHARTS = str(FIXTURES / "RCOP-FX-7-GC-5-in-two-charts-one-card-per-topic.json")
DRAFT = {"resourceType": "MedicationRequest", "id": "draft-1", "status": "draft", "intent": "order",
         "subject": {"reference": "Patient/fxgc"}, "medicationCodeableConcept": {"text": "denosumab"}}


def without_uuids(value):
    """The response with every (random) uuid left out."""
    if isinstance(value, dict):
        return {k: without_uuids(v) for k, v in value.items() if k != "uuid"}
    return [without_uuids(v) for v in value] if isinstance(value, list) else value


def evaluate(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["evaluate", *args, "--today", "2026-11-22"])
    out, err = capsys.readouterr()
    return code, out, err


def test_cards_read_as_plan_steps_facts_suggestions_and_override_reasons(capsys):
    code, out, _ = evaluate(capsys, TWO_CHARTS, "--service", "osteoporosis-rcop-patient-view", "--lang", "en")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "Card 1/1  [WARNING]  Start alendronic acid; VFA"
    assert lines[1] == "  topic: start-antiresorptive (also order-dxa-vfa, calcium-vitamin-d, lifestyle-falls)"
    assert "  Plan (steps in order)" in lines and "  Facts used" in lines
    assert any(line.startswith("  1. DXA+VFA — ") for line in lines)
    assert "  - Age: 72 years — patient record 1 Jan 1954" in lines
    assert any(line.startswith("  Decision nodes: RCOP-FX-10, RCOP-GC-1, RCOP-FX-7") for line in lines)
    assert ("   * alendronic acid 70 mg orally once weekly on a fixed day (fasting, full glass of water, 30 minutes upright) — dental check first [recommended]  "
            "-> create MedicationRequest ATC M05BA04") in lines
    assert "   * Order a VFA [recommended]  -> create ServiceRequest SNOMED 726548004" in lines
    assert any(line.startswith("  Override reasons: Patient declines; ") for line in lines)
    assert "**" not in out


def test_json_is_the_response_the_endpoint_gives(capsys, client, cds_request):
    code, out, _ = evaluate(capsys, TWO_CHARTS, "--service", "osteoporosis-rcop-patient-view", "--json")
    bundle = json.loads(Path(TWO_CHARTS).read_text())
    served = client.post("/cds-services/osteoporosis-rcop-patient-view", json=cds_request(bundle)).get_json()

    assert code == 0 and without_uuids(json.loads(out)) == without_uuids(served)


@pytest.mark.parametrize("draft", [DRAFT, [DRAFT], {"resourceType": "Bundle", "entry": [{"resource": DRAFT}]}])
def test_a_draft_goes_to_an_order_service_as_draft_orders_and_selections(capsys, monkeypatch, tmp_path, draft):
    seen = []
    monkeypatch.setattr(pipeline, "evaluate", lambda service, resources, **kw: pipeline.Outcome([], []))
    real_run = pipeline.run
    monkeypatch.setattr(pipeline, "run", lambda service, req, *a, **kw: seen.append(req) or real_run(service, req, *a, **kw))
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(draft))
    code, out, _ = evaluate(capsys, TWO_CHARTS, "--service", "osteoporosis-rcop-order-select", "--draft", str(path))
    assert (code, out.strip()) == (0, "No cards.")
    (req,) = seen
    assert req.hook == "order-select" and req.draft_orders == [DRAFT]
    assert req.context["selections"] == ["MedicationRequest/draft-1"]


@pytest.mark.parametrize(("args", "message"), [
    (["--service", "osteoporosis-rcop-patient-view", "--draft", TWO_CHARTS], "--draft is for the order services"),
    (["--service", "osteoporosis-rcop-order-sign", "--draft", "/nonexistent/draft.json"], "cannot read /nonexistent/draft.json"),
    (["--service", "no-such-service"], "unknown service 'no-such-service'"),
])
def test_a_wrong_call_says_why_and_exits_2(capsys, args, message):
    code, _, err = evaluate(capsys, TWO_CHARTS, *args)
    assert code == 2 and message in err


@pytest.mark.parametrize(("content", "message"), [
    ('{"resourceType": "Bundle", "type": "collection", "entry": []}', "no Patient with an id"),
    ("null", "holds no FHIR resource or Bundle"),
    ("{oops", "cannot read"),
])
def test_an_unusable_bundle_says_why_and_exits_2(capsys, tmp_path, content, message):
    path = tmp_path / "bundle.json"
    path.write_text(content)
    code, _, err = evaluate(capsys, str(path), "--service", "osteoporosis-rcop-patient-view")
    assert code == 2 and message in err

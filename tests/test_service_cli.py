"""`osteocds serve` wiring (gunicorn run programmatically), without binding a port."""

from __future__ import annotations

import json
from pathlib import Path

from cds_service import cli
from cds_service.server import GunicornServer


def test_serve_runs_gunicorn_with_host_port_workers_and_dev_mode(monkeypatch, tmp_path, capsys):
    seen = {}

    def fake_run(self):
        seen["bind"] = self.cfg.bind
        seen["workers"] = self.cfg.workers
        seen["preload"] = self.cfg.preload_app
        seen["app"] = self.load()

    monkeypatch.setattr(GunicornServer, "run", fake_run)
    monkeypatch.setenv("OSTEOCDS_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "9123", "--workers", "3", "--dev"]) == 0
    assert seen["bind"] == ["0.0.0.0:9123"] and seen["workers"] == 3 and seen["preload"] is True
    assert seen["app"].config["DEV"] is True
    assert "DEVELOPMENT MODE" in capsys.readouterr().err


def test_serve_without_dev_keeps_authentication(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(GunicornServer, "run", lambda self: seen.setdefault("app", self.load()))
    monkeypatch.setenv("OSTEOCDS_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    monkeypatch.setenv("OSTEOCDS_WORKERS", "5")
    assert cli.main(["serve", "--port", "9124"]) == 0
    assert seen["app"].config["DEV"] is False
    resp = seen["app"].test_client().post("/cds-services/osteoporosis-rcop-patient-view", json={})
    assert resp.status_code == 401


def test_request_prints_a_patient_view_call_that_the_service_answers(capsys, client):
    """`osteocds request BUNDLE` gives the body for curl; sent as is, it yields the fixture's critical card."""
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "rcop" / "RCOP-DMAB-4-in-overdue-under-3-years-critical.json"
    assert cli.main(["request", str(fixture)]) == 0
    body = json.loads(capsys.readouterr().out)
    assert (body["hook"], body["context"]["patientId"]) == ("patient-view", "dm4")
    cards = client.post("/cds-services/osteoporosis-rcop-patient-view", json=body).get_json()["cards"]
    assert [c["indicator"] for c in cards if c["source"]["topic"]["code"] == "denosumab-transition"] == ["critical"]


def test_request_refuses_a_bundle_without_a_patient(tmp_path, capsys):
    path = tmp_path / "no-patient.json"
    path.write_text('{"resourceType": "Bundle", "type": "collection", "entry": []}')
    assert cli.main(["request", str(path)]) == 2
    assert "no Patient" in capsys.readouterr().err

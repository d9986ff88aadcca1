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


def test_an_unreadable_issuers_file_stops_serve_with_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(GunicornServer, "run", lambda self: None)
    monkeypatch.setenv("OSTEOCDS_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    monkeypatch.setenv("OSTEOCDS_ISSUERS_FILE", str(tmp_path))  # a directory: as unreadable as a mode-600 file
    assert cli.main(["serve", "--port", "9125"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("osteocds: cannot start: cannot read issuers file") and err.count("\n") == 1
    assert "Traceback" not in err


def test_a_database_the_user_cannot_write_stops_serve_with_one_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(GunicornServer, "run", lambda self: None)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")  # /data mounted root-owned: the SQLite file cannot be created
    monkeypatch.setenv("OSTEOCDS_DATABASE_URL", f"sqlite:///{blocker / 'osteocds.sqlite3'}")
    assert cli.main(["serve", "--port", "9126"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("osteocds: cannot start: cannot use the database sqlite:///") and err.count("\n") == 1
    assert "unable to open database file" in err


def test_a_postgresql_password_never_reaches_the_start_error(monkeypatch, capsys):
    monkeypatch.setattr(GunicornServer, "run", lambda self: None)
    monkeypatch.setenv("OSTEOCDS_DATABASE_URL", "postgresql+psycopg://osteo:s3cret-pw@127.0.0.1:1/osteo")
    assert cli.main(["serve", "--port", "9127"]) == 2
    err = capsys.readouterr().err
    assert "cannot use the database" in err and "s3cret-pw" not in err and err.count("\n") == 1

"""Shared fixtures: an app in development mode on a throw-away SQLite file, its client, and `cds_request`."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine

from cds_service import create_app
from cds_service.storage import Base
from cds_service.bundle_request import request_from_bundle


@pytest.fixture
def app(tmp_path):
    return create_app(
        {
            "TESTING": True,
            "DEV": True,
            "TODAY": "2026-11-22",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'osteocds-test.sqlite3'}",
            "ISSUERS_FILE": None,
            "FHIR_ALLOWLIST": "",
            "LANGUAGE": None,
        }
    )


# The store, replay-cache and feedback tests run on SQLite and, when CI provides one, on PostgreSQL.
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("OSTEOCDS_TEST_DATABASE_URL") else [])


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """A fresh, empty database: a SQLite file, or the CI PostgreSQL database with every table dropped."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    url = os.environ["OSTEOCDS_TEST_DATABASE_URL"]
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def store_app(database_url):
    """The development-mode app on `database_url`; its card writer is closed (drained) at the end."""
    app = create_app({"TESTING": True, "DEV": True, "TODAY": "2026-11-22", "DATABASE_URL": database_url,
                      "ISSUERS_FILE": None, "FHIR_ALLOWLIST": "", "LANGUAGE": None})
    yield app
    app.extensions["osteocds.cards"].close()
    app.extensions["osteocds.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cds_request():
    """`cds_request(bundle, hook="patient-view", patient_id=None, draft_orders=None) -> dict`.

    Every resource of the Bundle goes under the prefetch key of its type (all discovery keys present,
    empty searchset Bundles for absent types; the Patient directly under `patient`); patientId
    defaults to the Bundle's Patient id. For order-select/order-sign, `draft_orders` (a Bundle, a
    resource or a list of resources) becomes `context.draftOrders` (and `selections` for order-select).
    """

    def build(bundle: dict, hook: str = "patient-view", patient_id: str | None = None, draft_orders=None) -> dict:
        return request_from_bundle(bundle, hook=hook, patient_id=patient_id, draft_orders=draft_orders)

    return build


@pytest.fixture
def evaluated(monkeypatch):
    """Replace the clinical stages with a recorder, for tests of protocol behaviour only.

    Returns the list of calls; each call is a dict with the resources that reached evaluation,
    patient_id, today and lang. The response then has no cards.
    """
    from cds_service import pipeline

    calls: list[dict] = []

    def record(service, resources, *, patient_id, today, lang, order=None):
        calls.append({"service": service.id, "resources": resources, "patient_id": patient_id,
                      "today": today, "lang": lang, "order": order})
        return pipeline.Outcome(cards=[], recommendations=[])

    monkeypatch.setattr(pipeline, "evaluate", record)
    return calls

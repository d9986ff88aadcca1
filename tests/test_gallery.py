"""The fixture gallery: fixtures/README.md and fixtures/gallery.json are what fixtures/make_gallery.py writes from the
fixtures today, and the viewer's picker reads the same index (plus ../shared's Synthea patients when present)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from cds_service.viewer import gallery

ROOT = Path(__file__).resolve().parents[1]
SYNTHEA = ROOT.parent / "shared" / "synthea" / "bundles"


def make_gallery():
    spec = importlib.util.spec_from_file_location("make_gallery", ROOT / "fixtures" / "make_gallery.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_gallery_is_up_to_date():
    for path, text in make_gallery().outputs().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run python fixtures/make_gallery.py"


def test_each_fixture_is_listed_with_who_it_is_the_nodes_it_reaches_and_its_cards():
    data = json.loads((ROOT / "fixtures" / "gallery.json").read_text(encoding="utf-8"))
    rcop = next(g for g in data["groups"] if g["id"] == "rcop")
    assert len(rcop["patients"]) == len(list((ROOT / "fixtures" / "rcop").glob("*.json")))
    fx3 = next(p for p in rcop["patients"] if p["key"] == "rcop/RCOP-FX-3-in-hip-fracture-t-minus-1")
    assert (fx3["title"], fx3["sex"], fx3["age"]) == ("hip fracture, T -1", "female", 80)
    assert "RCOP-FX-3" in fx3["nodes"]
    assert [(c["indicator"], c["topic"]) for c in fx3["cards"]] == [("warning", "start-antiresorptive")]
    readme = (ROOT / "fixtures" / "README.md").read_text(encoding="utf-8")
    assert "| [RCOP-FX-3](rcop/RCOP-FX-3-in-hip-fracture-t-minus-1.json) in: hip fracture, T -1 | woman, 80 |" in readme


@pytest.mark.parametrize(("name", "title"), [
    ("age-70-t-minus-2-5", "age 70, T -2.5"),
    ("overdue-boundary-last-2026-04-24", "overdue boundary last 2026-04-24"),
    ("calcium-1-95-no-drug", "calcium 1.95 no drug"),
    ("z-minus-2-1-endocrinology", "Z -2.1 endocrinology"),
    ("alendronic-acid-4-years-364-days", "alendronic acid 4 years 364 days"),
    ("egfr-30-not-recommended", "eGFR 30 not recommended"),
])
def test_fixture_names_read_as_words(name, title):
    assert make_gallery().title(name) == title


def test_the_picker_reads_the_index_and_finds_synthea_beside_the_project():
    found = gallery.load()
    assert [g.id for g in found.groups][:1] == ["rcop"]
    patient = found.by_key["rcop/RCOP-FX-3-in-hip-fracture-t-minus-1"]
    assert (patient.service, patient.today, patient.age) == ("osteoporosis-rcop-patient-view", "2026-11-22", 80)
    if SYNTHEA.is_dir():
        hallie = next(p for p in found.by_key.values() if p.key.startswith("synthea/Hallie_Hoeger_"))
        assert hallie.label == "Hallie Hoeger" and hallie.cards is None  # no expectation is claimed for Synthea
        bundle, drafts = found.record(hallie.key)
        assert bundle["type"] == "transaction" and drafts is None


def test_an_order_fixture_sends_its_draft_orders_apart_from_the_record(tmp_path):
    """Without fixtures or ../shared (an installed package) the gallery is empty; an order fixture's drafts split off."""
    assert gallery.load(tmp_path / "project").groups == ()
    root = tmp_path / "project"
    (root / "fixtures" / "orders").mkdir(parents=True)
    record = json.loads((ROOT / "fixtures" / "rcop" / "RCOP-FX-7-in-humerus-fracture-t-minus-2-5.json").read_text())
    draft = {"resourceType": "MedicationRequest", "id": "d1", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/fx7"}, "medicationCodeableConcept": {"text": "denosumab"}}
    record["entry"].append({"fullUrl": "urn:uuid:d1", "resource": draft})
    (root / "fixtures" / "orders" / "ORDER-X-in-a.json").write_text(json.dumps(record))
    index = {"today": "2026-11-22", "groups": [{"id": "orders", "title": "Orders", "service": "osteoporosis-rcop-order-select",
             "patients": [{"key": "orders/ORDER-X-in-a", "file": "orders/ORDER-X-in-a.json", "node": "ORDER-X", "case": "in",
                           "title": "a", "sex": "female", "age": 70, "nodes": [], "cards": []}]}]}
    (root / "fixtures" / "gallery.json").write_text(json.dumps(index))
    found = gallery.load(root)
    bundle, drafts = found.record("orders/ORDER-X-in-a")
    assert drafts == [draft] and all(e["resource"]["id"] != "d1" for e in bundle["entry"])
    assert found.by_key["orders/ORDER-X-in-a"].service == "osteoporosis-rcop-order-select"
    shutil.rmtree(root / "fixtures" / "orders")
    assert gallery.load(root).by_key == {}  # a listed file that is gone is not offered

"""The card viewer's pages through the app (no browser): what is served, what every gallery patient shows, and how
bad input is answered."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cds_service import create_app
from cds_service.storage import CardRow

ROOT = Path(__file__).resolve().parents[1]
GALLERY = json.loads((ROOT / "fixtures" / "gallery.json").read_text(encoding="utf-8"))
PATIENTS = [(g["service"], p) for g in GALLERY["groups"] for p in g["patients"]]
RCOP = "osteoporosis-rcop-patient-view"


class Page(HTMLParser):
    """The tags of a page, and the text of the elements with the classes the tests read."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.summaries: list[str] = []
        self._in_summary = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_summary = dict(attrs).get("class") == "card__summary"

    def handle_data(self, data):
        if self._in_summary:
            self.summaries.append(data)
            self._in_summary = False


def summaries(key: str, lang: str) -> list[str]:
    return next([c["summary"][lang] for c in p["cards"]] for _, p in PATIENTS if p["key"] == key)


@pytest.fixture(scope="module")
def gallery_client(tmp_path_factory):
    """One app for the whole gallery (built once: the parametrized test posts every patient)."""
    db = tmp_path_factory.mktemp("gallery") / "viewer.sqlite3"
    return create_app({"TESTING": True, "DEV": True, "TODAY": None, "DATABASE_URL": f"sqlite:///{db}"}).test_client()


def post(client, **fields):
    data = {"service": RCOP, "patient": "", "today": "", "lang": "nl", **fields}
    return client.post("/viewer", data=data, content_type="multipart/form-data")


def error_of(resp) -> str:
    return unescape(re.search(r'role="alert"><strong>[^<]*</strong>\s*(.*?)</div>', resp.get_data(as_text=True)).group(1))


def test_root_redirects_to_the_viewer_in_development_mode(client):
    resp = client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"] == "/viewer"


def test_the_page_is_self_contained_under_a_strict_csp(client):
    """No inline script or style, every asset from this service: it works offline and under the CSP it sends."""
    resp = client.get("/viewer")
    assert resp.status_code == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    page = Page(resp.get_data(as_text=True))
    scripts = [a for t, a in page.tags if t == "script"]
    assert [a.get("type") for a in scripts if "src" not in a] == ["application/json"]  # data, never run
    assert all("style" not in a and not any(k.startswith("on") for k in a) for _, a in page.tags)
    assets = [a.get("src") or a.get("href") for t, a in page.tags if t in ("script", "link") and (a.get("src") or a.get("href"))]
    assert assets and all(u.startswith("/viewer/static/") for u in assets)
    for url in assets:
        with client.get(url) as asset:
            assert asset.status_code == 200


def test_the_picker_preselects_a_patient_with_its_service_date_and_expected_card(client):
    html = client.get("/viewer").get_data(as_text=True)
    assert re.search(r'<option value="rcop/RCOP-FX-7-in-humerus-fracture-t-minus-2-5"[^>]*selected', html, re.S)
    assert 'id="today" name="today" value="2026-11-22"' in html
    assert 'id="expect">Verwacht: [waarschuwing] Start alendroninezuur; VFA</p>' in html
    assert 'id="expect">Expected: [warning] Start alendronic acid; VFA</p>' in client.get("/viewer?lang=en").get_data(as_text=True)


@pytest.mark.parametrize(("service", "patient"), PATIENTS, ids=[p["key"] for _, p in PATIENTS])
def test_every_gallery_patient_shows_the_cards_the_gallery_lists(gallery_client, service, patient):
    resp = post(gallery_client, service=service, patient=patient["key"])
    assert resp.status_code == 200
    assert Page(resp.get_data(as_text=True)).summaries == [c["summary"]["nl"] for c in patient["cards"]]


def test_a_card_shows_its_indicator_detail_suggestions_trace_and_is_stored_as_issued(app, client):
    html = post(client, patient="rcop/RCOP-FX-7-GC-5-in-two-charts-one-card-per-topic").get_data(as_text=True)
    assert '<article class="card card--warning"' in html and '<span class="badge badge--warning">waarschuwing</span>' in html
    detail = re.search(r'<div class="card__detail">(.*?)</div>', html, re.S).group(1)
    assert detail.startswith("<p><strong>Plan (stappen in volgorde)</strong></p>") and "**" not in detail
    assert re.search(r'data-accept="[0-9a-f-]{36}">\s*<span class="suggestion__label">alendroninezuur 70 mg oraal', html)
    assert '<option data-system="https://osteocds.org/fhir/CodeSystem/override-reason" data-code="patient-declines">' in html
    assert '<code class="chip chip--node">RCOP-GC-5</code>' in html
    assert re.search(r"<summary><code>Condition/[^<]+</code></summary><pre>\{", html)  # the fact's own resource
    uuid = re.search(r'data-card="([0-9a-f-]{36})"', html).group(1)
    app.extensions["osteocds.cards"].flush()  # the issued-card queue
    with app.extensions["osteocds.db"].sessions() as s:
        assert s.get(CardRow, uuid).topic == "start-antiresorptive"  # feedback on it joins the report


def test_an_own_bundle_pasted_or_uploaded_goes_before_the_gallery_and_english_is_english(client):
    bundle = (ROOT / "fixtures" / "rcop" / "RCOP-DMAB-4-in-overdue-under-3-years-critical.json").read_text()
    pasted = post(client, bundle=bundle, patient="rcop/RCOP-FX-7-in-humerus-fracture-t-minus-2-5", today="2026-11-22", lang="en")
    uploaded = post(client, bundle_file=(io.BytesIO(bundle.encode()), "record.json"), today="2026-11-22", lang="en")
    for resp in (pasted, uploaded):
        assert resp.status_code == 200
        assert Page(resp.get_data(as_text=True)).summaries == summaries("rcop/RCOP-DMAB-4-in-overdue-under-3-years-critical", "en")
        assert '<span class="badge badge--critical">critical</span>' in resp.get_data(as_text=True)


def test_the_evaluation_date_decides(client):
    """The same record a year earlier: the denosumab injection is not yet overdue."""
    resp = post(client, patient="rcop/RCOP-DMAB-4-in-overdue-under-3-years-critical", today="2025-11-22")
    assert "card--critical" not in resp.get_data(as_text=True) and "2025-11-22" in resp.get_data(as_text=True)


def test_record_content_is_escaped_in_the_trace(client):
    bundle = json.loads((ROOT / "fixtures" / "rcop" / "RCOP-FX-7-in-humerus-fracture-t-minus-2-5.json").read_text())
    condition = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition")
    condition["code"]["text"] = "<script>alert(1)</script>"
    html = post(client, bundle=json.dumps(bundle), today="2026-11-22").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html


def test_a_draft_order_travels_as_draft_orders_and_selections(client):
    draft = {"resourceType": "MedicationRequest", "id": "draft-1", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/fx7"}, "medicationCodeableConcept": {"text": "alendronic acid"}}
    resp = post(client, service="osteoporosis-rcop-order-select", patient="rcop/RCOP-FX-7-in-humerus-fracture-t-minus-2-5",
                draft=json.dumps(draft))
    assert resp.status_code == 200
    request_pre = re.search(r"<summary>CDS Hooks-verzoek</summary>\s*<pre>(.*?)</pre>", resp.get_data(as_text=True), re.S)
    shown = json.loads(unescape(request_pre.group(1)))
    assert shown["hook"] == "order-select" and shown["context"]["selections"] == ["MedicationRequest/draft-1"]
    assert shown["context"]["draftOrders"]["entry"] == [{"resource": draft}]


@pytest.mark.parametrize(("fields", "message"), [
    ({}, "Kies een patiënt uit de galerij of geef een eigen Bundle."),
    ({"bundle": "{not json"}, "De Bundle is geen geldige JSON: Expecting property name"),
    ({"bundle": '{"resourceType": "Bundle", "entry": []}'}, "De Bundle bevat geen Patient met een id."),
    ({"patient": "rcop/../../pyproject"}, "Onbekende patiënt in de galerij."),
    ({"patient": "rcop/RCOP-FX-7-in-humerus-fracture-t-minus-2-5", "today": "22-11-2026"}, "De evaluatiedatum moet JJJJ-MM-DD zijn."),
    ({"service": "no-such-service", "patient": "rcop/RCOP-FX-7-in-humerus-fracture-t-minus-2-5"}, "Onbekende dienst."),
    ({"patient": "rcop/RCOP-FX-7-in-humerus-fracture-t-minus-2-5", "draft": "[1,"}, "De conceptorder is geen geldige JSON"),
])
def test_bad_input_is_answered_on_the_page_with_400(client, fields, message):
    resp = post(client, **fields)
    assert resp.status_code == 400
    assert error_of(resp).startswith(message)


def test_a_post_from_another_site_is_refused(client):
    resp = client.post("/viewer", data={"service": RCOP, "patient": "rcop/RCOP-FX-7-in-humerus-fracture-t-minus-2-5"},
                       headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert resp.status_code == 403


def test_a_gallery_record_is_served_as_json_by_key_only(client):
    resp = client.get("/viewer/patients/rcop/RCOP-FX-7-in-humerus-fracture-t-minus-2-5")
    assert resp.status_code == 200 and resp.get_json()["entry"][0]["resource"]["id"] == "fx7"
    assert client.get("/viewer/patients/rcop/../../pyproject").status_code == 404


def test_the_viewer_is_off_in_production_without_its_issuer(tmp_path):
    app = create_app({"TESTING": True, "DEV": False, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    client = app.test_client()
    assert client.get("/").status_code == 404 and client.get("/viewer").status_code == 404


def test_serve_says_where_the_viewer_is(monkeypatch, tmp_path, capsys):
    from cds_service import cli
    from cds_service.server import GunicornServer

    monkeypatch.setattr(GunicornServer, "run", lambda self: self.load())
    monkeypatch.setenv("OSTEOCDS_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    assert cli.main(["serve", "--dev", "--port", "9125"]) == 0
    assert "Card viewer: http://127.0.0.1:9125/viewer" in capsys.readouterr().err


def test_an_evaluation_is_one_json_log_line_with_topics_and_no_patient(client, caplog):
    post(client, patient="rcop/RCOP-FX-7-in-humerus-fracture-t-minus-2-5")
    (line,) = [r for r in caplog.records if getattr(r, "event", None) == "viewer"]
    assert (line.service, line.status, line.cards, line.topics) == (RCOP, 200, 1, ["start-antiresorptive"])
    assert "fx7" not in str(line.__dict__)


def test_whatever_a_card_says_is_escaped_and_only_http_links_become_links(client, monkeypatch):
    """A card as the page receives it from the pipeline, with markup in every text field."""
    from cds_service import pipeline

    card = {"uuid": "0b7c6a4e-7b0e-4d3c-9a51-2b9f6c1d8e10", "summary": "<img src=x onerror=alert(1)>", "indicator": "info",
            "detail": "**ok** <script>alert(1)</script>",
            "source": {"label": "<b>src</b>", "topic": {"code": "order-lab", "display": "x"}},
            "links": [{"label": "FRAX <i>BE</i>", "url": "https://frax.shef.ac.uk/FRAX/tool.aspx?country=9", "type": "absolute"},
                      {"label": "bad", "url": "javascript:alert(1)", "type": "absolute"}],
            "suggestions": [{"label": "<svg onload=alert(1)>", "uuid": "5d0c9a1e-1c1a-4f7e-8f1e-0a2b3c4d5e6f", "actions": []}],
            "overrideReasons": [{"system": "urn:x", "code": '"><script>', "display": "<u>r</u>"}],
            "extension": {"org.osteocds.topics": ["order-lab"], "org.osteocds.nodes": ["<b>N</b>"]}}
    monkeypatch.setattr(pipeline, "evaluate", lambda *a, **kw: pipeline.Outcome(cards=[card], recommendations=[]))
    page = Page(post(client, patient="rcop/RCOP-FX-7-in-humerus-fracture-t-minus-2-5").get_data(as_text=True))
    assert not {t for t, _ in page.tags} & {"img", "b", "i", "u", "svg"}
    assert [t for t, a in page.tags if t == "script" and "src" not in a] == ["script"]  # only the JSON data block
    hrefs = [a["href"] for t, a in page.tags if t == "a" and a.get("rel") == "noopener noreferrer"]
    assert hrefs == ["https://frax.shef.ac.uk/FRAX/tool.aspx?country=9"]
    assert page.summaries == ["<img src=x onerror=alert(1)>"]  # shown as text

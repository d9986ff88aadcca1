"""The card viewer in a real browser against the real server: pick a gallery patient, see its card, accept a
suggestion and dismiss the card, and find both as feedback rows in the database; in development mode and in
production mode with the viewer's own issuer (the page then signs each feedback call with a one-use JWT).
Screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from cds_service import create_app
from cds_service.feedback_report import feedback_report
from cds_service.storage import FeedbackRow
from tests.browser import chromium, require_chromium, screenshot, serving

PATIENT = "rcop/RCOP-FX-7-GC-5-in-two-charts-one-card-per-topic"  # not the preselected one
GALLERY = Path(__file__).resolve().parents[1] / "fixtures" / "gallery.json"


def expected_summaries(key: str, lang: str) -> list[str]:
    patient = next(p for g in json.loads(GALLERY.read_text())["groups"] for p in g["patients"] if p["key"] == key)
    return [c["summary"][lang] for c in patient["cards"]]


def production_config(tmp_path: Path) -> dict:
    key = tmp_path / "viewer-key.pem"
    key.write_bytes(ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return {"DEV": False, "VIEWER_KEY_FILE": str(key)}


def feedback_rows(app) -> list[FeedbackRow]:
    with app.extensions["osteocds.db"].sessions() as s:
        return list(s.scalars(select(FeedbackRow).order_by(FeedbackRow.id)))


@pytest.mark.parametrize("mode", ["dev", "production"])
def test_pick_a_patient_see_its_card_accept_and_dismiss_with_feedback_stored(tmp_path, mode):
    require_chromium()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    config = {"TESTING": True, "DEV": True, "TODAY": None, "DATABASE_URL": f"sqlite:///{tmp_path / 'viewer.sqlite3'}",
              "ISSUERS_FILE": None, "LANGUAGE": None}
    if mode == "production":
        config.update(production_config(tmp_path))
    app = create_app(config)
    with serving(app) as base, chromium(tmp_path / "profile") as driver:
        wait = WebDriverWait(driver, 20)
        driver.get(base + "/")
        assert driver.current_url == base + "/viewer"
        driver.find_element(By.ID, "today").clear()
        Select(driver.find_element(By.ID, "patient")).select_by_value(PATIENT)
        assert driver.find_element(By.ID, "today").get_attribute("value") == "2026-11-22"  # the date it is written for
        assert "Start alendroninezuur" in driver.find_element(By.ID, "expect").text
        screenshot(driver, f"{mode}-1-form")
        driver.find_element(By.ID, "submit").click()

        wait.until(ready.presence_of_element_located((By.CSS_SELECTOR, "article.card")))
        cards = driver.find_elements(By.CSS_SELECTOR, "article.card")
        assert [c.find_element(By.CSS_SELECTOR, ".card__summary").text for c in cards] == expected_summaries(PATIENT, "nl")
        card = cards[0]
        assert "card--warning" in card.get_attribute("class")
        assert card.find_element(By.CSS_SELECTOR, ".badge").text.lower() == "waarschuwing"
        detail = card.find_element(By.CSS_SELECTOR, ".card__detail")
        assert detail.find_element(By.CSS_SELECTOR, "strong").text == "Plan (stappen in volgorde)"  # Markdown rendered
        assert "**" not in detail.text
        card.find_element(By.CSS_SELECTOR, ".trace summary").click()
        assert "RCOP-FX-7" in [n.text for n in card.find_elements(By.CSS_SELECTOR, ".chip--node")]
        screenshot(driver, f"{mode}-2-cards")

        drug = next(b for b in card.find_elements(By.CSS_SELECTOR, "button[data-accept]") if "alendroninezuur" in b.text)
        drug.click()
        wait.until(lambda d: "is-accepted" in drug.get_attribute("class") or "error" in
                   card.find_element(By.CSS_SELECTOR, ".card__feedback").get_attribute("class"))
        assert "Feedback opgeslagen" in card.find_element(By.CSS_SELECTOR, ".card__feedback").text

        card.find_element(By.CSS_SELECTOR, "button[data-toggle-override]").click()
        Select(card.find_element(By.CSS_SELECTOR, "select[data-reason]")).select_by_visible_text("Patiënt ziet af")
        card.find_element(By.CSS_SELECTOR, "input[data-comment]").send_keys("wil eerst overleggen")
        card.find_element(By.CSS_SELECTOR, "button[data-override]").click()
        wait.until(lambda d: "overridden" in card.find_element(By.CSS_SELECTOR, ".card__feedback").text)
        screenshot(driver, f"{mode}-3-feedback")

        accepted, overridden = feedback_rows(app)
        assert (accepted.card_uuid, accepted.outcome) == (card.get_attribute("data-card"), "accepted")
        assert json.loads(accepted.accepted_suggestions) == [drug.get_attribute("data-accept")]
        assert (overridden.card_uuid, overridden.outcome) == (accepted.card_uuid, "overridden")
        assert (overridden.override_code, overridden.override_comment) == ("patient-declines", "wil eerst overleggen")
    app.extensions["osteocds.cards"].flush()  # the issued-card queue
    topics = {r.topic: r for r in feedback_report(app.extensions["osteocds.db"], pending_seconds=900).topics}
    assert topics["start-antiresorptive"].issued == 1  # the viewer's card was stored as issued: feedback joins it


def test_a_missing_browser_fails_in_ci_and_is_a_visible_skip_elsewhere(monkeypatch, tmp_path):
    from tests import browser

    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser test"):
        browser.require_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium chromium-driver"):
        browser.require_chromium()

"""The viewer's pages: the form (GET), an evaluation (POST, in-process through the same request builder, validation
and pipeline as an EHR's call), a gallery record as JSON, and the feedback token of the server-side issuer."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from flask import Blueprint, abort, current_app, g, render_template, request

from cds_service import pipeline
from cds_service.bundle_request import patient_id_of
from cds_service.errors import ApiError
from cds_service.middleware import json_response
from cds_service.services import SERVICES
from cds_service.viewer import present
from cds_service.viewer.gallery import Gallery
from cds_service.views import LANGUAGES, audience_for, record_issued, today_of
from fhir_mappings.bundle import iter_resources

bp = Blueprint("viewer", __name__, url_prefix="/viewer", template_folder="templates", static_folder="static")
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make the form post's Origin "null"
    "Cache-Control": "no-store",
}


class InputError(Exception):
    """What the user gave cannot be evaluated; the message is shown on the page."""


@dataclass
class Form:
    service: str = "osteoporosis-rcop-patient-view"
    patient: str = ""
    bundle: str = ""
    draft: str = ""
    today: str = ""
    lang: str = "nl"


@cache
def _catalogues() -> dict[str, dict[str, str]]:
    return json.loads((Path(__file__).parent / "messages.json").read_text(encoding="utf-8"))


@bp.before_request
def _same_origin_only() -> None:
    """The page's POSTs come from the page itself: a form or script of another site gets 403 (no token, no
    evaluation on the visitor's behalf)."""
    if request.method != "POST":
        return
    own = (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")
    own_origin = "/".join(own.split("/")[:3])
    origin = request.headers.get("Origin")
    if origin is not None and origin != own_origin:
        abort(403)
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        abort(403)


@bp.after_request
def _headers(response):
    response.headers.update(HEADERS)
    return response


def messages(lang: str) -> dict[str, str]:
    """The page's own wording (the cards bring theirs) in `lang`."""
    return _catalogues()[lang]


def _gallery() -> Gallery:
    return current_app.extensions["osteocds.gallery"]


def _lang(value: str | None) -> str:
    return value if value in LANGUAGES else (current_app.config.get("LANGUAGE") or "nl")


def _page(form: Form, status: int = 200, **extra):
    signer = current_app.extensions.get("osteocds.viewer-signer")
    html = render_template("viewer.html", t=messages(form.lang), form=form, gallery=_gallery(), services=SERVICES,
                           dev=bool(current_app.config["DEV"]), auth="jwt" if signer else "none", **extra)
    return html, status


def page():
    default = current_app.extensions["osteocds.viewer-default"]
    form = Form(lang=_lang(request.args.get("lang")))
    if default is not None:
        form.patient, form.service, form.today = default.key, default.service, default.today or ""
    return _page(form)


def _read(text: str, upload_field: str, what: str, t: dict) -> object | None:
    upload = request.files.get(upload_field)
    if upload is not None and upload.filename:
        text = upload.read().decode("utf-8", errors="replace")
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InputError(t["err_json"].format(what=t[what], reason=exc)) from None


def _inputs(form: Form, t: dict) -> tuple[object, object, date]:
    """(bundle, draft orders, evaluation date) from the form: an own Bundle before the gallery's."""
    bundle = _read(form.bundle, "bundle_file", "the_bundle", t)
    draft = _read(form.draft, "draft_file", "the_draft", t)
    written_for = None
    if bundle is None:
        if not form.patient:
            raise InputError(t["err_no_input"])
        if form.patient not in _gallery().by_key:
            raise InputError(t["err_patient"])
        bundle, drafts = _gallery().record(form.patient)
        draft = draft if draft is not None else drafts
        written_for = _gallery().by_key[form.patient].today
    if not patient_id_of(list(iter_resources(bundle))):
        raise InputError(t["err_no_patient"])
    chosen = form.today or written_for
    if not chosen:
        return bundle, draft, today_of(current_app.config)
    try:
        return bundle, draft, date.fromisoformat(chosen)
    except ValueError:
        raise InputError(t["err_date"]) from None


def evaluate():
    request.max_form_memory_size = current_app.config["MAX_CONTENT_LENGTH"]  # a pasted record may be megabytes
    f = request.form
    form = Form(service=f.get("service", ""), patient=f.get("patient", ""), bundle=f.get("bundle", ""),
                draft=f.get("draft", ""), today=f.get("today", "").strip(), lang=_lang(f.get("lang")))
    t = messages(form.lang)
    g.log = {"event": "viewer", "service": form.service[:100]}  # one JSON log line, as for an EHR's call
    service = SERVICES.get(form.service)
    try:
        if service is None:
            raise InputError(t["err_service"])
        bundle, draft, today = _inputs(form, t)
        started = time.perf_counter()
        body, outcome = pipeline.run_bundle(service, bundle, today=today, lang=form.lang, draft_orders=draft)
        millis = round(1000 * (time.perf_counter() - started))
    except InputError as exc:
        g.log["error"] = "input"
        return _page(form, 400, error=str(exc))
    except ApiError as exc:  # the request the endpoint would refuse
        g.log["error"] = exc.error
        return _page(form, 400, error=exc.message)
    issued = record_issued(service.id, outcome)
    g.log.update(topics=[c.topic for c in issued], cards=len(outcome.cards))
    return _page(form, result=present.result(service, bundle, body, outcome, today=today, lang=form.lang, millis=millis))


def record(key: str):
    if key not in _gallery().by_key:
        abort(404)
    bundle, drafts = _gallery().record(key)
    return json_response(bundle if drafts is None else {"record": bundle, "draftOrders": drafts})


def token():
    """A one-use JWT for the page's feedback call to one service (the server-side issuer; production only)."""
    signer = current_app.extensions.get("osteocds.viewer-signer")
    if signer is None:
        abort(404)
    body = request.get_json(silent=True)
    name = body.get("service") if isinstance(body, dict) else None
    service = SERVICES.get(name) if isinstance(name, str) else None
    if service is None:
        abort(400)
    return json_response({"token": signer.token(audience_for(f"/cds-services/{service.id}/feedback"))})


bp.add_url_rule("", "page", page, methods=["GET"])
bp.add_url_rule("", "evaluate", evaluate, methods=["POST"])
bp.add_url_rule("/patients/<path:key>", "record", record, methods=["GET"])
bp.add_url_rule("/token", "token", token, methods=["POST"])

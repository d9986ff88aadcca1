"""The card viewer (`/viewer`, and `/` redirects there): pick a service and a patient, see the cards as an EHR shows
them with the facts and nodes behind each, accept or dismiss them with real CDS Hooks feedback.

On in development mode; in production only with VIEWER_KEY_FILE, the viewer's own server-side issuer (signer.py).
The page is server-rendered with one small script; every asset is served from here under a strict
Content-Security-Policy (no inline script or style, no other origin), so it works offline.
"""

from __future__ import annotations

from flask import Flask, redirect, url_for

from cds_service.auth import IssuersFileError
from cds_service.viewer import gallery
from cds_service.viewer.signer import VIEWER_ISSUER, Signer
from cds_service.viewer.views import bp

DEFAULT_PATIENT = "rcop/RCOP-FX-7-in-humerus-fracture-t-minus-2-5"  # preselected: a plan card with two suggestions


def enabled(config) -> bool:
    return bool(config["DEV"] or config.get("VIEWER_KEY_FILE"))


def register(app: Flask) -> None:
    if not enabled(app.config):
        return
    if app.config.get("VIEWER_KEY_FILE"):
        signer = Signer(app.config["VIEWER_KEY_FILE"])
        issuers = app.extensions["osteocds.auth"].issuers
        if VIEWER_ISSUER in issuers:
            raise IssuersFileError(f"issuer '{VIEWER_ISSUER}' is the viewer's own; the issuers file must not name it")
        issuers[VIEWER_ISSUER] = signer.issuer()
        app.extensions["osteocds.viewer-signer"] = signer
    found = gallery.load()
    app.extensions["osteocds.gallery"] = found
    patients = [p for g in found.groups for p in g.patients]
    app.extensions["osteocds.viewer-default"] = found.by_key.get(DEFAULT_PATIENT) or (patients[0] if patients else None)
    app.register_blueprint(bp)
    app.add_url_rule("/", "root", lambda: redirect(url_for("viewer.page")), methods=["GET"])

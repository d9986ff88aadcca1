"""OsteoCDS: the CDS Hooks 2.0.1 HTTP layer (discovery, invocation, feedback).

`create_app` is the only wiring point. Configuration comes from, in order: the flat
`DEFAULTS` below, then every `OSTEOCDS_*` environment variable (Flask's
`from_prefixed_env`: `OSTEOCDS_DEV=1` sets `DEV`), then the `config` dict passed in.
Nothing is read at import time.
"""

from __future__ import annotations

from importlib import metadata

from flask import Config, Flask

DEFAULTS: dict[str, object] = {
    # Development mode: no JWT required (logged loudly). Never in production.
    "DEV": False,
    # Fixed evaluation date (ISO), for tests and demos with old data; None = today.
    "TODAY": None,
    # Card language for every service ("nl" | "en"); None = the service's default. Accept-Language wins.
    "LANGUAGE": None,
    # Where issued cards, feedback and seen JWT ids are stored (SQLite or PostgreSQL SQLAlchemy URL).
    "DATABASE_URL": "sqlite:///osteocds.sqlite3",
    # Issued cards wait in a bounded in-process queue for the background writer; when it is full they are
    # counted and logged as dropped (the answer never waits).
    "CARD_QUEUE_SIZE": 10_000,
    # Feedback: most items per request (413 above); seconds feedback for a card not (yet) stored stays
    # pending before the report counts it as unmatched.
    "FEEDBACK_MAX_ITEMS": 1000,
    "FEEDBACK_PENDING_SECONDS": 900,
    # JSON file with the trusted EHR issuers and their keys (see README).
    "ISSUERS_FILE": None,
    # Comma-separated URL prefixes of FHIR servers the service may call; empty = none.
    "FHIR_ALLOWLIST": "",
    # Public base URL (scheme://host[:port][/prefix]) as the EHR sees it, for the JWT `aud` check behind proxies.
    "PUBLIC_BASE_URL": None,
    # CORS: "*" or comma-separated origins.
    "CORS_ORIGINS": "*",
    # Request body limit in bytes (Flask's own key); larger bodies get 413, chunked ones included.
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # Bytes of request body a worker parses and evaluates at once (budget.py); later calls queue for it.
    "EVALUATION_BUDGET": 4 * 1024 * 1024,
    # Seconds a client has to send one whole request (headers and body) once it started; past it the
    # connection reads as closed (see server.py).
    "REQUEST_READ_TIMEOUT": 10.0,
    # FHIR call-back: connect and read time-outs per request; one wall-clock deadline and one byte budget
    # per CDS call (all its requests together); page cap per search.
    "FHIR_CONNECT_TIMEOUT": 3.05,
    "FHIR_READ_TIMEOUT": 10.0,
    "FHIR_DEADLINE": 20.0,
    "FHIR_MAX_PAGES": 20,
    "FHIR_MAX_BYTES": 32 * 1024 * 1024,
    # JWT: leeway on `iat` (s), minimum seconds between two JWKS refreshes of one issuer.
    "JWT_IAT_LEEWAY": 60,
    "JWKS_MIN_REFRESH": 60,
    # Log level of the `osteocds` logger.
    "LOG_LEVEL": "INFO",
    # PEM private key (EC P-256/P-384 or RSA) of the card viewer's own issuer: turns /viewer on in production.
    "VIEWER_KEY_FILE": None,
}


def version() -> str:
    try:
        return metadata.version("osteocds")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0+source"


FLAGS = ("DEV",)


def _flag(value: object) -> bool:
    """`1`, `true`, `yes`, `on` (any case) are true; anything else, `OSTEOCDS_DEV=no` included, is false."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def load_config(target: Config, config: dict | None = None) -> Config:
    """Defaults, then OSTEOCDS_* env, then `config` (also used by the CLI commands that need no app)."""
    target.from_mapping(DEFAULTS)
    target.from_prefixed_env("OSTEOCDS")
    if config:
        target.from_mapping(config)
    for name in FLAGS:
        target[name] = _flag(target[name])
    return target


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app: defaults, then OSTEOCDS_* env, then `config`."""
    app = Flask(__name__)
    load_config(app.config, config)

    from cds_service import auth, logs, storage, viewer, views
    from cds_service.budget import WorkBudget
    from cds_service.card_writer import CardWriter

    logs.configure(app)
    db = app.extensions["osteocds.db"] = storage.Database(str(app.config["DATABASE_URL"]))
    app.extensions["osteocds.cards"] = CardWriter(db, maxsize=int(app.config["CARD_QUEUE_SIZE"]))
    app.extensions["osteocds.auth"] = auth.Authenticator.from_config(app.config)
    app.extensions["osteocds.budget"] = WorkBudget(int(app.config["EVALUATION_BUDGET"]))
    views.register(app)
    viewer.register(app)

    if app.config["DEV"]:
        logs.dev_mode_warning(app)
    elif not app.extensions["osteocds.auth"].issuers:
        logs.logger.warning("no trusted issuer configured (OSTEOCDS_ISSUERS_FILE): every invocation gets 401",
                            extra={"event": "no-issuers"})
    return app

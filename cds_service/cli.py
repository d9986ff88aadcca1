"""`osteocds serve | healthcheck | evaluate | request | feedback-report`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _serve(args) -> int:
    from cds_service import create_app
    from cds_service.auth import IssuersFileError
    from cds_service.logs import DEV_WARNING
    from cds_service.server import serve
    from cds_service.storage import DatabaseError
    from fhir_mappings import warm_up

    overrides = {"DEV": True} if args.dev else {}
    try:
        app = create_app(overrides)  # fail fast on bad configuration, before gunicorn starts
    except (IssuersFileError, DatabaseError, ValueError) as exc:  # one line, no stack trace (container logs)
        print(f"osteocds: cannot start: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    address_file = os.environ.get("OSTEOCDS_ADDRESS_FILE")
    if address_file:  # where `osteocds healthcheck` finds the server, however its port was set
        Path(address_file).write_text(f"{args.port}\n", encoding="utf-8")
    if app.config["DEV"]:
        print(f"\n*** {DEV_WARNING} ***\n", file=sys.stderr, flush=True)
    if "viewer.page" in app.view_functions:
        print(f"Card viewer: http://{args.host}:{args.port}/viewer", file=sys.stderr, flush=True)
    warm_up()  # the lazy caches (UCUM registry, value sets, FHIR models) built once, before the workers fork
    workers = args.workers or int(os.environ.get("OSTEOCDS_WORKERS", "2"))
    threads = args.threads or int(os.environ.get("OSTEOCDS_THREADS", "8"))
    serve(lambda: app, host=args.host, port=args.port, workers=workers, threads=threads, timeout=args.timeout,
          keepalive=args.keepalive, read_timeout=float(app.config["REQUEST_READ_TIMEOUT"]))
    return 0


def _settings(overrides: dict | None = None):
    from flask import Config

    from cds_service import load_config

    return load_config(Config("."), overrides)


def _read_json(path: str) -> dict | list | None:
    """The parsed file (a JSON object or array), or None after saying why it cannot be used."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"cannot read {path}: {exc}", file=sys.stderr)
        return None
    if not isinstance(value, (dict, list)):
        print(f"{path} holds no FHIR resource or Bundle", file=sys.stderr)
        return None
    return value


def _read_record(path: str) -> tuple[list[dict], str] | None:
    """A patient's resources from a FHIR Bundle file and the Patient id; None (after saying why) when unusable."""
    from cds_service.bundle_request import patient_id_of
    from fhir_mappings.bundle import iter_resources

    bundle = _read_json(path)
    if bundle is None:
        return None
    resources = [r for r in iter_resources(bundle) if r.get("resourceType") != "OperationOutcome"]
    patient_id = patient_id_of(resources)
    if not patient_id:
        print("the Bundle has no Patient with an id", file=sys.stderr)
        return None
    return resources, patient_id


def _evaluate(args) -> int:
    from cds_service import pipeline
    from cds_service.card_text import format_cards
    from cds_service.errors import ApiError
    from cds_service.services import SERVICES
    from cds_service.views import today_of

    service = SERVICES.get(args.service)
    if service is None:
        print(f"unknown service {args.service!r}; one of: {', '.join(SERVICES)}", file=sys.stderr)
        return 2
    if args.draft and service.hook == "patient-view":
        print(f"--draft is for the order services; {service.id} answers patient-view", file=sys.stderr)
        return 2
    bundle = _read_json(args.bundle)
    draft = _read_json(args.draft) if args.draft else None
    if bundle is None or (args.draft and draft is None):
        return 2
    cfg = _settings({"TODAY": args.today} if args.today else None)
    lang = args.lang or cfg["LANGUAGE"] or service.default_lang
    try:
        _, outcome = pipeline.run_bundle(service, bundle, today=today_of(cfg), lang=lang, draft_orders=draft)
    except (ValueError, ApiError) as exc:  # no Patient with an id; a request the endpoint would refuse
        print(f"cannot evaluate {args.bundle}: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    response = {"cards": outcome.cards}
    print(json.dumps(response, indent=2, ensure_ascii=False) if args.json else format_cards(response))
    return 0


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{100 * rate:.0f}%"


def _report_csv(report) -> None:
    """One CSV table: a row per card topic and per suggestion topic (`kind` says which), rates as fractions."""
    import csv

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["kind", "topic", "issued", "with_feedback", "accepted", "overridden", "changed_minds",
                  "acceptance_rate", "override_rate"])
    for r in report.topics:
        out.writerow(["card", r.topic, r.issued, r.with_feedback, r.accepted, r.overridden, r.changed,
                      r.acceptance_rate, r.override_rate])
    for r in report.suggestion_topics:
        out.writerow(["suggestion", r.topic, r.issued, "", r.accepted, "", "", r.acceptance_rate, ""])
    out.writerow(["pending-cards", "", "", report.pending, "", "", "", "", ""])
    out.writerow(["unmatched-cards", "", "", report.unmatched, "", "", "", "", ""])


def _feedback_report(args) -> int:
    from cds_service.feedback_report import feedback_report
    from cds_service.storage import Database

    settings = _settings()
    db = Database(args.database_url or str(settings["DATABASE_URL"]))
    try:
        report = feedback_report(db, float(settings["FEEDBACK_PENDING_SECONDS"]))
    finally:
        db.dispose()
    if args.json:
        print(json.dumps({
            "topics": [{"topic": r.topic, "issued": r.issued, "withFeedback": r.with_feedback, "accepted": r.accepted,
                        "overridden": r.overridden, "changedMinds": r.changed, "acceptanceRate": r.acceptance_rate,
                        "overrideRate": r.override_rate} for r in report.topics],
            "suggestionTopics": [{"topic": r.topic, "issued": r.issued, "accepted": r.accepted,
                                  "acceptanceRate": r.acceptance_rate} for r in report.suggestion_topics],
            "pendingCards": report.pending, "unmatchedCards": report.unmatched}, indent=2))
        return 0
    if args.csv:
        _report_csv(report)
        return 0
    if not (report.topics or report.pending or report.unmatched):
        print("No cards issued and no feedback yet.")
        return 0
    header = (f"{'card topic':<32} {'issued':>7} {'feedback':>9} {'accepted':>9} {'overridden':>11} {'changed':>8} "
              f"{'accept%':>8} {'override%':>10}")
    print(header)
    print("-" * len(header))
    for r in report.topics:
        print(f"{r.topic:<32} {r.issued:>7} {r.with_feedback:>9} {r.accepted:>9} {r.overridden:>11} {r.changed:>8} "
              f"{_pct(r.acceptance_rate):>8} {_pct(r.override_rate):>10}")
    print("Each card counts once, by its final outcome (last feedback wins); 'changed': cards whose outcome changed.")
    print("Card rates are over the cards that received feedback.")
    if report.suggestion_topics:
        print()
        header = f"{'suggestion topic':<32} {'issued':>7} {'accepted':>9} {'accept%':>8}"
        print(header)
        print("-" * len(header))
        for r in report.suggestion_topics:
            print(f"{r.topic:<32} {r.issued:>7} {r.accepted:>9} {_pct(r.acceptance_rate):>8}")
        print("Suggestion rates are over the suggestions issued.")
    print(f"Feedback on cards not stored: {report.pending} pending, {report.unmatched} unmatched (not counted above).")
    return 0


def _request(args) -> int:
    """Print the patient-view request an EHR would send for this record (every prefetch key filled), for curl."""
    from cds_service.bundle_request import request_from_bundle

    record = _read_record(args.bundle)
    if record is None:
        return 2
    resources, patient_id = record
    body = request_from_bundle({"resourceType": "Bundle", "entry": [{"resource": r} for r in resources]}, patient_id=patient_id)
    print(json.dumps(body, indent=1, ensure_ascii=False))
    return 0


def _healthcheck(args) -> int:
    """GET /healthz on this machine, at the port `osteocds serve` wrote to OSTEOCDS_ADDRESS_FILE (else
    OSTEOCDS_PORT, else 8080): the image's HEALTHCHECK follows the port however it was set."""
    import urllib.request

    port = os.environ.get("OSTEOCDS_PORT", "8080")
    address_file = os.environ.get("OSTEOCDS_ADDRESS_FILE")
    if address_file and Path(address_file).is_file():
        port = Path(address_file).read_text(encoding="utf-8").strip()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{int(port)}/healthz", timeout=args.timeout) as resp:
            return 0 if resp.status == 200 else 1
    except (OSError, ValueError) as exc:
        print(f"osteocds: unhealthy: {exc}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="osteocds", description="OsteoCDS: CDS Hooks service for osteoporosis")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("serve", help="start the production server (gunicorn)")
    p.add_argument("--host", default=os.environ.get("OSTEOCDS_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("OSTEOCDS_PORT", "8080")))
    p.add_argument("--workers", type=int, default=None, help="gunicorn workers (default OSTEOCDS_WORKERS or 2)")
    p.add_argument("--threads", type=int, default=None, help="threads per worker (default OSTEOCDS_THREADS or 8)")
    p.add_argument("--keepalive", type=int, default=int(os.environ.get("OSTEOCDS_KEEPALIVE", "75")),
                   help="seconds an idle keep-alive connection stays open (default OSTEOCDS_KEEPALIVE or 75)")
    p.add_argument("--timeout", type=int, default=60, help="gunicorn worker time-out in seconds")
    p.add_argument("--dev", action="store_true", help="development mode: no JWT required (logged loudly)")
    p.set_defaults(func=_serve)

    p = sub.add_parser("healthcheck", help="exit 0 when the local server answers /healthz (the image's HEALTHCHECK)")
    p.add_argument("--timeout", type=float, default=4.0)
    p.set_defaults(func=_healthcheck)

    p = sub.add_parser("evaluate", help="run a FHIR Bundle through the pipeline and print the cards")
    p.add_argument("bundle", help="FHIR Bundle JSON file (one patient's record)")
    p.add_argument("--service", required=True, help="service id, e.g. osteoporosis-rcop-patient-view")
    p.add_argument("--json", action="store_true", help="print the CDS Hooks response JSON instead of readable cards")
    p.add_argument("--draft", help="draft order(s) for an order service: a FHIR resource, a list or a Bundle "
                                   "(sent as context.draftOrders; order-select selects them all)")
    p.add_argument("--today", help="evaluation date YYYY-MM-DD (default OSTEOCDS_TODAY or today)")
    p.add_argument("--lang", choices=["nl", "en"], help="card language (default OSTEOCDS_LANGUAGE or nl)")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("request", help="print the patient-view request for a FHIR Bundle (to send with curl)")
    p.add_argument("bundle", help="FHIR Bundle JSON file (one patient's record)")
    p.set_defaults(func=_request)

    p = sub.add_parser("feedback-report", help="acceptance and override per topic, each card once by its final outcome")
    p.add_argument("--database-url", help="SQLAlchemy URL (default OSTEOCDS_DATABASE_URL or the SQLite default)")
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true")
    shape.add_argument("--csv", action="store_true", help="CSV on stdout (redirect it to a file)")
    p.set_defaults(func=_feedback_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

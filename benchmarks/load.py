"""Load: locust (headless) against `osteocds serve` on loopback, with slow clients alongside.

Mixed hooks and patients: every fixtures/rcop/*.json record as a patient-view call (rcop and vitaz) and
as order-select / order-sign calls with a draft order. While locust runs, slow clients trickle headers and
send short bodies. At the end the server is stopped (queued cards are written) and the issued-card rows
are counted against the cards the answers held.

    python benchmarks/load.py --seconds 60 --clients 16     # `make load`
    tests/test_service_load.py                               # the short run inside `make test`

Prints a latency table (never asserted) and the figures; `run()` returns them for the test.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.live_server import live_server  # noqa: E402
from cds_service.bundle_request import request_from_bundle  # noqa: E402

DRAFT = {"resourceType": "MedicationRequest", "id": "draft-1", "status": "draft", "intent": "order",
         "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "M05BA04"}]}}
SERVICES = {"patient-view": ["osteoporosis-rcop-patient-view", "osteoporosis-vitaz-patient-view"],
            "order-select": ["osteoporosis-rcop-order-select", "osteoporosis-vitaz-order-select"],
            "order-sign": ["osteoporosis-rcop-order-sign", "osteoporosis-vitaz-order-sign"]}


def bodies() -> list[tuple[str, dict]]:
    """[path, body] for every fixture record, hook and service."""
    out = []
    for path in sorted((ROOT / "fixtures" / "rcop").glob("*.json")):
        bundle = json.loads(path.read_text())
        for hook, services in SERVICES.items():
            body = request_from_bundle(bundle, hook=hook, draft_orders=[DRAFT] if hook != "patient-view" else None)
            out += [(f"/cds-services/{s}", body) for s in services]
    return out


def slow_clients(port: int, stop: threading.Event, count: int) -> list[threading.Thread]:
    """`count` clients that trickle headers or declare more body than they send, reconnecting until `stop`."""

    def trickle(n: int) -> None:
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                    if n % 2:
                        sock.sendall(b"POST /cds-services/osteoporosis-rcop-patient-view HTTP/1.1\r\nHost: x\r\n")
                        while not stop.wait(0.2):
                            sock.sendall(b"X")
                    else:
                        sock.sendall(b"POST /cds-services/osteoporosis-rcop-patient-view HTTP/1.1\r\nHost: x\r\n"
                                     b"Content-Length: 100000\r\n\r\n{")
                        sock.recv(65536)
            except OSError:
                stop.wait(0.1)

    threads = [threading.Thread(target=trickle, args=(n,), daemon=True) for n in range(count)]
    for t in threads:
        t.start()
    return threads


def worker_resources(master_pid: int) -> dict:
    """Threads, open fds, RSS and peak RSS (MB) of each gunicorn worker."""
    out = {}
    for child in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split():
        status = Path(f"/proc/{child}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        out[child] = {"threads": int(fields["Threads"]), "fds": len(os.listdir(f"/proc/{child}/fd")),
                      "rss_mb": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
                      "peak_rss_mb": round(int(fields["VmHWM"].split()[0]) / 1024, 1)}
    return out


def run(workdir: Path, seconds: int, clients: int, slow: int = 4, env: dict | None = None) -> dict:
    bodies_file, result_file = workdir / "bodies.json", workdir / "result.json"
    bodies_file.write_text(json.dumps(bodies()))
    db_url = (env or {}).get("OSTEOCDS_DATABASE_URL", f"sqlite:///{workdir / 'live.sqlite3'}")
    server_env = {"OSTEOCDS_LOG_LEVEL": "WARNING", "OSTEOCDS_DATABASE_URL": db_url, **(env or {})}
    with live_server(workdir, workers=2, threads=8, env=server_env) as server:
        rows_before = count_rows(db_url)  # a database given by the caller may hold earlier rows
        port = int(server.base.rsplit(":", 1)[1])
        before = worker_resources(server.process.pid)
        stop = threading.Event()
        slow_threads = slow_clients(port, stop, slow)
        command = [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
                   "-u", str(clients), "-r", str(clients), "-t", f"{seconds}s", "--host", server.base,
                   "--csv", str(workdir / "locust"), "--only-summary", "--stop-timeout", "10"]
        locust_env = {**os.environ, "OSTEOCDS_LOAD_BODIES": str(bodies_file), "OSTEOCDS_LOAD_RESULT": str(result_file)}
        locust = subprocess.run(command, env=locust_env, cwd=ROOT, capture_output=True, text=True)
        stop.set()
        for t in slow_threads:
            t.join(10)
        after = worker_resources(server.process.pid)
        exit_status = server.stop()
        server_log = server.log.read_text(errors="replace")
    with open(workdir / "locust_stats.csv", newline="") as f:
        stats = list(csv.DictReader(f))
    issued = json.loads(result_file.read_text())
    return {"locust_exit": locust.returncode, "locust_output": locust.stdout + locust.stderr, "stats": stats,
            "cards_issued": issued["issued"], "calls": issued["calls"], "rows": count_rows(db_url) - rows_before,
            "before": before, "after": after, "server_exit": exit_status, "server_log": server_log}


def count_rows(db_url: str) -> int:
    from sqlalchemy import create_engine, func, select

    from cds_service.storage import CardRow

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(CardRow))
    finally:
        engine.dispose()


def table(stats: list[dict]) -> str:
    lines = [f"{'endpoint':<36} {'requests':>9} {'failures':>9} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}"]
    for row in stats:
        lines.append(f"{row['Name']:<36} {row['Request Count']:>9} {row['Failure Count']:>9} "
                     f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7} "
                     f"{float(row['Max Response Time']):>7.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--slow", type=int, default=4, help="slow clients alongside (default 4)")
    parser.add_argument("--database-url", help="store the cards there (default: a throw-away SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="osteocds-load-") as tmp:
        env = {"OSTEOCDS_DATABASE_URL": args.database_url} if args.database_url else None
        result = run(Path(tmp), args.seconds, args.clients, args.slow, env)
    print(table(result["stats"]))
    total = next(r for r in result["stats"] if r["Name"] == "Aggregated")
    print(f"\ncalls {total['Request Count']}, failures {total['Failure Count']}, cards issued {result['cards_issued']}, "
          f"rows written {result['rows']} (lost {result['cards_issued'] - result['rows']})")
    print(f"workers before: {result['before']}\nworkers after:  {result['after']}")
    ok = result["locust_exit"] == 0 and total["Failure Count"] == "0" and result["rows"] == result["cards_issued"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

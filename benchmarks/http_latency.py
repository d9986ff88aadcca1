"""HTTP latency of a patient-view call with a realistic prefetch, relative to a bare JSON echo.

Not a unit test. By default it starts the production server (`osteocds serve`: gunicorn, one worker,
development mode, BENCHMARK_ECHO on, a throw-away SQLite file) on a loopback port; with --url it
measures a running server instead (which must run with OSTEOCDS_DEV=1 and OSTEOCDS_BENCHMARK_ECHO=1).

The payload is a Synthea record inflated (copies of its resources with new ids) to about
--resources resources, put under the discovery prefetch keys. Every request sends the same bytes
to POST /cds-services/{service} and to POST /_bench/echo (which only parses and re-serialises
the JSON), so the ratio is what the pipeline costs on top of HTTP + JSON.

    python benchmarks/http_latency.py -n 50 --resources 5000
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cds_service.bundle_request import PREFETCH_KEY_BY_TYPE, request_from_bundle  # noqa: E402

DEFAULT_BUNDLE = ROOT.parent / "shared" / "synthea" / "bundles" / "Hallie_Hoeger_62a0b57c-4129-43d9-b787-bcf7ad4fa654.json"


def inflate(bundle: dict, target: int) -> dict:
    """The record's prefetchable resources, copied with new ids until there are about `target`."""
    resources = [e["resource"] for e in bundle.get("entry", []) if isinstance(e, dict) and "resource" in e]
    patient = [r for r in resources if r.get("resourceType") == "Patient"][:1]
    clinical = [r for r in resources if r.get("resourceType") in PREFETCH_KEY_BY_TYPE and r not in patient]
    if not patient or not clinical:
        raise SystemExit("the bundle needs a Patient and clinical resources")
    out, copy_no = list(clinical), 0
    while len(out) + 1 < target:
        copy_no += 1
        for r in clinical:
            dup = copy.deepcopy(r)
            dup["id"] = f"{r.get('id', 'x')}-c{copy_no}"
            out.append(dup)
            if len(out) + 1 >= target:
                break
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in patient + out]}


def start_server(today: str) -> tuple[str, subprocess.Popen]:
    """`osteocds serve` (gunicorn, one worker) on a free loopback port, as in production but in dev mode."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tmp = tempfile.mkdtemp(prefix="osteocds-bench-")
    env = {**os.environ, "OSTEOCDS_BENCHMARK_ECHO": "1", "OSTEOCDS_TODAY": today, "OSTEOCDS_LOG_LEVEL": "WARNING",
           "OSTEOCDS_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3"}
    command = [sys.executable, "-m", "cds_service.cli", "serve", "--dev", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1"]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                return base, server
        except requests.ConnectionError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start within 60 s")


def measure(session: requests.Session, url: str, payload: bytes, n: int, warmup: int) -> list[float]:
    headers = {"Content-Type": "application/json"}
    times = []
    for i in range(warmup + n):
        start = time.perf_counter()
        resp = session.post(url, data=payload, headers=headers, timeout=120)
        elapsed = time.perf_counter() - start
        if resp.status_code != 200:
            raise SystemExit(f"{url} answered {resp.status_code}: {resp.text[:300]}")
        if i >= warmup:
            times.append(elapsed * 1000)
    return times


def summary(times: list[float]) -> dict:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"median_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2),
            "min_ms": round(ordered[0], 2), "max_ms": round(ordered[-1], 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=50, help="measured requests per endpoint (default 50)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--resources", type=int, default=5000, help="prefetch size in resources (default 5000)")
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE, help="FHIR Bundle of one patient")
    parser.add_argument("--service", default="osteoporosis-rcop-patient-view")
    parser.add_argument("--today", default="2026-11-22")
    parser.add_argument("--url", help="base URL of a running server (dev mode, BENCHMARK_ECHO on); loopback only")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    if args.n < 1 or args.n > 10_000:
        parser.error("-n must be between 1 and 10000")

    body = request_from_bundle(inflate(json.loads(args.bundle.read_text()), args.resources))
    payload = json.dumps(body).encode()
    server = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        base, server = start_server(args.today)
    try:
        with requests.Session() as session:
            cds = measure(session, f"{base}/cds-services/{args.service}", payload, args.n, args.warmup)
            echo = measure(session, f"{base}/_bench/echo", payload, args.n, args.warmup)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)

    result = {
        "service": args.service,
        "requests": args.n,
        "resources": sum(len(v.get("entry", [])) if v.get("resourceType") == "Bundle" else 1
                         for v in body["prefetch"].values() if v),
        "payload_bytes": len(payload),
        "cds": summary(cds),
        "echo": summary(echo),
    }
    result["ratio_median"] = round(result["cds"]["median_ms"] / result["echo"]["median_ms"], 2)
    result["ratio_p95"] = round(result["cds"]["p95_ms"] / result["echo"]["p95_ms"], 2)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{args.service}: {args.n} requests, {result['resources']} prefetched resources, "
              f"{result['payload_bytes'] / 1e6:.1f} MB per request")
        print(f"{'endpoint':<10} {'median ms':>10} {'p95 ms':>10} {'min ms':>10} {'max ms':>10}")
        for name in ("cds", "echo"):
            r = result[name]
            print(f"{name:<10} {r['median_ms']:>10} {r['p95_ms']:>10} {r['min_ms']:>10} {r['max_ms']:>10}")
        print(f"ratio cds/echo: median {result['ratio_median']}x, p95 {result['ratio_p95']}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

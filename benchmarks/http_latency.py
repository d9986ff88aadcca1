"""`make bench`: the service against its floor over real HTTP, with the production server and settings.

Starts `osteocds serve` (gunicorn gthread, --workers x --threads, keep-alive, development mode, a throw-away
SQLite file) and the floor (benchmarks/floor.py: a bare WSGI app that only reads and parses the body, under
the same `serve`), then, for each body of benchmarks/bench_records.py (encoded once):

* latency: one keep-alive connection per server; `--rounds` rounds, each sending every case to the service
  and to the floor in turn (the order alternates), so the machine's noise hits both. Per round p50/p95/p99
  and the service/floor ratio; the table gives the median over rounds and the spread [min-max]. One extra
  case sends the typical body on a new connection per call (`Connection: close`): what keep-alive saves.
* throughput: `wrk` (2 threads, `--connections` keep-alive connections) against both, `--wrk-repeats`
  times, interleaved; the ratio is floor req/s / service req/s (like the latency ratio: > 1 = slower).
* peak RSS of each worker (VmHWM) after all of it.

It prints the tables and writes the JSON to benchmarks/results/ (git-ignored: every run is this machine's).

    python benchmarks/http_latency.py [--rounds 5] [--wrk-seconds 5] [--quick]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import wrk  # noqa: E402
from benchmarks.bench_records import bodies  # noqa: E402
from benchmarks.live_server import live_floor, live_server  # noqa: E402
from benchmarks.load import worker_resources  # noqa: E402

REQUESTS = {"typical": 100, "heavy": 20, "heavy-unfiltered": 8, "order-select": 100}  # per round and server
NEW_CONNECTION = "typical, new connection per call"
SIDES = ("service", "floor")


class Client:
    """One HTTP/1.1 connection that is reused while the server keeps it open; counts the connections it opened."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        self.opened = 0

    def post(self, path: str, payload: bytes, close: bool = False) -> tuple[float, bytes]:
        headers = {"Content-Type": "application/json", **({"Connection": "close"} if close else {})}
        if self.conn.sock is None:
            self.opened += 1
        start = time.perf_counter()
        self.conn.request("POST", path, body=payload, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        elapsed = (time.perf_counter() - start) * 1000
        if resp.status != 200:
            raise SystemExit(f"{path} answered {resp.status}: {data[:300]!r}")
        return elapsed, data


def percentiles(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    return {"p50": statistics.median(ordered), "p95": at(0.95), "p99": at(0.99)}


def spread(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 2), "min": round(min(values), 2), "max": round(max(values), 2)}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(int(memory) / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(),
            "gunicorn": metadata.version("gunicorn"), "date": datetime.now().isoformat(timespec="seconds")}


def measure_latency(cases: dict, clients: dict, fresh: dict, rounds: int, scale: float) -> dict:
    """{case: {side: [per-round percentiles]}}, service and floor interleaved round by round; `fresh` are the
    clients of the new-connection case."""
    out: dict[str, dict[str, list[dict]]] = {case: {side: [] for side in SIDES} for case in [*cases, NEW_CONNECTION]}
    for rnd in range(rounds):
        order = SIDES if rnd % 2 == 0 else SIDES[::-1]
        for case, (path, payload, _) in [*cases.items(), (NEW_CONNECTION, cases["typical"])]:
            close = case == NEW_CONNECTION
            n = max(3, round(REQUESTS["typical" if close else case] * scale))
            for side in order:
                url = path if side == "service" else "/"
                client = fresh[side] if close else clients[side]
                times = [client.post(url, payload, close)[0] for _ in range(n)]
                out[case][side].append(percentiles(times))
    return out


def measure_throughput(cases: dict, bases: dict, files: dict, repeats: int, seconds: int, connections: int) -> dict:
    out: dict[str, dict[str, list[wrk.WrkRun]]] = {case: {side: [] for side in SIDES} for case in cases}
    for case, (path, _, _) in cases.items():
        for rep in range(repeats):
            for side in SIDES if rep % 2 == 0 else SIDES[::-1]:
                url = bases[side] + (path if side == "service" else "/")
                out[case][side].append(wrk.run(url, files[case], seconds=seconds, connections=connections))
    return out


def summarise(cases: dict, latency: dict, throughput: dict) -> dict:
    result = {}
    for case, rounds in latency.items():
        row: dict = {side: {q: spread([r[q] for r in rounds[side]]) for q in ("p50", "p95", "p99")} for side in SIDES}
        row["ratio_p50"] = spread([s["p50"] / f["p50"] for s, f in zip(rounds["service"], rounds["floor"])])
        if case in cases:
            _, payload, info = cases[case]
            row.update(info, bytes=len(payload))
        if case in throughput:
            runs = throughput[case]
            for side in SIDES:
                row[side]["req_per_s"] = spread([r.requests_per_s for r in runs[side]])
                row[side]["wrk_errors"] = sum(r.errors for r in runs[side])
            ratios = [f.requests_per_s / s.requests_per_s for s, f in zip(runs["service"], runs["floor"]) if s.requests_per_s]
            row["ratio_throughput"] = spread(ratios) if len(ratios) == len(runs["service"]) else None  # None: none done
        result[case] = row
    return result


def _cell(s: dict | None) -> str:
    return "-" if s is None else f"{s['median']:.1f} [{s['min']:.1f}-{s['max']:.1f}]"


def table(result: dict) -> str:
    lines = [f"{'case':<34} {'service p50 / p95 / p99 ms':>28} {'floor p50 / p95 / p99 ms':>26} {'ratio p50':>20}"]
    for case, row in result["cases"].items():
        s, f = row["service"], row["floor"]
        lines.append(f"{case:<34} {s['p50']['median']:>10.1f} {s['p95']['median']:>7.1f} {s['p99']['median']:>8.1f} "
                     f"{f['p50']['median']:>9.1f} {f['p95']['median']:>7.1f} {f['p99']['median']:>8.1f} "
                     f"{_cell(row['ratio_p50']):>20}")
    lines += ["", f"{'case':<34} {'service req/s':>22} {'floor req/s':>22} {'ratio':>18} {'errors':>7}"]
    for case, row in result["cases"].items():
        if "ratio_throughput" in row:
            s, f = row["service"], row["floor"]
            lines.append(f"{case:<34} {_cell(s['req_per_s']):>22} {_cell(f['req_per_s']):>22} "
                         f"{_cell(row['ratio_throughput']):>18} {s['wrk_errors'] + f['wrk_errors']:>7}")
    lines += ["", "peak RSS per service worker (MB): " + ", ".join(f"{w['peak_rss_mb']:.0f}" for w in result["rss"].values())]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the requests per round")
    parser.add_argument("--wrk-seconds", type=int, default=5)
    parser.add_argument("--wrk-repeats", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8, help="wrk's concurrent connections (default 8)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="2 rounds at a fifth of the requests, wrk 2 s once")
    parser.add_argument("--out", type=Path, help="JSON file (default benchmarks/results/bench-<time>.json)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.scale, args.wrk_seconds, args.wrk_repeats = 2, 0.2, 2, 1
    if not wrk.available():
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk; `make bench` does it)")

    with tempfile.TemporaryDirectory(prefix="osteocds-bench-") as tmp:
        workdir = Path(tmp)
        cases, files = {}, {}
        for case, (service, body) in bodies().items():
            payload = orjson.dumps(body)  # encoded once, sent as these bytes every time
            files[case] = workdir / f"{case}.json"
            files[case].write_bytes(payload)
            resources = sum(len(v.get("entry", ())) if v.get("resourceType") == "Bundle" else 1
                            for v in body["prefetch"].values() if isinstance(v, dict))
            cases[case] = (f"/cds-services/{service}", payload, {"service_id": service, "resources": resources})
        with live_server(workdir, workers=args.workers, threads=args.threads) as service, \
                live_floor(workdir, workers=args.workers, threads=args.threads) as floor:
            bases = {"service": service.base, "floor": floor.base}
            clients = {side: Client(base) for side, base in bases.items()}
            for case, (path, payload, info) in cases.items():  # warm-up, and what the service answers
                info["cards"] = len(orjson.loads(clients["service"].post(path, payload)[1])["cards"])
                clients["floor"].post("/", payload)
            fresh = {side: Client(base) for side, base in bases.items()}
            latency = measure_latency(cases, clients, fresh, args.rounds, args.scale)
            keepalive = {side: {"keep-alive": clients[side].opened, "Connection: close": fresh[side].opened}
                         for side in SIDES}
            throughput = measure_throughput(cases, bases, files, args.wrk_repeats, args.wrk_seconds, args.connections)
            rss = worker_resources(service.process.pid)
            floor_rss = worker_resources(floor.process.pid)
    result = {
        "machine": machine(),
        "settings": {k: getattr(args, k) for k in ("rounds", "scale", "wrk_seconds", "wrk_repeats", "connections",
                                                   "workers", "threads")},
        "cases": summarise(cases, latency, throughput),
        "connections": keepalive,
        "rss": rss,
        "floor_rss": floor_rss,
    }
    out = args.out or ROOT / "benchmarks" / "results" / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    m = result["machine"]
    print(f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}, gunicorn {m['gunicorn']}; "
          f"{args.workers} workers x {args.threads} threads; {args.rounds} rounds; medians [min-max over rounds]")
    for case, (_, payload, info) in cases.items():
        print(f"  {case}: {info['resources']} resources, {len(payload) / 1000:.0f} KB, {info['cards']} card(s)")
    print(table(result))
    print(f"connections the latency clients opened: {keepalive}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

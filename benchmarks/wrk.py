"""Throughput with `wrk` (Debian's package: `make bench` installs it with apt when it is missing).

Each run POSTs one body file (read once by wrk's Lua script) over keep-alive connections for a fixed time.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

_SCRIPT = """local f = assert(io.open({path!r}, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class WrkRun:
    requests_per_s: float
    requests: int
    errors: int  # non-2xx answers and socket errors (connect, read, write, time-out)
    p50_ms: float
    p99_ms: float


def available() -> bool:
    return shutil.which("wrk") is not None


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * _UNITS[unit]


def parse(output: str) -> WrkRun:
    """The figures of wrk's `--latency` report."""
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.M))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = (sum(int(n) for n in socket.groups()) if socket else 0) + (int(non_2xx.group(1)) if non_2xx else 0)
    return WrkRun(
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        errors=errors,
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
    )


def run(url: str, body_file: Path, *, seconds: int, connections: int, threads: int = 2) -> WrkRun:
    """`wrk` against `url` with the body of `body_file`, keep-alive, `connections` at once."""
    script = body_file.with_suffix(".lua")
    script.write_text(_SCRIPT.format(path=str(body_file)))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
               "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse(done.stdout)

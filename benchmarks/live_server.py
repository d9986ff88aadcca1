"""Start `osteocds serve` (gunicorn, the documented way) on a free loopback port, for the tests, load runs and
benchmarks that need real sockets (development mode unless the caller's environment says otherwise), and the
benchmark's floor under the same server."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import requests

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class LiveServer:
    base: str
    process: subprocess.Popen
    log: Path

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM (gunicorn's graceful stop), then wait; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def live_server(workdir: Path, *, workers: int = 2, threads: int = 8, env: dict | None = None,
                dev: bool = True) -> Iterator[LiveServer]:
    """`osteocds serve` with its log in `workdir/server.log` and, unless `env` names one, SQLite in `workdir`."""
    full_env = {**os.environ, "OSTEOCDS_TODAY": "2026-11-22",
                "OSTEOCDS_DATABASE_URL": f"sqlite:///{workdir / 'live.sqlite3'}", **(env or {})}
    command = [sys.executable, "-m", "cds_service.cli", "serve", "--host", "127.0.0.1",
               "--workers", str(workers), "--threads", str(threads)] + (["--dev"] if dev else [])
    with _running(command, full_env, workdir / "server.log") as server:
        yield server


@contextlib.contextmanager
def live_floor(workdir: Path, *, workers: int = 2, threads: int = 8) -> Iterator[LiveServer]:
    """The benchmark's floor (benchmarks/floor.py) under the same server, its log in `workdir/floor.log`."""
    command = [sys.executable, str(ROOT / "benchmarks" / "floor.py"), "--host", "127.0.0.1",
               "--workers", str(workers), "--threads", str(threads)]
    with _running(command, dict(os.environ), workdir / "floor.log") as server:
        yield server


@contextlib.contextmanager
def _running(command: list[str], env: dict, log: Path) -> Iterator[LiveServer]:
    """`command --port P` started on a free port; yields once GET /healthz answers 200, stops it on exit."""
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen([*command, "--port", str(port)], env=env, cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {log.read_text()[-2000:]}")
            try:
                if requests.get(f"{server.base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield server
    finally:
        server.stop()

"""The real server (gunicorn through `osteocds serve`) on loopback: slow clients cannot starve it, request
bodies are read whole or refused, connections are kept alive, queued cards are written on shutdown."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, func, select

from benchmarks.live_server import live_server
from cds_service.bundle_request import request_from_bundle
from cds_service.storage import CardRow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rcop"
PV = "/cds-services/osteoporosis-rcop-patient-view"
READ_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("live")
    env = {"OSTEOCDS_REQUEST_READ_TIMEOUT": str(READ_TIMEOUT), "OSTEOCDS_MAX_CONTENT_LENGTH": "200000",
           "OSTEOCDS_LOG_LEVEL": "WARNING", "OSTEOCDS_ADDRESS_FILE": str(workdir / "osteocds.addr")}
    with live_server(workdir, workers=2, threads=8, env=env) as live:
        yield live


def test_healthcheck_follows_the_port_however_it_was_set(server):
    """`--port` on the command line, not OSTEOCDS_PORT: the image's HEALTHCHECK still finds the server."""
    address_file = server.log.parent / "osteocds.addr"
    env = {**os.environ, "OSTEOCDS_ADDRESS_FILE": str(address_file), "OSTEOCDS_PORT": "1"}
    check = subprocess.run([sys.executable, "-m", "cds_service.cli", "healthcheck"], env=env, capture_output=True)
    assert check.returncode == 0, check.stderr
    wrong = subprocess.run([sys.executable, "-m", "cds_service.cli", "healthcheck"],
                           env={**env, "OSTEOCDS_ADDRESS_FILE": ""}, capture_output=True, text=True)
    assert wrong.returncode == 1 and wrong.stderr.startswith("osteocds: unhealthy")


@pytest.fixture(scope="module")
def critical_body():
    bundle = json.loads((FIXTURES / "RCOP-DMAB-4-in-overdue-under-3-years-critical.json").read_text())
    return json.dumps(request_from_bundle(bundle)).encode()


def port_of(server) -> int:
    return int(server.base.rsplit(":", 1)[1])


class SlowClient(threading.Thread):
    """Sends `head` then one byte of `tail` every `every` seconds, until done or stopped."""

    def __init__(self, port: int, head: bytes, tail: bytes, every: float, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.head, self.tail, self.every, self.stop = port, head, tail, every, stop
        self.answer = b""

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port)) as sock:
            sock.settimeout(5)
            try:
                sock.sendall(self.head)
                for i in range(len(self.tail)):
                    if self.stop.wait(self.every):
                        return
                    sock.sendall(self.tail[i:i + 1])
                self.answer = sock.recv(65536)
            except OSError:  # the server closed the connection: what the read budget is for
                return


def test_slow_clients_do_not_starve_health_or_a_real_call(server, critical_body):
    stop = threading.Event()
    port = port_of(server)
    trickle = b"X-Slow: " + b"a" * 200 + b"\r\n\r\n"
    head = f"POST {PV} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n".encode()
    short = f"POST {PV} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{{".encode()
    slow = [SlowClient(port, head, trickle, 0.1, stop) for _ in range(6)]
    slow += [SlowClient(port, short, b"", 0, stop) for _ in range(4)]  # declares 100 kB, sends 1 byte
    for c in slow:
        c.start()
    try:
        time.sleep(0.3)
        for _ in range(5):
            start = time.monotonic()
            assert requests.get(f"{server.base}/healthz", timeout=2).status_code == 200
            resp = requests.post(server.base + PV, data=critical_body, timeout=5,
                                 headers={"Content-Type": "application/json"})
            assert resp.status_code == 200
            assert [c["indicator"] for c in resp.json()["cards"]
                    if c["source"]["topic"]["code"] == "denosumab-transition"] == ["critical"]
            assert time.monotonic() - start < 2
    finally:
        stop.set()
        for c in slow:
            c.join(5)


def test_a_body_shorter_than_its_content_length_is_cut_at_the_read_budget(server):
    with socket.create_connection(("127.0.0.1", port_of(server))) as sock:
        sock.settimeout(10)
        start = time.monotonic()
        sock.sendall(f"POST {PV} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Content-Length: 5000\r\n\r\n{\"hook\"".encode())
        answer = sock.recv(65536)
        elapsed = time.monotonic() - start
        while b"Content-Length announced" not in answer:  # headers and body may come in two segments
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"of the 5000 bytes its Content-Length announced" in answer
    assert READ_TIMEOUT - 0.1 < elapsed < READ_TIMEOUT + 1.5


def test_a_trickled_header_is_cut_at_the_read_budget(server):
    with socket.create_connection(("127.0.0.1", port_of(server))) as sock:
        sock.settimeout(10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        start = time.monotonic()
        closed = None
        for _ in range(100):
            try:
                sock.sendall(b"X")
                if not sock.recv(1, socket.MSG_DONTWAIT):
                    closed = time.monotonic() - start
                    break
            except BlockingIOError:
                time.sleep(0.1)
            except OSError:
                closed = time.monotonic() - start
                break
    assert closed is not None and closed < READ_TIMEOUT + 1.5


def chunked_post(server, payload: bytes) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port_of(server), timeout=10)
    conn.putrequest("POST", PV)
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for i in range(0, len(payload), 8192):
        piece = payload[i:i + 8192]
        conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
    conn.send(b"0\r\n\r\n")
    resp = conn.getresponse()
    status, body = resp.status, json.loads(resp.read())
    conn.close()
    return status, body


def test_a_chunked_body_over_the_limit_is_413_never_a_truncated_parse(server, critical_body):
    status, body = chunked_post(server, critical_body)
    assert status == 200 and body["cards"]
    padded = json.loads(critical_body)
    padded["padding"] = "x" * 300_000  # the limit is 200,000 bytes; the JSON stays valid whole
    status, body = chunked_post(server, json.dumps(padded).encode())
    assert status == 413 and body["error"] == "payload-too-large"


def test_connections_are_kept_alive(server):
    conn = http.client.HTTPConnection("127.0.0.1", port_of(server), timeout=5)
    conn.request("GET", "/healthz")
    first = conn.getresponse()
    first.read()
    sock = conn.sock
    conn.request("GET", "/cds-services/")
    second = conn.getresponse()
    assert json.loads(second.read())["services"] and conn.sock is sock and first.status == 200
    conn.close()


def test_cards_queued_at_shutdown_are_written(tmp_path, critical_body):
    with live_server(tmp_path, workers=2, threads=4, env={"OSTEOCDS_LOG_LEVEL": "WARNING"}) as live:
        with requests.Session() as s:
            issued = sum(len(s.post(live.base + PV, data=critical_body, timeout=10,
                                    headers={"Content-Type": "application/json"}).json()["cards"]) for _ in range(40))
        assert live.stop() == 0
    engine = create_engine(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(CardRow)) == issued > 0
    engine.dispose()

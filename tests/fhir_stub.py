"""A FHIR server on loopback that misbehaves on request, for fault tests `responses` cannot simulate (timing).

The first path segment after the base picks the behaviour; everything it receives is recorded in `paths`.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEARCHSET = {"resourceType": "Bundle", "type": "searchset", "entry": []}


class StubHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body in separate writes must not wait for a delayed ACK
    server: "FhirStub"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, data: bytes, every: float) -> None:
        for i in range(len(data)):
            if self.server.stopping.wait(every):
                return
            self.wfile.write(data[i:i + 1])
            self.wfile.flush()

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.paths.append(self.path)
        mode = self.path.split("/")[2].split("?")[0] if self.path.count("/") >= 2 else ""
        body = json.dumps(SEARCHSET).encode()
        if mode == "ok":
            self._send(200, body)
        elif mode == "drip-body":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            self._drip(body, 0.05)
        elif mode == "drip-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self._drip(b"X-Slow: " + b"a" * 1000 + b"\r\n\r\n", 0.05)
        elif mode == "hang":
            self.server.stopping.wait(30)
        elif mode == "redirect":
            self._send(302, b"", {"Location": "http://evil.example.net/r4/Observation"})
        elif mode == "huge":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b" " * 65536
            for _ in range(2000):  # 128 MiB if nobody stops reading
                if self.server.stopping.is_set():
                    return
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        elif mode == "next":
            page = int(self.path.rsplit("page=", 1)[1]) if "page=" in self.path else 0
            nxt = {"relation": "next", "url": f"{self.server.base}/next/Observation?page={page + 1}"}
            self._send(200, json.dumps({**SEARCHSET, "link": [nxt]}).encode())
        elif mode == "status401":
            self._send(401, b'{"resourceType": "OperationOutcome", "issue": []}')
        elif mode == "status500":
            self._send(500, b"<html>oops</html>")
        elif mode == "malformed":
            self._send(200, b'{"resourceType": "Bundle", "entry": [')
        else:
            self._send(404, b"{}")


class FhirStub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), StubHandler)
        self.paths: list[str] = []
        self.stopping = threading.Event()
        self.base = f"http://127.0.0.1:{self.server_address[1]}/r4"
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> "FhirStub":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        time.sleep(0.05)  # handler threads see `stopping`

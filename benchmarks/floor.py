"""The benchmark's floor: a bare WSGI app that only reads and parses the request body, served exactly like the
service (`cds_service.server.serve`: the same gunicorn worker class, threads, keep-alive, time-outs, preload and
heap freeze). What the service costs above this is the cost of the CDS call itself.

    python benchmarks/floor.py --port 8090 --workers 2 --threads 8     # what `make bench` starts
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cds_service.server import serve  # noqa: E402

ANSWER = b'{"cards":[]}'


def _read_and_parse(environ: dict) -> str:
    """Read the whole body the way the service does (64 KiB reads up to Content-Length) and parse it."""
    stream, left, chunks = environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0), []
    while left > 0:
        chunk = stream.read(min(1 << 16, left))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    try:
        orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        return "400 Bad Request"
    return "200 OK"


def app(environ: dict, start_response) -> list[bytes]:
    """A POST is read and parsed, and answered with no cards; a GET (the start-up probe) is answered at once."""
    status = "200 OK" if environ["REQUEST_METHOD"] == "GET" else _read_and_parse(environ)
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(ANSWER)))])
    return [ANSWER]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keepalive", type=int, default=75)
    args = parser.parse_args(argv)
    serve(lambda: app, host=args.host, port=args.port, workers=args.workers, threads=args.threads,
          keepalive=args.keepalive)
    return 0


if __name__ == "__main__":
    sys.exit(main())

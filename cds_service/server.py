"""Production serving: gunicorn run programmatically, with threaded workers a few slow clients cannot starve.

Worker model: gunicorn's `gthread` (N processes x T threads, keep-alive for EHRs that call all day). A
thread waits for a request's first byte in the poller, not in the pool; from then on reading the request
(headers and body) has a wall-clock budget (`read_timeout`): a client that trickles its headers, or declares
a longer Content-Length than it sends, is cut off there (the socket reads as closed, so the body check
answers 400) instead of pinning a thread until the worker time-out. Behind a reverse proxy that buffers
requests (README) slow clients never reach gunicorn at all; this budget is the second line.
"""

from __future__ import annotations

import ctypes
import gc
import socket
import time
from typing import Callable

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker


class DeadlineSocket:
    """A client socket whose reads stop at a wall-clock deadline, set when a request starts."""

    def __init__(self, sock: socket.socket, budget: float):
        self._sock = sock
        self.budget = budget
        self.deadline: float | None = None

    def start_request(self) -> None:
        self.deadline = time.monotonic() + self.budget

    def recv(self, size: int, *flags) -> bytes:
        if self.deadline is None:
            return self._sock.recv(size, *flags)
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return b""  # read as a closed connection: the parser stops, a short body is a 400
        self._sock.settimeout(remaining)
        try:
            return self._sock.recv(size, *flags)
        except TimeoutError:
            return b""
        finally:
            self._sock.settimeout(None)

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


class DeadlineThreadWorker(ThreadWorker):
    """gthread with a read budget per request (s): `serve`'s `read_timeout`."""

    read_timeout = 10.0

    def init_process(self) -> None:
        self.read_timeout = self.app.read_timeout
        super().init_process()

    def enqueue_req(self, conn) -> None:
        if not isinstance(conn.sock, DeadlineSocket):
            conn.sock = DeadlineSocket(conn.sock, self.read_timeout)
        super().enqueue_req(conn)

    def handle(self, conn):
        conn.sock.start_request()
        return super().handle(conn)


class GunicornServer(BaseApplication):
    def __init__(self, app_factory: Callable, options: dict, read_timeout: float = 10.0):
        self.app_factory = app_factory
        self.options = options
        self.read_timeout = read_timeout
        self._app = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)

    def load(self):
        if self._app is None:
            self._app = self.app_factory()
            _tune_gc()
            _tune_malloc()
        return self._app


# Young objects between two collections of the youngest generation (CPython's default: 700).
GC_YOUNG_THRESHOLD = 100_000


def _tune_gc() -> None:
    """In the master, before the workers fork (they inherit both). Freeze the heap (the app, its warmed caches):
    workers share those pages copy-on-write and the cyclic GC never rescans them. Collect the young generation
    every 100,000 tracked objects instead of every 700: a parsed multi-megabyte prefetch is that many
    containers, all freed by reference counting when the call ends, so the default collected it dozens of
    times per call for nothing (measured in benchmarks/http_latency.py; see README "Speed"). GC stays on:
    a gthread worker runs several calls at once, so it is never switched off around one."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


# glibc mallopt options and the values set (malloc.h): two arenas for all threads, blocks of 128 KiB and more
# mapped on their own and returned on free, the heap trimmed past 128 KiB free.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_MALLOC = ((_M_ARENA_MAX, 2), (_M_MMAP_THRESHOLD, 128 * 1024), (_M_TRIM_THRESHOLD, 128 * 1024))


def _tune_malloc() -> None:
    """Make freed request memory go back to the system. glibc gives each thread an arena of its own and raises
    its mmap threshold after every large free, so a worker whose eight threads have each held a multi-megabyte
    body keeps all of that as RSS (measured: 430 MB peak per worker under 8 concurrent 5.7 MB calls; 170 MB
    with these settings). A C library without `mallopt` (not glibc) is left as it is."""
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    for option, value in _MALLOC if mallopt is not None else ():
        mallopt(option, value)


def _extensions(worker) -> dict:
    """The app's extensions (the benchmark's bare WSGI floor has none)."""
    return getattr(worker.app.load(), "extensions", {})


def _post_fork(server, worker) -> None:
    # The app (and its SQLAlchemy engine) was built in the master: never share pooled connections across forks.
    db = _extensions(worker).get("osteocds.db")
    if db is not None:
        db.engine.dispose(close=False)


def _worker_exit(server, worker) -> None:
    """Write the issued cards still queued before the worker process ends."""
    writer = _extensions(worker).get("osteocds.cards")
    if writer is not None:
        writer.close()


def serve(app_factory: Callable, *, host: str, port: int, workers: int, threads: int = 8, timeout: int = 60,
          keepalive: int = 75, read_timeout: float = 10.0) -> None:
    """gunicorn with the production settings around any WSGI app (the service, or the benchmark's floor)."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": DeadlineThreadWorker,
        "threads": threads,
        "keepalive": keepalive,  # seconds an idle connection stays open (an EHR calls all day)
        "timeout": timeout,
        "graceful_timeout": 20,
        "preload_app": True,  # build the app (and its tables) once, in the master
        "post_fork": _post_fork,
        "worker_exit": _worker_exit,
        "accesslog": None,  # the app logs every call as JSON itself
        "errorlog": "-",
        "forwarded_allow_ips": "127.0.0.1",
        "control_socket_disable": True,  # gunicorn 27's control socket would write to $HOME; unused here
    }
    GunicornServer(app_factory, options, read_timeout).run()

"""Production serving: gunicorn run programmatically (gunicorn.app.base.BaseApplication)."""

from __future__ import annotations

import gc
from typing import Callable

from gunicorn.app.base import BaseApplication

from fhir_mappings import warm_up


class GunicornServer(BaseApplication):
    def __init__(self, app_factory: Callable, options: dict):
        self.app_factory = app_factory
        self.options = options
        self._app = None
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)

    def load(self):
        if self._app is None:
            self._app = self.app_factory()
            _prepare_for_fork()
        return self._app


def _prepare_for_fork() -> None:
    """Warm the caches in the master, then freeze the heap: workers share those pages copy-on-write, and the
    cyclic GC stops rescanning them while a multi-megabyte prefetch is parsed (measured: about a third of the
    latency of a 5,000-resource call, see benchmarks/http_latency.py)."""
    warm_up()
    gc.freeze()


def _post_fork(server, worker) -> None:
    # The app (and its SQLAlchemy engine) was built in the master: never share pooled connections across forks.
    app = worker.app.load()
    db = app.extensions.get("osteocds.db")
    if db is not None:
        db.engine.dispose(close=False)


def serve(app_factory: Callable, *, host: str, port: int, workers: int, timeout: int = 60) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": timeout,
        "preload_app": True,  # build the app (and its tables) once, in the master
        "post_fork": _post_fork,
        "accesslog": None,  # the app logs every call as JSON itself
        "errorlog": "-",
        "forwarded_allow_ips": "127.0.0.1",
        "control_socket_disable": True,  # gunicorn 27's control socket would write to $HOME; unused here
    }
    GunicornServer(app_factory, options).run()

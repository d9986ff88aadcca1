"""Structured JSON logs on the `osteocds` logger.

Never log tokens or patient identifiers: callers pass only protocol data (a hash of the hookInstance,
service id, status, duration, topics, counts), and a traceback keeps its frames and exception type but
never the exception's message, which may quote the record.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import traceback
from datetime import datetime, timezone

from flask import Flask

LOGGER_NAME = "osteocds"
logger = logging.getLogger(LOGGER_NAME)

DEV_WARNING = (
    "DEVELOPMENT MODE: JWT authentication is DISABLED. Anyone who can reach this server can invoke it. "
    "Never run with OSTEOCDS_DEV=1 / --dev in production."
)

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)

    def formatException(self, ei) -> str:  # noqa: N802 - logging's name
        """Where the fault happened and its type; the message (which may hold patient data) is withheld."""
        exc = traceback.TracebackException(*ei)
        return "Traceback (most recent call last):\n" + "".join(exc.stack.format()) + \
            f"{exc.exc_type.__module__}.{exc.exc_type.__qualname__} (message withheld)"


def configure(app: Flask) -> None:
    """Attach one JSON handler to the `osteocds` logger (idempotent across app instances)."""
    level = str(app.config.get("LOG_LEVEL") or "INFO").upper()
    logger.setLevel(level)
    if not any(getattr(h, "_osteocds", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler._osteocds = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
        logger.propagate = False


def dev_mode_warning(app: Flask) -> None:
    logger.warning(DEV_WARNING, extra={"event": "dev-mode"})


class Timer:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def ms(self) -> float:
        return round((time.perf_counter() - self.start) * 1000, 1)

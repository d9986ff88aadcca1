"""Issued cards are written off the request path: a bounded in-process queue drained by one writer thread.

The answer never waits for the database. The thread takes what is queued (up to `batch` calls at a time) and
writes it in one transaction of plain INSERTs. When the queue is full the cards of that call are not queued:
the answer still goes out, and the loss is counted (`dropped`) and logged, never silent; a failed write is
counted (`failed`) and logged the same way. `close()` drains the queue; the server calls it when a worker
exits and `atexit` calls it otherwise. The thread is started on first use in each process (gunicorn forks
after the app is built).
"""

from __future__ import annotations

import atexit
import os
import queue
import threading
import weakref
from datetime import datetime

from cds_service.logs import logger
from cds_service.storage import Database, IssuedCard, now_utc

_STOP = object()
_LIVE: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for writer in list(_LIVE):
        writer.close()


class CardWriter:
    def __init__(self, db: Database, *, maxsize: int = 10_000, batch: int = 500, idle: float = 2.0):
        self.db = db
        self.batch = batch
        self.idle = idle
        self.queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self.dropped = 0  # cards not queued because the queue was full
        self.failed = 0  # cards whose write failed
        self.written = 0
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        _LIVE.add(self)

    def store_issued(self, service_id: str, cards: list[IssuedCard]) -> None:
        """Queue one call's cards; never blocks."""
        if not cards:
            return
        with self._lock:
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="osteocds-card-writer", daemon=True)
                self._thread.start()
            try:
                self.queue.put_nowait((service_id, tuple(cards), now_utc()))
                return
            except queue.Full:
                self.dropped += len(cards)
        logger.error("issued-card queue full: cards not stored", extra={
            "event": "store-dropped", "cards": len(cards), "dropped_total": self.dropped})

    def _run(self) -> None:
        """Write batches until stopped, or until idle for `idle` seconds (restarted by the next call)."""
        while True:
            try:
                items = [self.queue.get(timeout=self.idle)]
            except queue.Empty:
                with self._lock:
                    if self.queue.empty():
                        self._thread = None
                        return
                continue
            while len(items) < self.batch:
                try:
                    items.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            calls = [i for i in items if i is not _STOP]
            if calls:
                self._write(calls)
            for _ in items:
                self.queue.task_done()
            if len(calls) < len(items):
                return

    def _write(self, calls: list[tuple[str, tuple[IssuedCard, ...], datetime]]) -> None:
        entries = [(service_id, card, at) for service_id, cards, at in calls for card in cards]
        try:
            self.written += self.db.insert_issued(entries)
        except Exception:
            self.failed += len(entries)
            logger.exception("storing issued cards failed", extra={
                "event": "store-error", "cards": len(entries), "failed_total": self.failed})

    def flush(self) -> None:
        """Wait until everything queued so far is written (tests, shutdown)."""
        self.queue.join()

    def close(self) -> None:
        """Write what is queued and stop the thread (idempotent)."""
        with self._lock:
            thread = self._thread if self._pid == os.getpid() else None
            if thread is not None:
                self.queue.put(_STOP)
                self._thread = None
        if thread is not None:
            thread.join()

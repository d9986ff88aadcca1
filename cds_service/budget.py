"""How much request body one worker parses and evaluates at once.

A gthread worker runs several calls at once, but Python runs one thread at a time (the GIL): evaluating more
calls side by side makes none of them faster, it only multiplies the memory (a parsed prefetch is about five
times its bytes, and the mapping builds on it) and the garbage collector's work. Reading the body (slow
clients) takes no budget; a call that falls back on the FHIR server holds its share, the size of the
prefetch it did send, while it fetches (at most FHIR_DEADLINE).

Calls enter in arrival order while their bodies fit in what is left; a body larger than the whole budget
waits until it is free and then runs alone. A call never waits for a later one.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager


class WorkBudget:
    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self._used = 0
        self._queue: deque[int] = deque()
        self._tickets = itertools.count()
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, size: int) -> Iterator[None]:
        """Wait for `size` bytes of the budget (its turn first), hold them for the block."""
        size = min(max(1, size), self.limit)
        ticket = next(self._tickets)
        with self._changed:
            self._queue.append(ticket)
            self._changed.wait_for(lambda: self._queue[0] == ticket and self._used + size <= self.limit)
            self._queue.popleft()
            self._used += size
            self._changed.notify_all()  # the next in line may fit too
        try:
            yield
        finally:
            with self._changed:
                self._used -= size
                self._changed.notify_all()

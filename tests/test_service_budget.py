"""The evaluation budget: calls share a worker's budget by body size, in arrival order, never more at once."""

from __future__ import annotations

import threading
import time

from cds_service.budget import WorkBudget


def _run(budget: WorkBudget, sizes: list[int], hold: float = 0.05) -> tuple[list[int], int]:
    """Start one thread per size (0.01 s apart); (the order they entered, the most bytes held at once)."""
    entered, peak, held, lock = [], [0], [0], threading.Lock()

    def call(i: int, size: int) -> None:
        with budget.hold(size):
            with lock:
                entered.append(i)
                held[0] += min(size, budget.limit)
                peak[0] = max(peak[0], held[0])
            time.sleep(hold)
            with lock:
                held[0] -= min(size, budget.limit)

    threads = [threading.Thread(target=call, args=(i, s)) for i, s in enumerate(sizes)]
    for t in threads:
        t.start()
        time.sleep(0.01)
    for t in threads:
        t.join(5)
    return entered, peak[0]


def test_small_calls_run_side_by_side_within_the_budget():
    entered, peak = _run(WorkBudget(100), [10, 10, 10, 10], hold=0.3)
    assert entered == [0, 1, 2, 3] and peak == 40


def test_calls_beyond_the_budget_wait_and_never_exceed_it():
    _, peak = _run(WorkBudget(100), [60, 60, 60, 30, 30])
    assert peak <= 100


def test_a_body_larger_than_the_budget_runs_alone():
    entered, peak = _run(WorkBudget(100), [10, 500, 10])
    assert entered == [0, 1, 2] and peak == 100


def test_arrival_order_is_kept_a_large_call_is_not_starved_by_later_small_ones():
    entered, _ = _run(WorkBudget(100), [60, 60, 10, 10])
    assert entered.index(1) < entered.index(2) and entered.index(1) < entered.index(3)

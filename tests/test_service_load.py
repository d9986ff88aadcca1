"""The short load run of `make test` (the long one is `make load`): locust, mixed hooks and patients, slow
clients alongside, on SQLite and (in CI) PostgreSQL. Status codes, errors and resources are asserted;
latencies are printed, never asserted."""

from __future__ import annotations

from benchmarks.load import run, table

THREADS = 8


def test_short_load_with_slow_clients_loses_no_call_and_no_card(tmp_path, database_url):
    result = run(tmp_path, seconds=8, clients=16, slow=4, env={"OSTEOCDS_DATABASE_URL": database_url})
    print("\n" + table(result["stats"]))
    rows = {r["Name"]: r for r in result["stats"]}
    assert result["locust_exit"] == 0, result["locust_output"][-2000:]
    assert rows["Aggregated"]["Failure Count"] == "0"
    assert all(int(rows[name]["Request Count"]) > 0 for name in rows)  # every service was called
    assert len(rows) == 7
    assert result["cards_issued"] > 0 and result["rows"] == result["cards_issued"]  # rows lost: 0
    assert result["server_exit"] == 0 and '"level": "ERROR"' not in result["server_log"]
    assert len(result["after"]) == 2
    for worker in result["after"].values():  # bounded: the pool, the card writer, the main loop
        assert worker["threads"] <= THREADS + 3 and worker["fds"] < 100 and worker["rss_mb"] < 400

"""The short schemathesis run of `make test` (the long one is `make fuzz`): no 5xx, every response documented
and matching its schema, on the real server."""

from __future__ import annotations

from benchmarks.fuzz import fuzz


def test_schemathesis_finds_no_server_error_and_no_schema_violation(tmp_path):
    result = fuzz(tmp_path, examples=30, seed=20261122, phases="examples,fuzzing")
    report = result["report"]
    assert result["exit"] == 0, result["output"][-3000:]
    assert report["operations"]["tested"] == report["operations"]["total"] >= 10
    assert report["test_cases"]["generated"] >= 200 and report["test_cases"]["with_failures"] == 0
    assert report["errors"] == [] and report["failures"] == []
    assert '"level": "ERROR"' not in result["server_log"]

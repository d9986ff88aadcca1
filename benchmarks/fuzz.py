"""schemathesis against our own /openapi.json, on the real server (`osteocds serve`, development mode, a
throw-away SQLite file): no 5xx, every status code documented, every body matching its schema.

    python benchmarks/fuzz.py --examples 1000     # `make fuzz`: >= 10,000 cases
    tests/test_service_fuzz.py                    # the short run inside `make test` (fuzzing phase, fixed seed)

Prints the operations and the number of cases tried; exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.live_server import live_server  # noqa: E402

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def fuzz(workdir: Path, examples: int, seed: int | None = None, phases: str = "examples,coverage,fuzzing",
         workers: int = 1) -> dict:
    """One schemathesis worker: with several, hypothesis' concurrent `ast.parse` calls trip a CPython 3.11 race
    ("SystemError: AST constructor recursion depth mismatch") in schemathesis' own process."""
    report = workdir / "fuzz-report.json"
    with live_server(workdir, workers=2, threads=8, env={"OSTEOCDS_LOG_LEVEL": "WARNING",
                                                         "OSTEOCDS_FHIR_DEADLINE": "2"}) as server:
        command = [sys.executable, "-m", "schemathesis.cli", "run", f"{server.base}/openapi.json",
                   "--checks", CHECKS, "--max-examples", str(examples), "--workers", str(workers),
                   "--phases", phases, "--generation-database", "none", "--no-color",
                   "--report", "json", "--report-json-path", str(report), "--request-timeout", "30"]
        if seed is not None:
            command += ["--seed", str(seed)]
        run = subprocess.run(command, cwd=workdir, capture_output=True, text=True)  # its caches stay in workdir
        server_log = server.log.read_text(errors="replace")
    data = json.loads(report.read_text()) if report.exists() else {}
    return {"exit": run.returncode, "output": run.stdout + run.stderr, "report": data, "server_log": server_log}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=1000, help="fuzzing cases per operation (after the boundary cases)")
    parser.add_argument("--seed", type=int)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="osteocds-fuzz-") as tmp:
        result = fuzz(Path(tmp), args.examples, args.seed)
    print(result["output"][-6000:])
    faults = [line for line in result["server_log"].splitlines() if '"level": "ERROR"' in line]
    print(f"cases tried: {result['report'].get('test_cases', {}).get('generated', 0)}; "
          f"server errors logged: {len(faults)}")
    return result["exit"] or bool(faults)


if __name__ == "__main__":
    sys.exit(main())

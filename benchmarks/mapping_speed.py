"""How long `build_facts` takes on a 5,000-resource prefetch (target: < 20 ms after warm-up).

The record is a real Synthea bundle from ../shared/synthea (all 700 of its resources), inflated
with copies, under new ids, of its Observations that no value set names (unrelated labs, vitals
and survey items). With --relevant the copies are of every Observation instead (hundreds of
repeated labs and DXA results: a harsher case, printed for information). The one-time costs (UCUM
registry, value-set index, FHIR model import) are measured and printed separately.

    .venv/bin/python benchmarks/mapping_speed.py [--size 5000] [--runs 50] [--relevant]
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import time
from datetime import date
from pathlib import Path

from fhir_mappings import build_facts
from fhir_mappings.bundle import iter_resources
from fhir_mappings.units import registry
from fhir_mappings.valuesets import lookup, lookup_concept

SHARED = Path(__file__).resolve().parents[2] / "shared"
BUNDLE = SHARED / "synthea" / "bundles" / "Hallie_Hoeger_62a0b57c-4129-43d9-b787-bcf7ad4fa654.json"
TODAY = date(2020, 1, 1)


def inflated(size: int, relevant: bool = False) -> list[dict]:
    """The bundle's resources plus copies of its Observations until there are `size` resources."""
    resources = list(iter_resources(json.loads(BUNDLE.read_text())))
    table = lookup("Observation")
    observations = [
        r for r in resources if r["resourceType"] == "Observation" and (relevant or not lookup_concept(r["code"], table))
    ]
    n = 0
    while len(resources) < size:
        clone = copy.deepcopy(observations[n % len(observations)])
        clone["id"] = f"copy-{n}"
        resources.append(clone)
        n += 1
    return resources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--relevant", action="store_true", help="copy value-set Observations too")
    args = parser.parse_args()

    started = time.perf_counter()
    registry()
    print(f"UCUM registry build (one-time): {(time.perf_counter() - started) * 1000:.0f} ms")

    resources = inflated(args.size, args.relevant)
    started = time.perf_counter()
    build_facts(resources, today=TODAY)
    print(f"first run (value sets, models, unit cache): {(time.perf_counter() - started) * 1000:.1f} ms")

    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        build_facts(resources, today=TODAY)
        timings.append((time.perf_counter() - started) * 1000)
    print(
        f"build_facts on {len(resources)} resources: median {statistics.median(timings):.2f} ms, "
        f"min {min(timings):.2f} ms, max {max(timings):.2f} ms over {args.runs} runs (target < 20 ms)"
    )


if __name__ == "__main__":
    main()

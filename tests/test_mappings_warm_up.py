"""`warm_up` builds every lazy cache the first request would otherwise pay for (the gunicorn master calls it
before forking, then freezes the heap). Checked in a fresh interpreter, where nothing is loaded yet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fhir_mappings.prefetch import RESOURCE_TYPES

PROBE = """
import sys
from fhir_mappings import warm_up
from fhir_mappings.units import registry
before = set(sys.modules)
warm_up()
loaded = set(sys.modules) - before
print(registry.cache_info().currsize)
print(" ".join(sorted(m.rsplit(".", 1)[-1] for m in loaded if m.startswith("fhir.resources.R4B."))))
"""


def test_warm_up_loads_the_ucum_registry_and_every_model_the_mapping_validates():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[1]
    ).stdout.split("\n")
    assert out[0] == "1"
    modules = set(out[1].split())
    assert {t.lower() for t in (*RESOURCE_TYPES.values(), "Medication")} <= modules

"""`python -m fhir_mappings BUNDLE.json --today` prints facts with provenance, assumptions and gaps."""

from __future__ import annotations

import subprocess
import sys

from fhir_mappings.__main__ import main
from tests.test_mappings_helpers import FIXTURES


def test_prints_facts_provenance_and_gaps(capsys):
    assert main([str(FIXTURES / "dxa-multisite.json"), "--today", "2024-07-01"]) == 0
    out = capsys.readouterr().out
    assert "Patient pat-1  (as of 2024-07-01)" in out
    assert "site=lumbar-spine, kind=t-score, value=-2.7" in out
    assert "<- Observation/dxa1-ls-t 2020-03-02 [-2.7 {T-score}]" in out
    assert "femur-site-taken-as-hip" in out
    assert "not-final: status preliminary (Observation/dxa2-ls-t-prelim)" in out


def test_runs_as_a_module():
    result = subprocess.run(
        [sys.executable, "-m", "fhir_mappings", str(FIXTURES / "risk-profile.json"), "--today", "2024-07-01"],
        capture_output=True, text=True, check=True,
    )
    assert "CBO risk score: 4" in result.stdout
    assert "25-OH vitamin D: value=15, unit=ng/mL" in result.stdout

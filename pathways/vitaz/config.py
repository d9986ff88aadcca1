"""The vitaz-2025 thresholds, regimens and Interpretations, read once from `vitaz-2025.toml` (each entry names its node)."""

from __future__ import annotations

from pathlib import Path

from pathways.guideline_config import GuidelineConfig

_CONFIG = GuidelineConfig(Path(__file__).with_name("vitaz-2025.toml"))
GUIDELINE: str = _CONFIG.guideline
section = _CONFIG.section
regimen = _CONFIG.regimen

T = section("t_score")

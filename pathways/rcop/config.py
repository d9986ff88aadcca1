"""The RCOP thresholds and regimens, read once from `rcop-2023.toml` (every entry there names its node)."""

from __future__ import annotations

from pathlib import Path

from pathways.guideline_config import GuidelineConfig

_CONFIG = GuidelineConfig(Path(__file__).with_name("rcop-2023.toml"))
GUIDELINE: str = _CONFIG.guideline
section = _CONFIG.section
regimen = _CONFIG.regimen

T = section("t_score")
VF_THERAPY_GRADE: int = section("vertebral_fracture")["therapy_grade"]

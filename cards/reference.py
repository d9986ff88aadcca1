"""The card layer's reference data (`cards/data/*.json`), read once: code systems, regimens, orderables,
override reasons and guideline versions."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_DATA = Path(__file__).with_name("data")


@cache
def load(name: str) -> dict[str, Any]:
    """One data file by stem, without its `_comment`."""
    with (_DATA / f"{name}.json").open(encoding="utf-8") as fh:
        return {k: v for k, v in json.load(fh).items() if k != "_comment"}


def code_system(name: str) -> str:
    """A project CodeSystem URL ("recommendation-topic", "override-reason")."""
    return load("codesystems")[name]


TOPIC_SYSTEM = code_system("recommendation-topic")
OVERRIDE_SYSTEM = code_system("override-reason")

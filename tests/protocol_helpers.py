"""Assertions about the CDS Hooks wire format shared by the service tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def empty_values(value: Any, path: str = "$") -> Iterator[str]:
    """JSON paths of null, "", [] and {} values, which the spec forbids in discovery and responses."""
    if value in (None, "", [], {}):
        yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from empty_values(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from empty_values(v, f"{path}[{i}]")

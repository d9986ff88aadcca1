"""Flatten what arrives (a resource, a Bundle, a list of either) into plain resource dicts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def iter_resources(obj: Any) -> Iterator[dict]:
    """Yield every resource in `obj`, descending into Bundle entries; skip anything that is not a resource.

    OperationOutcome is yielded like any resource: the caller decides what it means.
    """
    if isinstance(obj, list):
        for item in obj:
            yield from iter_resources(item)
    elif isinstance(obj, dict) and isinstance(obj.get("resourceType"), str):
        if obj["resourceType"] == "Bundle":
            for entry in obj.get("entry") or ():
                if isinstance(entry, dict):
                    yield from iter_resources(entry.get("resource"))
        else:
            yield obj

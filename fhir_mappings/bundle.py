"""Flatten what arrives (a resource, a Bundle, a list of either) into plain resource dicts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def iter_entries(obj: Any) -> Iterator[tuple[str | None, dict]]:
    """(fullUrl, resource) for every resource in `obj`, in document order; fullUrl is None outside a Bundle entry.

    Transaction Bundles reference their Patient by the entry's `fullUrl` (`urn:uuid:...`), which
    the resource itself does not carry, so patient scoping needs it. A malformed `entry` (not a
    list) is skipped like any other non-resource. The walk keeps its own stack: lists or Bundles
    nested a thousand deep are read, never a RecursionError.
    """
    stack: list[tuple[Any, str | None]] = [(obj, None)]  # (item, the fullUrl it has if it is a resource itself)
    while stack:
        item, url = stack.pop()
        if isinstance(item, list):
            stack.extend((inner, None) for inner in reversed(item))
        elif isinstance(item, dict) and isinstance(item.get("resourceType"), str):
            if item["resourceType"] != "Bundle":
                yield url, item
                continue
            entries = item.get("entry")
            found = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
            for entry in reversed(found):
                url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
                stack.append((entry.get("resource"), url))


def iter_resources(obj: Any) -> Iterator[dict]:
    """Yield every resource in `obj`, descending into Bundle entries; skip anything that is not a resource.

    OperationOutcome is yielded like any resource: the caller decides what it means.
    """
    for _, resource in iter_entries(obj):
        yield resource

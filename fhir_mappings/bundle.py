"""Flatten what arrives (a resource, a Bundle, a list of either) into plain resource dicts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def iter_entries(obj: Any) -> list[tuple[str | None, dict]]:
    """(fullUrl, resource) for every resource in `obj`, in document order; fullUrl is None outside a Bundle entry.

    Transaction Bundles reference their Patient by the entry's `fullUrl` (`urn:uuid:...`), which
    the resource itself does not carry, so patient scoping needs it. Anything that is not a resource
    is skipped. The walk is flat: a Bundle's entries are read in one loop, and only a nested Bundle or
    list starts another, kept on its own stack (nesting a thousand deep is read, never a RecursionError).
    """
    out: list[tuple[str | None, dict]] = []
    stack: list[tuple[Iterator[Any], bool]] = [(iter((obj,)), False)]  # (items, whether they are Bundle entries)
    while stack:
        items, in_bundle = stack[-1]
        for item in items:
            url = None
            if in_bundle:
                if not isinstance(item, dict):
                    continue
                url = item.get("fullUrl")
                url, item = (url if isinstance(url, str) else None), item.get("resource")
            if isinstance(item, dict):
                kind = item.get("resourceType")
                if kind == "Bundle":
                    entries = item.get("entry")
                    if isinstance(entries, list):  # a malformed `entry` (not a list) has none
                        stack.append((iter(entries), True))
                        break
                elif isinstance(kind, str):
                    out.append((url, item))
            elif isinstance(item, list):
                stack.append((iter(item), False))
                break
        else:
            stack.pop()
    return out


def iter_resources(obj: Any) -> list[dict]:
    """Every resource in `obj`, descending into Bundle entries; anything that is not a resource is skipped.

    OperationOutcome is kept like any resource: the caller decides what it means.
    """
    return [resource for _, resource in iter_entries(obj)]

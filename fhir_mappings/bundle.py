"""Flatten what arrives (a resource, a Bundle, a list of either) into plain resource dicts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def iter_entries(obj: Any) -> Iterator[tuple[str | None, dict]]:
    """(fullUrl, resource) for every resource in `obj`; fullUrl is None outside a Bundle entry.

    Transaction Bundles reference their Patient by the entry's `fullUrl` (`urn:uuid:...`), which
    the resource itself does not carry, so patient scoping needs it. A malformed `entry` (not a
    list) is skipped like any other non-resource.
    """
    if isinstance(obj, list):
        for item in obj:
            yield from iter_entries(item)
    elif isinstance(obj, dict) and isinstance(obj.get("resourceType"), str):
        if obj["resourceType"] == "Bundle":
            entries = obj.get("entry")
            for entry in entries if isinstance(entries, list) else ():
                if isinstance(entry, dict):
                    full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
                    for inner_url, resource in iter_entries(entry.get("resource")):
                        yield (full_url if resource is entry.get("resource") else inner_url), resource
        else:
            yield None, obj


def iter_resources(obj: Any) -> Iterator[dict]:
    """Yield every resource in `obj`, descending into Bundle entries; skip anything that is not a resource.

    OperationOutcome is yielded like any resource: the caller decides what it means.
    """
    for _, resource in iter_entries(obj):
        yield resource

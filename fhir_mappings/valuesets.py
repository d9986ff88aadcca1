"""Value sets as data: load `valuesets/*.json` once and match FHIR codings against them.

Every code in those files carries its system, display, source and verification status, so a
fact can always be traced to the terminology entry that produced it. Matching is a dictionary
lookup on "system|code" (plus a short prefix scan for ATC/ICD class codes), cheap enough to run
on every raw resource before any model is built.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from fhir_mappings.facts import Decision

_HERE = Path(__file__).resolve().parent
VALUESET_DIR = _HERE / "valuesets"
DATA_DIR = _HERE / "data"


@dataclass(frozen=True)
class VsCode:
    """One code of one value set, with the attributes the value set gives it (site, agent, ...)."""

    valueset: str
    system: str
    code: str
    display: str
    status: str
    prefix: bool = False
    listed: str = ""  # the code as written in the value set (dots kept), for search tokens
    attrs: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    @property
    def verified(self) -> bool:
        return self.status in ("verified", "verified-secondary")


@dataclass(frozen=True)
class ValueSet:
    name: str
    title: str
    resource_types: tuple[str, ...]
    codes: tuple[VsCode, ...]
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)  # e.g. text_patterns


@cache
def _systems() -> tuple[dict[str, str], frozenset[str]]:
    data = json.loads((DATA_DIR / "code-systems.json").read_text())
    return data["aliases"], frozenset(data["dotless"])


def normalise(system: str | None, code: str | None) -> tuple[str, str] | None:
    """Canonical (system, code), or None when either is missing."""
    if not system or not code or not isinstance(system, str) or not isinstance(code, str):
        return None
    aliases, dotless = _systems()
    system = aliases.get(system, system)
    code = code.strip()
    if system in dotless:
        code = code.replace(".", "").upper()
    return system, code


_EMPTY: dict[str, tuple[VsCode, ...]] = {}
_RESERVED = {"system", "code", "display", "source", "status", "note", "match"}
_VS_KEYS = {"name", "title", "purpose", "source", "resourceTypes", "codes"}


@cache
def valuesets() -> dict[str, ValueSet]:
    """All value sets by name, read from the JSON files."""
    out: dict[str, ValueSet] = {}
    for path in sorted(VALUESET_DIR.glob("*.json")):
        data = json.loads(path.read_text())
        codes = []
        for entry in data["codes"]:
            system, code = normalise(entry["system"], entry["code"]) or ("", "")
            attrs = {k: v for k, v in entry.items() if k not in _RESERVED}
            codes.append(
                VsCode(
                    data["name"], system, code, entry["display"], entry["status"],
                    entry.get("match") == "prefix", entry["code"], attrs,
                )
            )
        extra = {k: v for k, v in data.items() if k not in _VS_KEYS}
        out[data["name"]] = ValueSet(data["name"], data["title"], tuple(data["resourceTypes"]), tuple(codes), extra)
    return out


@dataclass(frozen=True)
class _Index:
    exact: dict[str, tuple[VsCode, ...]]
    prefixes: dict[str, tuple[VsCode, ...]]  # system -> prefix codes, longest first


@cache
def _index() -> _Index:
    exact: dict[str, list[VsCode]] = {}
    prefixes: dict[str, list[VsCode]] = {}
    for vs in valuesets().values():
        for c in vs.codes:
            if c.prefix:
                prefixes.setdefault(c.system, []).append(c)
            else:
                exact.setdefault(f"{c.system}|{c.code}", []).append(c)
    return _Index(
        {k: tuple(v) for k, v in exact.items()},
        {k: tuple(sorted(v, key=lambda c: -len(c.code))) for k, v in prefixes.items()},
    )


def match_coding(system: Any, code: Any) -> tuple[VsCode, ...]:
    """Every value-set code a single coding falls under (exact codes and class prefixes)."""
    if isinstance(system, str) and isinstance(code, str):
        return _match_text(system, code)
    return ()  # normalise() would say no too


@lru_cache(maxsize=16384)
def _match_text(system: str, code: str) -> tuple[VsCode, ...]:
    """`match_coding` of two strings, memoised: a record repeats the same few codings thousands of times."""
    norm = normalise(system, code)
    if norm is None:
        return ()
    index = _index()
    found = index.exact.get(f"{norm[0]}|{norm[1]}", ())
    prefixed = tuple(c for c in index.prefixes.get(norm[0], ()) if norm[1].startswith(c.code))
    return found + prefixed if prefixed else found


def codings(concept: Any) -> Iterator[dict]:
    """The codings of a CodeableConcept dict (tolerates missing or malformed parts)."""
    coding_list = concept.get("coding") if isinstance(concept, dict) else None
    if isinstance(coding_list, list):
        for coding in coding_list:
            if isinstance(coding, dict):
                yield coding


def match_concept(concepts: Iterable[Any], valueset: str | None = None) -> tuple[VsCode, ...]:
    """Value-set codes matched by any coding of the given CodeableConcepts, optionally one value set only."""
    out: list[VsCode] = []
    for concept in concepts:
        for coding in codings(concept):
            for c in match_coding(coding.get("system"), coding.get("code")):
                if (valueset is None or c.valueset == valueset) and c not in out:
                    out.append(c)
    return tuple(out)


def decision_of(codes: Iterable[VsCode]) -> Decision | None:
    """The decision of consequence a record of these codes concerns (its value set's `decision`), if any."""
    sets = valuesets()
    found = (sets[c.valueset].extra.get("decision") for c in codes)
    return next((Decision(d) for d in found if d), None)


Table = dict[str, dict[str, tuple[VsCode, ...]]]  # system as written -> code as written -> codes


@cache
def lookup(resource_type: str) -> Table:
    """Raw system (every spelling) -> raw code (as listed) -> the exact codes used for a resource type.

    This is the fast pre-filter: a raw coding is looked up as written, without normalising, so
    thousands of unrelated Observations cost two dictionary lookups each.
    """
    aliases, _ = _systems()
    spellings: dict[str, list[str]] = {}
    for alias, canonical in aliases.items():
        spellings.setdefault(canonical, []).append(alias)
    out: Table = {}
    for vs in valuesets().values():
        if resource_type not in vs.resource_types:
            continue
        for c in vs.codes:
            if c.prefix:
                continue
            for system in (c.system, *spellings.get(c.system, ())):
                by_code = out.setdefault(system, {})
                by_code[c.listed] = by_code.get(c.listed, ()) + (c,)
    return out


@cache
def listed_codes(resource_type: str) -> frozenset[str]:
    """Every exact code (as listed, any system) used for a resource type: the cheapest first look."""
    return frozenset(code for by_code in lookup(resource_type).values() for code in by_code)


def lookup_concept(concept: Any, table: Table) -> tuple[VsCode, ...]:
    """Codes of `table` hit by any coding of the CodeableConcept, exactly as written (the hot path)."""
    if type(concept) is not dict:
        return ()
    coding_list = concept.get("coding")
    if type(coding_list) is not list:
        return ()
    found: tuple[VsCode, ...] = ()
    for coding in coding_list:
        if type(coding) is not dict:
            continue
        try:
            hit = table.get(coding.get("system"), _EMPTY).get(coding.get("code"))
        except TypeError:  # an unhashable system or code: not a coding of ours
            continue
        if hit:
            found = hit if not found else found + tuple(c for c in hit if c not in found)
    return found

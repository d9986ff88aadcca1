"""FHIR server URLs in one canonical form, and the allow-list that compares them.

`canonical_url` puts a URL in the form that is both checked and requested: scheme and host in lower case,
the default port dropped, unreserved percent-escapes decoded, empty segments dropped; userinfo, backslashes,
control characters, dot segments (`..`, `%2e%2e`, double-encoded too) and encoded slashes are refused
outright. The allow-list compares that form by scheme, host, port and whole path segments, so
`https://fhir.example.org/r4` allows `https://fhir.example.org/r4/Observation?...` but not `.../r4x`,
`.../r4/%2e%2e/admin`, `https://fhir.example.org.evil.net/r4` or `https://user@evil.net/r4`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

from requests.utils import requote_uri

DEFAULT_PORTS = {"http": 80, "https": 443}
_REFUSED_CHARS = re.compile(r"[\x00-\x20\x7f\\]")  # controls, whitespace, backslash
_HOST = re.compile(r"[a-z0-9.\-]+|\[[0-9a-f:.]+\]")
_ENCODED_SEPARATORS = ("%2f", "%5c", "%00")


def _dot_segment(segment: str) -> bool:
    for _ in range(3):  # %2e, %252e, %25252e
        if segment in (".", ".."):
            return True
        segment = unquote(segment)
    return segment in (".", "..")


def canonical_url(url: str) -> str | None:
    """The one form of an http(s) URL that is checked and requested; None when it is refused."""
    if not isinstance(url, str) or _REFUSED_CHARS.search(url):
        return None
    try:
        parts = urlsplit(requote_uri(url))
        port = parts.port
    except ValueError:  # requests' InvalidURL is a ValueError too
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or "@" in parts.netloc or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    if not _HOST.fullmatch(host):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if any(_dot_segment(s) or any(e in s.lower() for e in _ENCODED_SEPARATORS) for s in segments):
        return None
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = "/" + "/".join(segments) + ("/" if segments and parts.path.endswith("/") else "")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


@dataclass(frozen=True)
class Prefix:
    scheme: str
    netloc: str
    path: tuple[str, ...]


def _prefix(canonical: str) -> Prefix:
    parts = urlsplit(canonical)
    return Prefix(parts.scheme, parts.netloc, tuple(s for s in parts.path.split("/") if s))


class Allowlist:
    def __init__(self, prefixes: Iterable[str] | str | None):
        if isinstance(prefixes, str):
            prefixes = prefixes.split(",")
        canonical = (canonical_url(p.strip()) for p in (prefixes or ()) if p and p.strip())
        self.prefixes = [_prefix(c) for c in canonical if c is not None]

    def allows(self, url: str) -> bool:
        """Whether the canonical form of `url` (which is what gets requested) is under an allowed prefix."""
        canonical = canonical_url(url)
        if canonical is None:
            return False
        target = _prefix(canonical)
        return any((p.scheme, p.netloc) == (target.scheme, target.netloc) and target.path[: len(p.path)] == p.path
                   for p in self.prefixes)

    def __bool__(self) -> bool:
        return bool(self.prefixes)

"""Calls back to the EHR's FHIR server: allow-list, bearer token, time-outs, one deadline, paging.

Only URLs under a prefix of OSTEOCDS_FHIR_ALLOWLIST are ever requested. A prefix is compared by parsed
scheme, host, port and whole path segments, so `https://fhir.example.org/r4` allows
`https://fhir.example.org/r4/Observation?...` but not `https://fhir.example.org/r4x`,
`https://fhir.example.org.evil.net/r4` or `https://user@evil.net/r4`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import urljoin, urlsplit

import requests

DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(Exception):
    """The data could not be obtained (refused, time-out, server error, bad payload)."""


@dataclass(frozen=True)
class Prefix:
    scheme: str
    host: str
    port: int
    path: tuple[str, ...]


def _parse(url: str) -> Prefix | None:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    segments = tuple(s for s in parts.path.split("/") if s)
    if any(s in (".", "..") for s in segments):
        return None
    return Prefix(scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme], segments)


class Allowlist:
    def __init__(self, prefixes: Iterable[str] | str | None):
        if isinstance(prefixes, str):
            prefixes = prefixes.split(",")
        self.prefixes = [p for p in (_parse(x) for x in (prefixes or ()) if x and x.strip()) if p is not None]

    def allows(self, url: str) -> bool:
        target = _parse(url)
        if target is None:
            return False
        for p in self.prefixes:
            if (p.scheme, p.host, p.port) == (target.scheme, target.host, target.port) and \
                    target.path[: len(p.path)] == p.path:
                return True
        return False

    def __bool__(self) -> bool:
        return bool(self.prefixes)


class Deadline:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.end = clock() + seconds

    @property
    def remaining(self) -> float:
        return self.end - self.clock()


class FhirClient:
    """One per CDS call: shares the deadline and the page budget across every key fetched."""

    def __init__(
        self,
        base_url: str,
        allowlist: Allowlist,
        *,
        access_token: str | None = None,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        deadline: float = 20.0,
        max_pages: int = 20,
        max_bytes: int = 64 * 1024 * 1024,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.allowlist = allowlist
        self.access_token = access_token
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.deadline = Deadline(deadline)
        self.max_pages = max_pages
        self.max_bytes = max_bytes
        self.session = session or requests.Session()
        self.requests_made = 0

    def usable(self) -> bool:
        return self.allowlist.allows(self.base_url + "/")

    def _get(self, url: str) -> dict:
        if not self.allowlist.allows(url):
            raise FetchError("FHIR server not in the allow-list")
        remaining = self.deadline.remaining
        if remaining <= 0:
            raise FetchError("FHIR deadline exceeded")
        headers = {"Accept": "application/fhir+json, application/json"}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        self.requests_made += 1
        try:
            with self.session.get(
                url,
                headers=headers,
                timeout=(min(self.connect_timeout, remaining), min(self.read_timeout, remaining)),
                allow_redirects=False,  # a redirect could leave the allow-list
                stream=True,
            ) as resp:
                if resp.status_code != 200:
                    raise FetchError(f"FHIR server answered HTTP {resp.status_code}")
                chunks, size = [], 0
                for chunk in resp.iter_content(chunk_size=65536):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise FetchError("FHIR response too large")
                    if self.deadline.remaining <= 0:
                        raise FetchError("FHIR deadline exceeded")
                    chunks.append(chunk)
        except requests.Timeout:
            raise FetchError("FHIR server timed out") from None
        except requests.RequestException as exc:
            raise FetchError(f"FHIR server unreachable ({type(exc).__name__})") from None
        try:
            data = json.loads(b"".join(chunks))
        except ValueError:
            raise FetchError("FHIR server sent invalid JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
            raise FetchError("FHIR server sent something that is not a resource")
        if data["resourceType"] == "OperationOutcome":
            raise FetchError("FHIR server answered with an OperationOutcome")
        return data

    def read(self, query: str) -> dict:
        """GET base/query (query relative to the FHIR base, e.g. `Patient/123` or `Observation?...`)."""
        return self._get(f"{self.base_url}/{query.lstrip('/')}")

    def follow_pages(self, bundle: dict) -> list[dict]:
        """The Bundle and every page reached through `next` links (up to max_pages in all, else FetchError)."""
        pages = [bundle]
        seen: set[str] = set()
        while True:
            nxt = next_link(pages[-1])
            if nxt is None:
                return pages
            nxt = urljoin(self.base_url + "/", nxt)  # FHIR says absolute; tolerate relative
            if nxt in seen:
                raise FetchError("FHIR paging loops")
            seen.add(nxt)
            if len(pages) >= self.max_pages:
                raise FetchError(f"FHIR search has more than {self.max_pages} pages")
            page = self._get(nxt)
            if page.get("resourceType") != "Bundle":
                raise FetchError("FHIR next page is not a Bundle")
            pages.append(page)

    def search(self, query: str) -> list[dict]:
        return self.follow_pages(self.read(query))


def next_link(bundle: dict) -> str | None:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return None
    for link in bundle.get("link") or ():
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str) \
                and link["url"]:
            return link["url"]
    return None

"""Calls back to the EHR's FHIR server: allow-list, bearer token, one deadline, one byte budget, paging.

Every URL is put in its canonical form (`allowlist.canonical_url`) and checked against the allow-list, and
the request goes to exactly that URL (the prepared request is compared with it).

One `FhirClient` serves one CDS call. Its deadline is wall-clock: a watchdog shuts the connection's socket
when it passes, so a server that drips its headers or body byte by byte (each read under the read time-out)
cannot hold the call past it. Its byte budget counts every response of the call, across pages and keys.
"""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urljoin

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from cds_service.allowlist import Allowlist, canonical_url


class FetchError(Exception):
    """The data could not be obtained (refused, time-out, server error, bad payload)."""


class _WatchedAdapter(HTTPAdapter):
    """Records every connection it opens, so the deadline watchdog can shut its socket."""

    def __init__(self, connections: list):
        self.connections = connections
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        record = self.connections.append

        class Http(HTTPConnectionPool):
            def _new_conn(self):
                conn = super()._new_conn()
                record(conn)
                return conn

        class Https(HTTPSConnectionPool):
            def _new_conn(self):
                conn = super()._new_conn()
                record(conn)
                return conn

        self.poolmanager.pool_classes_by_scheme = {"http": Http, "https": Https}


class FhirClient:
    """One per CDS call: shares the deadline, the byte budget and the connections across every key fetched."""

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
        max_bytes: int = 32 * 1024 * 1024,
    ):
        canonical = canonical_url(base_url.rstrip("/"))
        self.base_url = canonical.rstrip("/") if canonical else None
        self.allowlist = allowlist
        self.access_token = access_token
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.end = time.monotonic() + deadline
        self.max_pages = max_pages
        self.bytes_left = max_bytes
        self.requests_made = 0
        self.expired = False
        self._connections: list = []
        self._watchdog: threading.Timer | None = None
        self.session = requests.Session()
        adapter = _WatchedAdapter(self._connections)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def usable(self) -> bool:
        return self.base_url is not None and self.allowlist.allows(self.base_url + "/")

    # the deadline ---------------------------------------------------------------------------------
    @property
    def remaining(self) -> float:
        return self.end - time.monotonic()

    def _expire(self) -> None:
        self.expired = True
        for conn in list(self._connections):
            sock = getattr(conn, "sock", None)
            if sock is not None:
                try:
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)  # wakes a read blocked in another thread
                except OSError:
                    pass

    def _arm(self) -> None:
        if self._watchdog is None:
            self._watchdog = threading.Timer(max(self.remaining, 0), self._expire)
            self._watchdog.daemon = True
            self._watchdog.start()

    def close(self) -> None:
        """Stop the watchdog and close the connections (the view calls it when the call ends)."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog.join()
        self.session.close()

    # requests -------------------------------------------------------------------------------------
    def _get(self, url: str) -> dict:
        url = canonical_url(url)
        if url is None or not self.allowlist.allows(url):
            raise FetchError("FHIR server not in the allow-list")
        remaining = self.remaining
        if remaining <= 0 or self.expired:
            raise FetchError("FHIR deadline exceeded")
        headers = {"Accept": "application/fhir+json, application/json"}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        prepared = self.session.prepare_request(requests.Request("GET", url, headers=headers))
        if prepared.url != url:
            raise FetchError("FHIR URL would change after the allow-list check")
        self._arm()
        self.requests_made += 1
        try:
            body = self._send(prepared, remaining)
        except requests.Timeout:
            # a read timeout capped by what was left of the deadline is the deadline (it may fire before the watchdog)
            deadline = self.expired or remaining < min(self.connect_timeout, self.read_timeout)
            raise FetchError("FHIR deadline exceeded" if deadline else "FHIR server timed out") from None
        except requests.RequestException as exc:
            if self.expired:
                raise FetchError("FHIR deadline exceeded") from None
            raise FetchError(f"FHIR server unreachable ({type(exc).__name__})") from None
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise FetchError("FHIR server sent invalid JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
            raise FetchError("FHIR server sent something that is not a resource")
        if data["resourceType"] == "OperationOutcome":
            raise FetchError("FHIR server answered with an OperationOutcome")
        return data

    def _send(self, prepared: requests.PreparedRequest, remaining: float) -> bytes:
        timeout = (min(self.connect_timeout, remaining), min(self.read_timeout, remaining))
        settings = self.session.merge_environment_settings(prepared.url, {}, True, None, None)  # proxy, CA bundle
        settings["stream"] = True
        # no redirects: one could leave the allow-list
        with self.session.send(prepared, timeout=timeout, allow_redirects=False, **settings) as resp:
            if resp.status_code != 200:
                raise FetchError(f"FHIR server answered HTTP {resp.status_code}")
            declared = resp.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.bytes_left:
                raise FetchError("FHIR responses over the byte budget of the call")
            chunks = []
            for chunk in resp.iter_content(chunk_size=65536):
                self.bytes_left -= len(chunk)
                if self.bytes_left < 0:
                    raise FetchError("FHIR responses over the byte budget of the call")
                if self.expired:
                    raise FetchError("FHIR deadline exceeded")
                chunks.append(chunk)
        if self.expired:  # the watchdog cut the body short
            raise FetchError("FHIR deadline exceeded")
        return b"".join(chunks)

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
            nxt = canonical_url(urljoin((self.base_url or "") + "/", nxt))  # FHIR says absolute; tolerate relative
            if nxt is None:
                raise FetchError("FHIR server not in the allow-list")
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

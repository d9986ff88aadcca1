"""JWT bearer authentication of the EHR (CDS Hooks 2.0.1 "Trusting CDS Clients").

- Algorithms: ES384, RS384 (the spec's), ES256, RS256. `none` and HS* are refused before any key is looked up.
- The issuer must be configured in OSTEOCDS_ISSUERS_FILE; its keys are a static `jwks` or are fetched from
  its configured `jwks_url` only (never from the token's `jku`/`x5u`/`jwk`), cached, and refreshed on an unknown
  `kid` at most once per JWKS_MIN_REFRESH seconds.
- The token's `alg` must fit the key its `kid` names (key type, and curve for EC), whether or not the JWK
  states an `alg`.
- `aud` must equal the exact URL called; `exp`, `iat`, `iss`, `aud`, `jti` are required; `exp`, `iat` and
  `nbf` are JSON numbers (not strings, booleans, NaN or infinities) within the signed 64-bit range; `iat`
  may be up to JWT_IAT_LEEWAY seconds in the future (the Sandbox rounds it); `exp` has no leeway.
- `jti` is remembered until `exp` (in the database, so every worker process shares the cache).

All crypto is PyJWT's.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import jwt
import requests

from cds_service.errors import Unauthorized
from cds_service.logs import logger
from cds_service.storage import ID_MAX

# algorithm -> (JWK kty, EC curve)
ALGORITHM_KEYS = {"ES384": ("EC", "P-384"), "RS384": ("RSA", None), "ES256": ("EC", "P-256"), "RS256": ("RSA", None)}
ALLOWED_ALGORITHMS = tuple(ALGORITHM_KEYS)
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "jti"]
INT64 = 2**63


def numeric_date(claims: dict, name: str) -> int | float | None:
    """A NumericDate claim, or Unauthorized when it is not a finite JSON number in the signed 64-bit range
    (the replay cache stores `exp` as a 64-bit integer)."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (isinstance(value, float) and not math.isfinite(value)) or not -INT64 <= value < INT64:
        raise Unauthorized(f"claim {name} is not a number of seconds")
    return value


class IssuersFileError(ValueError):
    pass


@dataclass
class Issuer:
    iss: str
    jwks_url: str | None = None
    keys: list[dict] = field(default_factory=list)
    fetched_at: float | None = None  # monotonic time of the last JWKS fetch attempt
    lock: threading.Lock = field(default_factory=threading.Lock)


def _check_jwks(jwks: Any, where: str) -> list[dict]:
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise IssuersFileError(f"{where}: a JWK Set needs a 'keys' array")
    keys = [k for k in jwks["keys"] if isinstance(k, dict)]
    for k in keys:
        try:
            jwt.PyJWK(k)  # an unusable key fails at start (or at fetch), not per request
        except jwt.PyJWTError as exc:
            raise IssuersFileError(f"{where}: unusable key {k.get('kid', '')!r}: {exc}") from None
    return keys


def load_issuers(path: str | Path) -> dict[str, Issuer]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IssuersFileError(f"cannot read issuers file {path}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("issuers"), list):
        raise IssuersFileError(f"{path}: expected {{\"issuers\": [...]}}")
    issuers: dict[str, Issuer] = {}
    for i, entry in enumerate(data["issuers"]):
        where = f"{path}: issuers[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("iss"), str) or not entry["iss"]:
            raise IssuersFileError(f"{where}: needs a non-empty 'iss'")
        has_url, has_jwks = "jwks_url" in entry, "jwks" in entry
        if has_url == has_jwks:
            raise IssuersFileError(f"{where}: give exactly one of 'jwks_url' or 'jwks'")
        if has_url:
            url = entry["jwks_url"]
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise IssuersFileError(f"{where}: 'jwks_url' must be an http(s) URL")
            issuers[entry["iss"]] = Issuer(iss=entry["iss"], jwks_url=url)
        else:
            keys = _check_jwks(entry["jwks"], where)
            issuers[entry["iss"]] = Issuer(iss=entry["iss"], keys=keys)
    return issuers


class Authenticator:
    def __init__(
        self,
        issuers: dict[str, Issuer],
        *,
        iat_leeway: float = 60,
        min_refresh: float = 60,
        http_get: Callable[..., requests.Response] = requests.get,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.issuers = issuers
        self.iat_leeway = iat_leeway
        self.min_refresh = min_refresh
        self.http_get = http_get
        self.clock = clock
        self.monotonic = monotonic

    @classmethod
    def from_config(cls, config) -> "Authenticator":
        path = config.get("ISSUERS_FILE")
        issuers = load_issuers(path) if path else {}
        return cls(
            issuers,
            iat_leeway=float(config.get("JWT_IAT_LEEWAY", 60)),
            min_refresh=float(config.get("JWKS_MIN_REFRESH", 60)),
        )

    # keys --------------------------------------------------------------------------------------
    def _refresh(self, issuer: Issuer) -> None:
        """Fetch the issuer's configured JWKS URL, at most once per `min_refresh` seconds."""
        if issuer.jwks_url is None:
            return
        with issuer.lock:
            now = self.monotonic()
            if issuer.fetched_at is not None and now - issuer.fetched_at < self.min_refresh:
                return
            issuer.fetched_at = now
            try:
                resp = self.http_get(issuer.jwks_url, timeout=(3.05, 5), allow_redirects=False)
                resp.raise_for_status()
                issuer.keys = _check_jwks(resp.json(), issuer.jwks_url)
            except (requests.RequestException, ValueError) as exc:  # IssuersFileError is a ValueError
                # keep the keys we had; the caller sees an unknown kid
                logger.warning("JWKS fetch failed", extra={"event": "jwks-error", "iss": issuer.iss,
                                                           "error": type(exc).__name__})

    def _find_key(self, issuer: Issuer, kid: str | None, alg: str) -> jwt.PyJWK:
        def pick() -> dict | None:
            candidates = [k for k in issuer.keys if k.get("use") in (None, "sig")]
            if kid is not None:
                candidates = [k for k in candidates if k.get("kid") == kid]
            else:
                candidates = [k for k in candidates if k.get("alg") in (None, alg)]
                if len(candidates) != 1:  # without a kid the key must be unambiguous
                    return None
            return candidates[0] if candidates else None

        if issuer.jwks_url is not None and issuer.fetched_at is None:
            self._refresh(issuer)
        jwk = pick()
        if jwk is None:
            self._refresh(issuer)
            jwk = pick()
        if jwk is None:
            raise Unauthorized("unknown signing key")
        if jwk.get("alg") not in (None, alg):
            raise Unauthorized("token alg does not match the key's alg")
        kty, crv = ALGORITHM_KEYS[alg]
        if jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv):
            raise Unauthorized("token alg does not fit the key type")
        try:
            return jwt.PyJWK(jwk, algorithm=alg)
        except jwt.PyJWTError:
            raise Unauthorized("token alg does not fit the key") from None

    # verification ------------------------------------------------------------------------------
    def verify(self, token: str, audience: str, remember_jti: Callable[[str, str, int, int], bool]) -> dict:
        """Return the verified claims or raise Unauthorized (with a reason for the log only)."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("malformed token") from None
        alg = header.get("alg")
        if alg not in ALLOWED_ALGORITHMS:
            raise Unauthorized(f"algorithm not allowed: {str(alg)[:20]}")
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Unauthorized("malformed token") from None
        iss = unverified.get("iss")
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise Unauthorized("unknown issuer")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise Unauthorized("malformed kid")
        key = self._find_key(issuer, kid, alg)
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=audience,
                issuer=issuer.iss,
                leeway=0,
                # the time claims are checked below, as numbers, never coerced from strings
                options={"require": REQUIRED_CLAIMS, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidAudienceError:
            raise Unauthorized("wrong audience") from None
        except jwt.InvalidSignatureError:
            raise Unauthorized("bad signature") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {type(exc).__name__}") from None
        now = self.clock()
        exp, iat, nbf = (numeric_date(claims, name) for name in ("exp", "iat", "nbf"))
        if exp is None or exp <= now:
            raise Unauthorized("token expired")
        if iat is None or iat > now + self.iat_leeway:
            raise Unauthorized("iat in the future")
        if nbf is not None and nbf > now + self.iat_leeway:
            raise Unauthorized("token not yet valid")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti or len(jti) > ID_MAX or "\x00" in jti:
            raise Unauthorized("missing or unusable jti")
        if not remember_jti(issuer.iss, jti, min(math.ceil(exp), INT64 - 1), int(now)):
            raise Unauthorized("replayed jti")
        return claims

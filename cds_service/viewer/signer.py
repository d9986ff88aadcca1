"""The viewer's own server-side issuer, for production: a browser page cannot hold an EHR's signing key, so the
service signs the page's feedback calls itself, with the private key named by VIEWER_KEY_FILE.

The key's public half is trusted as issuer `osteocds-viewer` by the same Authenticator that checks EHR tokens, so the
page's feedback goes through the real endpoint with a real JWT: `aud` the exact feedback URL, `exp` a minute later,
a fresh `jti` (one use). Whoever can open the viewer can therefore post feedback: enable it only where that is meant.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cds_service.auth import Issuer

VIEWER_ISSUER = "osteocds-viewer"
TOKEN_SECONDS = 60
_EC_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384"}


class ViewerKeyError(ValueError):
    """VIEWER_KEY_FILE cannot be read or holds no usable signing key."""


def _algorithm(key) -> str:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in _EC_ALGORITHMS:
        return _EC_ALGORITHMS[key.curve.name]
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 2048:
        return "RS384"
    raise ViewerKeyError("the viewer key must be EC P-256/P-384 or RSA >= 2048 bits")


class Signer:
    def __init__(self, key_file: str | Path):
        try:
            self.key = serialization.load_pem_private_key(Path(key_file).read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise ViewerKeyError(f"cannot read the viewer key {key_file}: {exc}") from None
        self.algorithm = _algorithm(self.key)
        public = json.loads(jwt.get_algorithm_by_name(self.algorithm).to_jwk(self.key.public_key()))
        self.kid = hashlib.sha256(json.dumps(public, sort_keys=True).encode()).hexdigest()[:16]
        self.jwk = {**public, "kid": self.kid, "alg": self.algorithm, "use": "sig"}

    def issuer(self) -> Issuer:
        return Issuer(iss=VIEWER_ISSUER, keys=[self.jwk])

    def token(self, audience: str) -> str:
        now = int(time.time())
        claims = {"iss": VIEWER_ISSUER, "aud": audience, "iat": now, "exp": now + TOKEN_SECONDS, "jti": str(uuid.uuid4())}
        return jwt.encode(claims, self.key, algorithm=self.algorithm, headers={"kid": self.kid})

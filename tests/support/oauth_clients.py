"""Client keys, client assertions and PKCE pairs for the token tests (real keys, real JWTs)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass(frozen=True)
class ClientKey:
    private_key: Any
    algorithm: str  # RS384 or ES384
    kid: str

    def public_jwk(self) -> dict[str, Any]:
        maker = RSAAlgorithm if self.algorithm.startswith("RS") else ECAlgorithm
        jwk: dict[str, Any] = maker.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}

    def assertion(
        self,
        client_id: str,
        audience: str,
        now_s: float,
        *,
        lifetime_s: int = 240,
        headers: dict[str, Any] | None = None,
        algorithm: str | None = None,
        **claims: Any,
    ) -> str:
        payload: dict[str, Any] = {
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": int(now_s),
            "exp": int(now_s) + lifetime_s,
            "jti": uuid.uuid4().hex,
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        header = {"kid": self.kid, "typ": "JWT", **(headers or {})}
        header = {k: v for k, v in header.items() if v is not None}
        return jwt.encode(
            payload, self.private_key, algorithm=algorithm or self.algorithm, headers=header
        )


@cache
def rsa_key(kid: str = "rsa-1") -> ClientKey:
    return ClientKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS384", kid)


@cache
def ec_key(kid: str = "ec-1") -> ClientKey:
    return ClientKey(ec.generate_private_key(ec.SECP384R1()), "ES384", kid)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_jwt(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    """A JWT built by hand: for `alg: none` and forged signatures PyJWT refuses to make."""
    head = b64url(json.dumps(header).encode())
    body = b64url(json.dumps(payload).encode())
    return f"{head}.{body}.{b64url(signature)}"

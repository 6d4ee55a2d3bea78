"""The platform's token signing key (EC P-256, ES256) and its public JWKS.

Production takes the key from `ENLACE_SIGNING_KEY` (settings.signing_key_pem). Development without
one uses a key generated once into `<var dir>/keys/signing-key.pem`; several worker processes may
start together, so the file is created atomically (a private temporary file hard-linked into place:
the first link wins and every process reads the winner).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from enlace.kernel import errors
from enlace.kernel.settings import Settings

ALGORITHM = "ES256"
DEV_KEY_FILE = Path("keys") / "signing-key.pem"


@dataclass(frozen=True)
class SigningKey:
    private_key: ec.EllipticCurvePrivateKey = field(repr=False)
    kid: str  # RFC 7638 thumbprint of the public key

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, str]:
        return {**_ec_members(self.public_key), "kid": self.kid, "use": "sig", "alg": ALGORITHM}

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [self.public_jwk()]}


def signing_key(settings: Settings) -> SigningKey:
    """The key in force for these settings (read once per process)."""
    if settings.signing_key_pem.strip():
        return _from_pem(settings.signing_key_pem)
    if settings.production:
        raise errors.error(
            500, "exception", "No token signing key: set ENLACE_SIGNING_KEY in production"
        )
    return _development_key(str(settings.var_dir / DEV_KEY_FILE))


def key_from_pem(pem: str) -> SigningKey:
    """A signing key from an EC P-256 private key in PEM, checked."""
    try:
        private = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise errors.error(
            500, "exception", f"The token signing key is not a PEM key: {exc}"
        ) from None
    if not isinstance(private, ec.EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
        raise errors.error(500, "exception", "The token signing key must be an EC P-256 key")
    return SigningKey(private, thumbprint(_ec_members(private.public_key())))


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required members, sorted, without whitespace; base64url."""
    required = {
        "EC": ("crv", "kty", "x", "y"),
        "RSA": ("e", "kty", "n"),
        "OKP": ("crv", "kty", "x"),
    }[jwk["kty"]]
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


def generate_pem() -> str:
    private = ec.generate_private_key(ec.SECP256R1())
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@lru_cache(maxsize=8)
def _from_pem(pem: str) -> SigningKey:
    return key_from_pem(pem)


@lru_cache(maxsize=8)
def _development_key(path_text: str) -> SigningKey:
    path = Path(path_text)
    if not path.exists():
        _create_atomically(path, generate_pem())
    return key_from_pem(path.read_text())


def _create_atomically(path: Path, pem: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".signing-key-")
    try:
        # mkstemp creates the file 0600; the content is complete before anyone can see it.
        with os.fdopen(descriptor, "w") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: its key is the key
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _ec_members(public: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public.public_numbers()
    size = (public.curve.key_size + 7) // 8
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url(numbers.x.to_bytes(size, "big")),
        "y": _b64url(numbers.y.to_bytes(size, "big")),
    }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

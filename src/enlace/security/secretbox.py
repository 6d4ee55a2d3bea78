"""Small authenticated encryption for secrets the server must read back (TOTP seeds).

Interim scheme, to be replaced by the data-keys work (`settings.data_keys`, key rotation): one
AES-256-GCM key derived from `settings.secret_key` with HKDF-SHA256, separated per purpose by the
HKDF `info`. Each sealed value is `v1.` + base64url(nonce ‖ ciphertext ‖ tag) and is bound, as
associated data, to a context string (e.g. `totp:<user id>`), so a ciphertext copied into another
row does not open. Changing `secret_key` makes every sealed value unreadable: the `v1` prefix lets a
replacement recognise and re-encrypt these values while the old key is still configured.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1."
NONCE_BYTES = 12


class SealedValueError(ValueError):
    """A sealed value that is malformed, was sealed with another key, or for another context."""


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose (`secretbox`, `csrf`, ...), derived from the server secret."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"enlace.security.secretbox",
        info=f"enlace/{purpose}/v1".encode(),
    )
    return hkdf.derive(secret_key.encode())


def seal(secret_key: str, plaintext: bytes, context: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(derive_key(secret_key, "secretbox")).encrypt(nonce, plaintext, context.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(secret_key: str, value: str, context: str) -> bytes:
    if not value.startswith(PREFIX):
        raise SealedValueError("not a v1 sealed value")
    body = value[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise SealedValueError("sealed value is not base64url") from None
    if len(raw) < NONCE_BYTES + 16:
        raise SealedValueError("sealed value is too short")
    aead = AESGCM(derive_key(secret_key, "secretbox"))
    try:
        return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
    except InvalidTag:
        raise SealedValueError("sealed value does not open with this key and context") from None


def mac(secret_key: str, purpose: str, message: str) -> str:
    """HMAC-SHA256 of `message` under the purpose's derived key, as hex."""
    key = derive_key(secret_key, purpose)
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()

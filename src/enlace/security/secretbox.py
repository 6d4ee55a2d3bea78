"""Small authenticated encryption for secrets the server must read back (TOTP seeds).

`seal_secret`/`open_secret` are what callers use. With data keys (`ENLACE_DATA_KEYS`) a value is
`v2.` + base64url(key id ‖ nonce ‖ ciphertext ‖ tag), AES-256-GCM under the newest data key's
`secretbox` key (kernel/datakeys.py), so it rotates with the data keys (`enlace keys rotate`).
Without data keys (development) it is `v1.` + base64url(nonce ‖ ciphertext ‖ tag), under a key
derived with HKDF-SHA256 from `settings.secret_key`; `open_secret` reads both, and rotation
re-seals v1 values as v2 while the secret key is unchanged. Either way a value is bound, as
associated data, to a context string (e.g. `totp:<user id>`), so a ciphertext copied into another
row does not open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from enlace.kernel.datakeys import KEY_ID_BYTES, parse_data_keys
from enlace.kernel.settings import Settings

log = logging.getLogger(__name__)

PREFIX = "v1."
PREFIX_V2 = "v2."
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


def seal_secret(settings: Settings, plaintext: bytes, context: str) -> str:
    """Sealed under the newest data key (v2), or under the secret key without data keys (v1)."""
    keys = parse_data_keys(settings.data_keys)
    if not keys:
        return seal(settings.secret_key, plaintext, context)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(keys[0].derive("secretbox")).encrypt(nonce, plaintext, context.encode())
    return PREFIX_V2 + _encode(keys[0].id + nonce + sealed)


def open_secret(settings: Settings, value: str, context: str) -> bytes:
    if value.startswith(PREFIX):
        return unseal(settings.secret_key, value, context)
    if not value.startswith(PREFIX_V2):
        raise SealedValueError("not a sealed value")
    raw = _decode(value[len(PREFIX_V2) :])
    key_id, body = raw[:KEY_ID_BYTES], raw[KEY_ID_BYTES:]
    key = next((k for k in parse_data_keys(settings.data_keys) if k.id == key_id), None)
    if key is None:
        log.error("a sealed secret needs data key %s, which is not configured", key_id.hex())
        raise SealedValueError(f"sealed with data key {key_id.hex()}, not in ENLACE_DATA_KEYS")
    if len(body) < NONCE_BYTES + 16:
        raise SealedValueError("sealed value is too short")
    try:
        aead = AESGCM(key.derive("secretbox"))
        return aead.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], context.encode())
    except InvalidTag:
        raise SealedValueError("sealed value does not open with this key and context") from None


def is_current(settings: Settings, value: str) -> bool:
    """Sealed the way `seal_secret` would seal it now: nothing for rotation to do."""
    keys = parse_data_keys(settings.data_keys)
    if not keys:
        return value.startswith(PREFIX)
    return key_id_of(value) == keys[0].hex_id


def key_id_of(value: str) -> str | None:
    """The hex id of the data key that sealed a v2 value; None for v1."""
    if not value.startswith(PREFIX_V2):
        return None
    return _decode(value[len(PREFIX_V2) :])[:KEY_ID_BYTES].hex()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(body: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        raise SealedValueError("sealed value is not base64url") from None

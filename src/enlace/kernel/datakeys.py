"""Data encryption keys (`ENLACE_DATA_KEYS`): parsing, key ids, per-purpose derivation.

The setting lists base64 keys (standard or URL-safe alphabet, padding optional) of at least 32
random bytes, newest first: writes use the first, reads accept any. A key is never used as it is:
each purpose (stored resources, TOTP secrets, ...) gets its own 256-bit key derived with
HKDF-SHA256, so one ciphertext can never be opened as another's. A key is named by its id, the
first 8 bytes of SHA-256 over a fixed label and the key, printed in hex in errors and reports:
it tells keys apart without revealing anything that would help recover one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from enlace.kernel import errors

MIN_KEY_BYTES = 32
KEY_ID_BYTES = 8
_ID_LABEL = b"enlace data key id\x00"


@dataclass(frozen=True)
class DataKey:
    material: bytes = field(repr=False)

    @property
    def id(self) -> bytes:
        return hashlib.sha256(_ID_LABEL + self.material).digest()[:KEY_ID_BYTES]

    @property
    def hex_id(self) -> str:
        return self.id.hex()

    def derive(self, purpose: str) -> bytes:
        """The 32-byte key of one purpose (`content`, `secretbox`, ...)."""
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=b"enlace.kernel.datakeys",
            info=f"enlace/{purpose}/v1".encode(),
        )
        return hkdf.derive(self.material)


def parse_data_keys(setting: str) -> tuple[DataKey, ...]:
    """The keys of an `ENLACE_DATA_KEYS` value, newest first; ValueError naming the bad one."""
    keys: list[DataKey] = []
    for position, text in enumerate((t.strip() for t in setting.split(",")), start=1):
        if not text:
            continue
        try:  # the standard and the URL-safe alphabet alike; a key never appears in messages
            raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"ENLACE_DATA_KEYS key {position} is not base64") from None
        if len(raw) < MIN_KEY_BYTES:
            raise ValueError(
                f"ENLACE_DATA_KEYS key {position} has {len(raw)} bytes; "
                f"at least {MIN_KEY_BYTES} are needed (enlace keys generate)"
            )
        keys.append(DataKey(raw))
    ids = [k.id for k in keys]
    if len(set(ids)) != len(ids):
        raise ValueError("ENLACE_DATA_KEYS lists the same key twice")
    return tuple(keys)


def generate_key() -> str:
    """A new random key as ENLACE_DATA_KEYS expects it (32 bytes, base64)."""
    return base64.b64encode(os.urandom(MIN_KEY_BYTES)).decode()


class MissingDataKey(errors.FhirError):
    """Stored data sealed with a key that is not configured: the operator must put it back
    (it was removed before `enlace keys rotate` finished, or the setting is wrong)."""

    def __init__(self, key_id: str, what: str) -> None:
        super().__init__(
            503,
            [
                errors.Issue(
                    "exception",
                    f"{what} is sealed with data key {key_id}, which is not in ENLACE_DATA_KEYS; "
                    "add that key back (newest first) and retry",
                )
            ],
        )
        self.key_id = key_id


class SealBroken(errors.FhirError):
    """Stored data that does not authenticate: altered in the database, or copied there from
    another row. Never served as it is."""

    def __init__(self, what: str, key_id: str) -> None:
        super().__init__(
            500,
            [
                errors.Issue(
                    "exception",
                    f"{what} does not authenticate under data key {key_id}: it was altered, "
                    "or copied from another row",
                )
            ],
        )

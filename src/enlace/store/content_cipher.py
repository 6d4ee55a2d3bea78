"""Resource JSON sealed at rest (AES-256-GCM) under the data keys (`ENLACE_DATA_KEYS`).

`resources.content` and `resource_history.content` hold the exact bytes served. With data keys
configured they are sealed whole, so names, CURPs, phones and addresses are protected wherever
they appear in a resource (contained resources, reference displays, extensions, narrative):

    b"\\x00E1" ‖ key id (8 bytes) ‖ nonce (12 bytes) ‖ AES-256-GCM(JSON) ‖ tag (16 bytes)

The marker starts with a NUL byte, which JSON can never start with, so plain JSON rows (written
before keys were configured) stay readable and are sealed later by `enlace keys rotate`. The
associated data is `Type/id/version`: a sealed row copied to another resource, or an older
version of the same resource copied over the current one, does not open.

How readers find the cipher: it is bound to the database's engines as an execution option
(`bind`, called once by bootstrap) and every connection carries it (`of(conn)`). Readers in the
search engine, includes, compartments, exports and other engineers' modules receive only a
Connection from their callers, so this is the one way each of them reaches the same cipher
without new parameters through every call chain; and unlike a process-wide instance it belongs
to one database, so two stores in one process (tests, a copy job) keep their own keys.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection

from enlace.kernel.datakeys import (
    KEY_ID_BYTES,
    DataKey,
    MissingDataKey,
    SealBroken,
    parse_data_keys,
)
from enlace.store.database import Database

log = logging.getLogger(__name__)

MARKER = b"\x00E1"
HEADER_BYTES = len(MARKER) + KEY_ID_BYTES  # what tells which key sealed a row
NONCE_BYTES = 12
TAG_BYTES = 16
PURPOSE = "content"
_OPTION = "enlace_content_cipher"


class ContentCipher:
    """Seals with the newest key, opens with any listed key; without keys, a pass-through that
    still refuses (503, naming the key) sealed rows it cannot open."""

    def __init__(self, keys: Sequence[DataKey] = ()) -> None:
        self.keys = tuple(keys)
        self._aeads = {key.id: AESGCM(key.derive(PURPOSE)) for key in self.keys}
        newest = self.keys[0] if self.keys else None
        self._seal_with = self._aeads[newest.id] if newest else None
        self.prefix = MARKER + newest.id if newest else b""  # the head of a current row

    @classmethod
    def from_setting(cls, setting: str) -> ContentCipher:
        return cls(parse_data_keys(setting))

    @property
    def enabled(self) -> bool:
        return self._seal_with is not None

    @property
    def key_ids(self) -> list[str]:
        return [key.hex_id for key in self.keys]

    def seal(self, resource_type: str, resource_id: str, version_id: int, body: bytes) -> bytes:
        if self._seal_with is None:
            return body
        nonce = os.urandom(NONCE_BYTES)
        aad = _aad(resource_type, resource_id, version_id)
        return self.prefix + nonce + self._seal_with.encrypt(nonce, body, aad)

    def open(self, resource_type: str, resource_id: str, version_id: int, stored: bytes) -> bytes:
        if not stored.startswith(MARKER):
            return stored  # plain JSON, written before keys were configured
        key_id = stored[len(MARKER) : HEADER_BYTES]
        aead = self._aeads.get(key_id)
        what = f"{resource_type}/{resource_id} version {version_id}"
        if aead is None:
            log.error("stored content sealed with a key that is not configured: %s", key_id.hex())
            raise MissingDataKey(key_id.hex(), what)
        nonce = stored[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES]
        try:
            return aead.decrypt(
                nonce,
                stored[HEADER_BYTES + NONCE_BYTES :],
                _aad(resource_type, resource_id, version_id),
            )
        except (InvalidTag, ValueError):  # ValueError: too short to hold a tag
            log.error("stored content of %s does not authenticate", what)
            raise SealBroken(what, key_id.hex()) from None

    def is_current(self, stored: bytes) -> bool:
        """Sealed with the newest key (or, without keys, plain): nothing for rotation to do."""
        if not self.enabled:
            return not stored.startswith(MARKER)
        return stored.startswith(self.prefix)


def key_id_of(stored: bytes) -> str | None:
    """The hex id of the key that sealed a row; None for plain JSON."""
    if not stored.startswith(MARKER):
        return None
    return stored[len(MARKER) : HEADER_BYTES].hex()


def _aad(resource_type: str, resource_id: str, version_id: int) -> bytes:
    return f"{resource_type}/{resource_id}/{version_id}".encode()


UNKEYED = ContentCipher()


def bind(db: Database, cipher: ContentCipher) -> None:
    """Make every connection of `db` (read and write engines) carry `cipher`."""
    for engine in {id(e): e for e in (db.write_engine, db.read_engine)}.values():
        engine.update_execution_options(**{_OPTION: cipher})


def of(conn: Connection) -> ContentCipher:
    """The cipher of the database `conn` belongs to (pass-through when none was bound)."""
    cipher: ContentCipher = conn.get_execution_options().get(_OPTION, UNKEYED)
    return cipher

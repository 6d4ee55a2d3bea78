"""Use cases of the public log: signed checkpoints at a cadence, tiles, entry bundles, proofs.

Everything served is bounded by the latest checkpoint: a tile or proof past its size is refused,
so what a client sees always belongs to a tree head the log has signed. Checkpoints are issued
lazily, when one is asked for and the latest is older than the cadence while the tree grew; every
worker process may issue, and two issuing the same size write the same note (Ed25519 signatures
are deterministic), so the insert of the second is simply skipped.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection

from enlace.kernel.settings import Settings
from enlace.modules.trace.checkpoint import Checkpoint, sign_checkpoint
from enlace.modules.trace.errors import NoteError, TraceError
from enlace.modules.trace.log_store import StoredNodeReader, read_entries, stored_size
from enlace.modules.trace.merkle import consistency_proof, inclusion_proof, root_hash
from enlace.modules.trace.note import Signer, parse_signer
from enlace.modules.trace.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    check_tile_exists,
    encode_bundle,
    parse_tile_path,
)
from enlace.store.database import Database

DEV_KEY_NAME = "enlace.localhost/log"


class LogRequestError(TraceError):
    """A request the log cannot answer: `parameter` names the culprit, `missing` means 404."""

    def __init__(self, code: str, message: str, parameter: str, missing: bool = False) -> None:
        super().__init__(code, message)
        self.parameter = parameter
        self.missing = missing


@dataclass(frozen=True)
class LogPublisher:
    signer: Signer
    origin: str
    cadence_us: int

    @property
    def verifier_key(self) -> str:
        return self.signer.verifier.vkey


@dataclass(frozen=True)
class StoredCheckpoint:
    size: int
    note: str
    issued_at_us: int


def log_publisher(settings: Settings) -> LogPublisher:
    """The signer, origin and cadence these settings configure (a bad key raises NoteError)."""
    return _publisher(
        settings.log_signing_key,
        settings.log_origin,
        round(settings.log_checkpoint_seconds * 1_000_000),
        settings.secret_key if not settings.production else "",
    )


@lru_cache(maxsize=8)
def _publisher(skey: str, origin: str, cadence_us: int, dev_secret: str) -> LogPublisher:
    if skey:
        signer = parse_signer(skey)
    elif dev_secret:
        signer = development_signer(dev_secret)
    else:
        raise NoteError("no-signing-key", "no log signing key: set ENLACE_LOG_SIGNING_KEY")
    return LogPublisher(signer, origin or signer.name, max(0, cadence_us))


def development_signer(secret: str) -> Signer:
    """A key derived from the development secret: stable across processes and restarts, so
    every worker signs alike and saved checkpoints keep verifying; never used in production."""
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"enlace.modules.trace", info=b"log-signing/v1"
    ).derive(secret.encode())
    return Signer(DEV_KEY_NAME, Ed25519PrivateKey.from_private_bytes(seed))


def latest_checkpoint(conn: Connection) -> StoredCheckpoint | None:
    row = conn.exec_driver_sql(
        "SELECT size, note, issued_at_us FROM trace_checkpoints ORDER BY size DESC LIMIT 1"
    ).first()
    return None if row is None else StoredCheckpoint(int(row[0]), str(row[1]), int(row[2]))


def issue_checkpoint(conn: Connection, publisher: LogPublisher, now_us: int) -> StoredCheckpoint:
    """Sign and store the current tree head if the tree grew past the latest checkpoint (or
    there is none yet); the latest checkpoint either way."""
    latest = latest_checkpoint(conn)
    size = stored_size(conn)
    if latest is not None and latest.size >= size:
        return latest
    root = root_hash(StoredNodeReader(conn), size)
    note = sign_checkpoint(Checkpoint(publisher.origin, size, root), [publisher.signer])
    conn.exec_driver_sql(
        _INSERT_CHECKPOINT[conn.dialect.name == "postgresql"], (size, note, now_us)
    )
    return StoredCheckpoint(size, note, now_us)


_INSERT_CHECKPOINT = {
    dialect_is_pg: f"INSERT INTO trace_checkpoints (size, note, issued_at_us) VALUES ({p}, {p}, {p})"
    " ON CONFLICT (size) DO NOTHING"
    for dialect_is_pg, p in ((True, "%s"), (False, "?"))
}


def current_checkpoint(db: Database, publisher: LogPublisher, now_us: int) -> StoredCheckpoint:
    """The checkpoint to serve: the latest, or a new one once the cadence has passed and the
    tree grew (so a growing log's checkpoint is never older than the cadence)."""
    with db.read() as conn:
        latest = latest_checkpoint(conn)
        fresh = latest is not None and now_us - latest.issued_at_us < publisher.cadence_us
        if latest is not None and (fresh or stored_size(conn) == latest.size):
            return latest
    with db.begin() as conn:
        return issue_checkpoint(conn, publisher, now_us)


def _published_size(conn: Connection) -> int:
    latest = latest_checkpoint(conn)
    return 0 if latest is None else latest.size


@dataclass(frozen=True)
class TileAnswer:
    content: bytes
    immutable: bool  # a full tile never changes; a partial one is superseded as the log grows


def read_tile(db: Database, path: str) -> TileAnswer:
    """A hash tile or entry bundle by its C2SP path (`tile/...`), within the latest checkpoint."""
    try:
        tile = parse_tile_path(path)
    except TraceError as exc:
        raise LogRequestError(exc.code, exc.message, "path") from None
    with db.read() as conn:
        try:
            check_tile_exists(tile, _published_size(conn))
        except TraceError as exc:
            raise LogRequestError(exc.code, exc.message, "path", missing=True) from None
        first = tile.index * TILE_WIDTH
        if tile.entries:
            content = encode_bundle(read_entries(conn, first, tile.width))
        else:
            level = tile.level * TILE_HEIGHT
            content = b"".join(StoredNodeReader(conn).level_range(level, first, tile.width))
    return TileAnswer(content, not tile.is_partial)


def inclusion(db: Database, index: int, size: int) -> dict[str, object]:
    """The inclusion proof of leaf `index` in the tree of `size` leaves (base64 hashes)."""
    with db.read() as conn:
        _check_size(size, _published_size(conn), "size")
        if not 0 <= index < size:
            raise LogRequestError(
                "index-out-of-range", f"leaf {index} is not in a tree of size {size}", "index"
            )
        proof = inclusion_proof(StoredNodeReader(conn), index, size)
    return {"index": index, "size": size, "hashes": _base64(proof)}


def consistency(db: Database, old: int, new: int) -> dict[str, object]:
    """The consistency proof from the tree of `old` leaves to the tree of `new` leaves."""
    with db.read() as conn:
        _check_size(new, _published_size(conn), "new")
        if old < 1:
            raise LogRequestError("sizes-out-of-range", "old must be at least 1", "old")
        if old > new:
            raise LogRequestError("sizes-out-of-range", f"old ({old}) is above new ({new})", "old")
        proof = consistency_proof(StoredNodeReader(conn), old, new) if old < new else []
    return {"old": old, "new": new, "hashes": _base64(proof)}


def _check_size(size: int, published: int, parameter: str) -> None:
    if size > published:
        raise LogRequestError(
            "size-beyond-checkpoint",
            f"{parameter} ({size}) is past the latest checkpoint (size {published})",
            parameter,
        )


def _base64(hashes_: list[bytes]) -> list[str]:
    return [base64.b64encode(value).decode() for value in hashes_]

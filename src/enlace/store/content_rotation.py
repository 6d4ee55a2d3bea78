"""Re-seal stored resources under the newest data key (`enlace keys rotate`), and tell which key
seals how many rows (`enlace keys status`).

Safe while servers write: each batch is its own short transaction, and a current row is replaced
only if it still holds the version that was read (compare-and-swap), so a version written
meanwhile (sealed by its writer) is never overwritten with older content. History rows never
change after they are written, except here. Resumable: only rows not yet under the newest key
are selected, in primary-key order (keyset pages), so a run that stops is simply run again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, LargeBinary, case, func, literal, select, tuple_, update
from sqlalchemy.sql.elements import ColumnElement

from enlace.store.content_cipher import HEADER_BYTES, MARKER, ContentCipher
from enlace.store.database import Database
from enlace.store.schema import resource_history, resources

TABLES = ("resources", "resource_history")
PLAIN = "plain"  # rows written before data keys were configured


@dataclass
class TableProgress:
    table: str
    pending: int  # rows not under the newest key when the run started
    resealed: int = 0
    raced: int = 0  # rows a writer replaced first (already under the newest key)
    done: bool = False


Progress = Callable[[TableProgress], None]


def key_usage(conn: Connection) -> dict[str, dict[str, int]]:
    """Per table, how many rows each key id (hex) seals, and how many are plain JSON."""
    usage: dict[str, dict[str, int]] = {}
    for name in TABLES:
        content = _table(name).c.content
        key = case(
            (
                func.substr(content, 1, len(MARKER)) == literal(MARKER, LargeBinary),
                func.substr(content, len(MARKER) + 1, HEADER_BYTES - len(MARKER)),
            ),
            else_=None,
        ).label("key")
        rows = conn.execute(
            select(key, func.count()).where(content.is_not(None)).group_by(key)
        ).all()
        usage[name] = {(bytes(k).hex() if k is not None else PLAIN): int(n) for k, n in rows}
    return usage


def rotate(
    db: Database, cipher: ContentCipher, batch_size: int = 500, progress: Progress | None = None
) -> list[TableProgress]:
    """Re-seal every row of both tables that is plain or under an older key."""
    if not cipher.enabled:
        raise ValueError("no data keys: set ENLACE_DATA_KEYS (newest first) to rotate to")
    report = []
    for name in TABLES:
        with db.read() as conn:
            state = TableProgress(name, _pending_count(conn, name, cipher))
        after: tuple[Any, ...] | None = None
        while True:
            with db.begin() as conn:
                resealed, raced, after = _reseal_batch(conn, name, cipher, after, batch_size)
            state.resealed += resealed
            state.raced += raced
            if after is None:
                break
            if progress is not None:
                progress(state)
        state.done = True
        if progress is not None:
            progress(state)
        report.append(state)
    return report


def _reseal_batch(
    conn: Connection,
    name: str,
    cipher: ContentCipher,
    after: tuple[Any, ...] | None,
    size: int,
) -> tuple[int, int, tuple[Any, ...] | None]:
    """(re-sealed, lost to a writer, the last key examined or None at the end)."""
    table = _table(name)
    keys = _key_columns(name)
    c = table.c
    query = select(*keys, c.resource_type, c.id, c.version_id, c.content).where(
        _stale(name, cipher)
    )
    if after is not None:
        query = query.where(tuple_(*keys) > tuple_(*after))
    rows = conn.execute(query.order_by(*keys).limit(size)).all()
    resealed = raced = 0
    width = len(keys)
    for row in rows:
        resource_type, resource_id, version_id, stored = row[width:]
        body = cipher.open(resource_type, resource_id, version_id, bytes(stored))
        sealed = cipher.seal(resource_type, resource_id, version_id, body)
        match = [k == v for k, v in zip(keys, row[:width], strict=True)]
        swap = update(table).where(*match, c.version_id == version_id).values(content=sealed)
        if conn.execute(swap).rowcount == 1:
            resealed += 1
        else:
            raced += 1
    last = tuple(rows[-1][:width]) if len(rows) == size else None
    return resealed, raced, last


def _pending_count(conn: Connection, name: str, cipher: ContentCipher) -> int:
    query = select(func.count()).select_from(_table(name)).where(_stale(name, cipher))
    return int(conn.execute(query).scalar_one())


def _stale(name: str, cipher: ContentCipher) -> ColumnElement[bool]:
    """Rows whose content is not under the newest key (tombstones have none)."""
    content = _table(name).c.content
    head = func.substr(content, 1, HEADER_BYTES)
    return content.is_not(None) & (head != literal(cipher.prefix, LargeBinary))


def _table(name: str) -> Any:
    return resources if name == "resources" else resource_history


def _key_columns(name: str) -> Sequence[Any]:
    if name == "resources":
        return (resources.c.resource_type, resources.c.id)
    return (resource_history.c.seq,)

"""The transparency log in the database: append in the caller's transaction, read nodes for proofs.

`append_entries` is called inside the transaction that accepts what the entries record (an EPCIS
event, a dispense), so the record and its leaf commit together or not at all. Appends are
serialized across processes: on PostgreSQL by a transaction-scoped advisory lock, on SQLite by
the write transaction itself (BEGIN IMMEDIATE, `store/database.py`). The appender's `Frontier` is
kept per process and reused while the stored tree is the one it was built from; it is installed
only when the caller's transaction commits, so a rolled-back batch never leaves a stale frontier.

Rows are only ever inserted: entries, and each complete subtree's hash (docs/trace.md, "Storage").
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, Engine, event

from enlace.modules.trace.errors import ProofError, TileError
from enlace.modules.trace.frontier import Frontier
from enlace.modules.trace.merkle import NodeId, leaf_hash
from enlace.modules.trace.tiles import MAX_ENTRY_SIZE
from enlace.store.sql import copy_tuples

# pg_advisory_xact_lock key: "enlacelg" as a signed 64-bit integer (any constant will do, but it
# must not collide with another lock of this database).
APPEND_LOCK_KEY = int.from_bytes(b"enlacelg", "big", signed=True)
ENTRY_COLUMNS = ("idx", "entry")
NODE_COLUMNS = ("level", "idx", "hash")


@dataclass(frozen=True)
class _Tip:
    """What the stored tree is: its size and last leaf hash (a cheap check that a cached
    frontier still describes it)."""

    size: int
    last_leaf: bytes | None


_frontiers: dict[str, tuple[_Tip, Frontier]] = {}
_frontiers_lock = threading.Lock()


def _is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def check_entries(entries: Sequence[bytes]) -> None:
    for position, entry in enumerate(entries):
        if not isinstance(entry, bytes):
            raise TileError("bad-entry", f"entry {position} is not bytes")
        if len(entry) > MAX_ENTRY_SIZE:
            raise TileError(
                "entry-too-large",
                f"entry {position} has {len(entry)} bytes; a log entry has at most {MAX_ENTRY_SIZE}",
            )


def append_entries(conn: Connection, entries: Sequence[bytes]) -> list[int]:
    """Append `entries` as leaves in the caller's (write) transaction; their leaf indexes.

    Nothing is visible to readers, nor kept in this process, until the caller commits.
    """
    check_entries(entries)
    if not entries:
        return []
    if _is_postgres(conn):
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (APPEND_LOCK_KEY,))
    tip = stored_tip(conn)
    frontier = _frontier_for(conn, tip)
    start = tip.size
    leaves = [leaf_hash(entry) for entry in entries]
    nodes = frontier.extend(leaves)
    copy_tuples(conn, "trace_log_entries", ENTRY_COLUMNS, list(enumerate(entries, start)))
    copy_tuples(conn, "trace_log_nodes", NODE_COLUMNS, nodes)
    _keep_after_commit(conn, _Tip(frontier.size, leaves[-1]), frontier)
    return list(range(start, frontier.size))


def stored_tip(conn: Connection) -> _Tip:
    row = conn.exec_driver_sql(
        "SELECT idx, hash FROM trace_log_nodes WHERE level = 0 ORDER BY idx DESC LIMIT 1"
    ).first()
    if row is None:
        return _Tip(0, None)
    return _Tip(int(row[0]) + 1, bytes(row[1]))


def stored_size(conn: Connection) -> int:
    return stored_tip(conn).size


def _cache_key(conn: Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=True)


def _frontier_for(conn: Connection, tip: _Tip) -> Frontier:
    with _frontiers_lock:
        cached = _frontiers.get(_cache_key(conn))
    if cached is not None and cached[0] == tip:
        frontier = cached[1]
        return Frontier(frontier.size, list(frontier.hashes))  # the cached one stays untouched
    return Frontier.load(StoredNodeReader(conn), tip.size)


def _keep_after_commit(conn: Connection, tip: _Tip, frontier: Frontier) -> None:
    """Install the extended frontier when (and only if) this connection's transaction commits."""
    engine = conn.engine
    with _frontiers_lock:
        if engine not in _watched:
            event.listen(engine, "commit", _committed)
            event.listen(engine, "rollback", _rolled_back)
            _watched.add(engine)
        _pending[conn] = (_cache_key(conn), tip, frontier)


# Keyed by the Connection object, which lives for one checkout: a pending frontier is dropped
# with it, so a transaction ended by the pool (no commit event) never installs one.
_pending: weakref.WeakKeyDictionary[Connection, tuple[str, _Tip, Frontier]] = (
    weakref.WeakKeyDictionary()
)
_watched: weakref.WeakSet[Engine] = weakref.WeakSet()


def _committed(conn: Connection) -> None:
    with _frontiers_lock:
        pending = _pending.pop(conn, None)
        if pending is not None:
            _frontiers[pending[0]] = (pending[1], pending[2])


def _rolled_back(conn: Connection) -> None:
    with _frontiers_lock:
        _pending.pop(conn, None)


def forget_frontiers() -> None:
    """Drop every cached frontier (tests that rewrite the tables underneath)."""
    with _frontiers_lock:
        _frontiers.clear()
        _pending.clear()


class StoredNodeReader:
    """`NodeReader` over `trace_log_nodes`: any set of nodes in one query."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        if not ids:
            return []
        wanted = list(dict.fromkeys(ids))
        if _is_postgres(self.conn):
            levels, indexes = zip(*wanted, strict=True)
            rows = self.conn.exec_driver_sql(_PG_NODES, (list(levels), list(indexes)))
        else:
            params = tuple(value for node in wanted for value in node)
            rows = self.conn.exec_driver_sql(_sqlite_nodes(len(wanted)), params)
        found = {(int(level), int(index)): _blob(value, "node") for level, index, value in rows}
        try:
            return [found[node] for node in ids]
        except KeyError as missing:
            raise ProofError("node-missing", f"node {missing.args[0]} is not in the log") from None

    def level_range(self, level: int, start: int, count: int) -> list[bytes]:
        """The hashes at `level`, indexes start ... start+count-1 (a tile), or ProofError."""
        rows = self.conn.exec_driver_sql(
            _RANGE[_is_postgres(self.conn)], (level, start, start + count)
        ).all()
        if len(rows) != count or any(int(r[0]) != start + i for i, r in enumerate(rows)):
            present = {int(r[0]) for r in rows}
            gap = next(i for i in range(start, start + count) if i not in present)
            raise ProofError("node-missing", f"node ({level}, {gap}) is not in the log")
        return [_blob(r[1], f"node ({level}, {r[0]})") for r in rows]


def _blob(value: object, what: str) -> bytes:
    """A stored hash or entry; a value of another type was written by someone else (tampering)."""
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    raise ProofError("corrupt", f"{what} is not stored as bytes")


# One statement whatever the number of ids, so PostgreSQL plans it once per connection.
_PG_NODES = (
    "SELECT n.level, n.idx, n.hash FROM trace_log_nodes n"
    " JOIN unnest(%s::smallint[], %s::bigint[]) AS w(level, idx)"
    " ON n.level = w.level AND n.idx = w.idx"
)
_RANGE = {
    True: "SELECT idx, hash FROM trace_log_nodes WHERE level = %s AND idx >= %s AND idx < %s"
    " ORDER BY idx",
    False: "SELECT idx, hash FROM trace_log_nodes WHERE level = ? AND idx >= ? AND idx < ?"
    " ORDER BY idx",
}


@lru_cache(maxsize=128)
def _sqlite_nodes(count: int) -> str:
    # CROSS JOIN keeps the few wanted ids as the outer loop, one primary-key probe each;
    # `(level, idx) IN (VALUES ...)` scanned the whole table instead (60 ms at 300,000 leaves).
    values = ", ".join(["(?, ?)"] * count)
    return (
        f"WITH w(level, idx) AS (VALUES {values}) SELECT n.level, n.idx, n.hash"
        " FROM w CROSS JOIN trace_log_nodes n ON n.level = w.level AND n.idx = w.idx"
    )


def read_entries(conn: Connection, start: int, count: int) -> list[bytes]:
    """Entries start ... start+count-1 (an entry bundle), or ProofError naming a missing one."""
    placeholder = "%s" if _is_postgres(conn) else "?"
    rows = conn.exec_driver_sql(
        f"SELECT idx, entry FROM trace_log_entries WHERE idx >= {placeholder}"
        f" AND idx < {placeholder} ORDER BY idx",
        (start, start + count),
    ).all()
    if len(rows) != count or any(int(r[0]) != start + i for i, r in enumerate(rows)):
        present = {int(r[0]) for r in rows}
        gap = next(i for i in range(start, start + count) if i not in present)
        raise ProofError("entry-missing", f"entry {gap} is not in the log")
    return [_blob(r[1], f"entry {r[0]}") for r in rows]

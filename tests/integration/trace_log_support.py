"""Shared helpers for the transparency log tests: empty log tables, entries, a full node dump."""

from __future__ import annotations

from enlace.interactions.context import Services
from enlace.modules.trace.log_store import append_entries, forget_frontiers
from enlace.modules.trace.memory import MemoryLog
from enlace.store.database import Database

LOG_TABLES = ("trace_log_entries", "trace_log_nodes", "trace_checkpoints")


def empty_log(services: Services) -> None:
    """The PostgreSQL test database is shared by the session: start each test on an empty log."""
    with services.db.begin() as conn:
        for table in LOG_TABLES:
            conn.exec_driver_sql(f"DELETE FROM {table}")
    forget_frontiers()


def entries(start: int, count: int, tag: str = "e") -> list[bytes]:
    return [f"{tag}-{i:08d}".encode() for i in range(start, start + count)]


def append_batches(db: Database, batches: list[list[bytes]]) -> list[int]:
    indexes: list[int] = []
    for batch in batches:
        with db.begin() as conn:
            indexes += append_entries(conn, batch)
    return indexes


def stored_nodes(db: Database) -> dict[tuple[int, int], bytes]:
    with db.read() as conn:
        rows = conn.exec_driver_sql("SELECT level, idx, hash FROM trace_log_nodes").all()
    return {(int(level), int(index)): bytes(value) for level, index, value in rows}


def memory_nodes(log: MemoryLog) -> dict[tuple[int, int], bytes]:
    return {
        (level, index): value
        for level, hashes in enumerate(log.levels)
        for index, value in enumerate(hashes)
    }

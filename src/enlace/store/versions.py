"""Row-level steps shared by single writes (repository) and bulk loads (bulk)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.store import sql
from enlace.store.records import StoredVersion


class ConcurrentWrite(errors.FhirError):
    """Another transaction changed the resource between our read and our write."""

    def __init__(self, diagnostics: str) -> None:
        super().__init__(412, [errors.Issue("conflict", diagnostics)])


class ConcurrentCreate(ConcurrentWrite):
    """Another transaction created the same client-chosen id first."""

    def __init__(self, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status = 409


def current_state(
    conn: Connection, resource_type: str, resource_id: str
) -> tuple[int, str, bool] | None:
    """(version, content hash, deleted) of the current version, if any."""
    row = sql.first(conn, "state", {"t": resource_type, "id": resource_id})
    return (row[0], row[1], bool(row[2])) if row else None


def swap_current(
    conn: Connection,
    resource_type: str,
    resource_id: str,
    expected: int,
    new_version: int,
    now_us: int,
    digest: str,
    body: bytes | None,
) -> None:
    """Replace the current row only if it is still at `expected`: the optimistic lock."""
    params = {
        "t": resource_type,
        "id": resource_id,
        "expected": expected,
        "new_version": new_version,
        "now": now_us,
        "deleted": body is None,
        "hash": digest,
        "content": body,
    }
    if sql.run(conn, "swap_current", params).rowcount != 1:
        raise ConcurrentWrite(
            f"{resource_type}/{resource_id} changed concurrently; version {expected} is stale"
        )


def clear_index(conn: Connection, resource_type: str, resource_id: str) -> None:
    params = {"t": resource_type, "id": resource_id}
    sql.run(conn, "clear_tokens", params)
    sql.run(conn, "clear_references", params)


def history_row(version: StoredVersion) -> dict[str, Any]:
    return {
        "resource_type": version.resource_type,
        "id": version.id,
        "version_id": version.version_id,
        "last_updated_us": version.last_updated_us,
        "method": version.method,
        "deleted": version.deleted,
        "content": version.content,
    }


def serialize_on(conn: Connection, key: str) -> None:
    """Make transactions that use the same key (e.g. conditional-create criteria) run one at a
    time, so two of them cannot both find nothing and both create. SQLite writers are already
    serialized by BEGIN IMMEDIATE; PostgreSQL takes a transaction-scoped advisory lock."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%(key)s))", {"key": key})

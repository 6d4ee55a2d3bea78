"""Row-level steps shared by single writes (repository) and bulk loads (bulk)."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Connection

from enlace.kernel import errors, tracing
from enlace.store import sql


class ConcurrentWrite(errors.FhirError):
    """Another transaction changed the resource between our read and our write."""

    def __init__(self, diagnostics: str) -> None:
        super().__init__(412, [errors.Issue("conflict", diagnostics)])


class ConcurrentCreate(ConcurrentWrite):
    """Another transaction created the same client-chosen id first."""

    def __init__(self, diagnostics: str) -> None:
        super().__init__(diagnostics)
        self.status = 409


class CurrentState(NamedTuple):
    version: int
    content_hash: str
    deleted: bool
    last_updated_us: int
    patient_key: str


def current_state(conn: Connection, resource_type: str, resource_id: str) -> CurrentState | None:
    """The current version's number, content hash, tombstone flag, time and patient key."""
    row = sql.first(conn, "state", {"t": resource_type, "id": resource_id})
    return CurrentState(row[0], row[1], bool(row[2]), int(row[3]), row[4]) if row else None


def insert_version(conn: Connection, row: dict[str, Any], method: str) -> None:
    """The first version of a resource: its current row and its history row (with the writer's
    trace context: resource_history is the relay's outbox, kernel/tracing.py). `row` carries
    every column of `resources`, the patient key included."""
    history = {**row, "method": method, "trace_context": tracing.traceparent()}
    if sql.is_postgres(conn):
        sql.run(conn, "insert_version", history)
        return
    sql.run(conn, "insert_current", row)
    sql.run(conn, "insert_history", history)


def swap_current(
    conn: Connection,
    resource_type: str,
    resource_id: str,
    expected: int,
    new_version: int,
    now_us: int,
    digest: str,
    body: bytes | None,
    patient_key: str,
    method: str | None = None,
    current_key: str | None = None,
) -> None:
    """Replace the current row only if it is still at `expected`: the optimistic lock.

    With `method`, the new version's history row is written too (one statement on PostgreSQL).
    `patient_key` is the new version's (a delete keeps the current one). When it differs from
    `current_key` (an update moved the subject to another patient) the row is deleted and
    inserted rather than updated: Citus cannot update a distribution column in place, and the
    row belongs on the other patient's shard (docs/scale.md §1).
    """
    if current_key is not None and current_key != patient_key:
        _delete_current(conn, resource_type, resource_id, expected)
        row = {
            "resource_type": resource_type,
            "id": resource_id,
            "version_id": new_version,
            "last_updated_us": now_us,
            "deleted": body is None,
            "content_hash": digest,
            "content": body,
            "patient_key": patient_key,
        }
        if method is None:  # the bulk path writes its history rows itself
            sql.run(conn, "insert_current", row)
        else:
            insert_version(conn, row, method)
        return
    params = {
        "t": resource_type,
        "id": resource_id,
        "expected": expected,
        "new_version": new_version,
        "now": now_us,
        "deleted": body is None,
        "hash": digest,
        "content": body,
        "patient_key": patient_key,
    }
    combined = method is not None and sql.is_postgres(conn)
    trace_context = tracing.traceparent() if method is not None else None
    if combined:
        result = sql.run(
            conn, "swap_version", {**params, "method": method, "trace_context": trace_context}
        )
    else:
        result = sql.run(conn, "swap_current", params)
    if result.rowcount != 1:
        raise ConcurrentWrite(
            f"{resource_type}/{resource_id} changed concurrently; version {expected} is stale"
        )
    if method is not None and not combined:
        history = {
            "resource_type": resource_type,
            "id": resource_id,
            "version_id": new_version,
            "last_updated_us": now_us,
            "method": method,
            "deleted": body is None,
            "content": body,
            "trace_context": trace_context,
            "patient_key": patient_key,
        }
        sql.run(conn, "insert_history", history)


def _delete_current(conn: Connection, resource_type: str, resource_id: str, expected: int) -> None:
    """Delete the current row if it is still at `expected` (the same optimistic lock as the
    update), so that the new version can be inserted under its new key."""
    found = sql.run(conn, "delete_current", {"t": resource_type, "id": resource_id, "v": expected})
    if found.rowcount != 1:
        raise ConcurrentWrite(
            f"{resource_type}/{resource_id} changed concurrently; version {expected} is stale"
        )


def clear_index(conn: Connection, resource_type: str, resource_id: str) -> None:
    sql.clear_index_rows(conn, resource_type, resource_id)


def serialize_on(conn: Connection, key: str) -> None:
    """Make transactions that use the same key (e.g. conditional-create criteria) run one at a
    time, so two of them cannot both find nothing and both create. SQLite writers are already
    serialized by BEGIN IMMEDIATE; PostgreSQL takes a transaction-scoped advisory lock."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%(key)s))", {"key": key})

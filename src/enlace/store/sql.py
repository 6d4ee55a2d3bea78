"""Hot-path statements as driver SQL, written once and rendered per dialect at import.

Why not SQLAlchemy Core here: building a Core statement and computing its cache key on every call
was about 60% of an update's CPU time (cProfile, bench/crud.py). These statements run on every
request, so they are plain SQL with named parameters, executed through `exec_driver_sql`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

_SOURCE = {
    "current": "SELECT resource_type, id, version_id, last_updated_us, deleted, content "
    "FROM resources WHERE resource_type = :t AND id = :id",
    "state": "SELECT version_id, content_hash, deleted FROM resources WHERE resource_type = :t AND id = :id",
    "vread": "SELECT resource_type, id, version_id, last_updated_us, deleted, content, method "
    "FROM resource_history WHERE resource_type = :t AND id = :id AND version_id = :v",
    "insert_current": "INSERT INTO resources "
    "(resource_type, id, version_id, last_updated_us, deleted, content_hash, content) VALUES "
    "(:resource_type, :id, :version_id, :last_updated_us, :deleted, :content_hash, :content)",
    "swap_current": "UPDATE resources SET version_id = :new_version, last_updated_us = :now, "
    "deleted = :deleted, content_hash = :hash, content = :content "
    "WHERE resource_type = :t AND id = :id AND version_id = :expected",
    "insert_history": "INSERT INTO resource_history "
    "(resource_type, id, version_id, last_updated_us, method, deleted, content) VALUES "
    "(:resource_type, :id, :version_id, :last_updated_us, :method, :deleted, :content)",
    "clear_tokens": "DELETE FROM token_index WHERE resource_type = :t AND resource_id = :id",
    "clear_references": "DELETE FROM reference_index WHERE resource_type = :t AND resource_id = :id",
    "insert_token": "INSERT INTO token_index (resource_type, resource_id, param, system, code) "
    "VALUES (:resource_type, :resource_id, :param, :system, :code)",
    "insert_reference": "INSERT INTO reference_index "
    "(resource_type, resource_id, path, target_type, target_id) "
    "VALUES (:resource_type, :resource_id, :path, :target_type, :target_id)",
}

# PostgreSQL runs data-modifying CTEs: a version and its history row (or both index deletions) in
# one round trip instead of two. SQLite has no such CTEs and no network, so it keeps the pairs.
_POSTGRES_ONLY = {
    "insert_version": "WITH current AS (INSERT INTO resources "
    "(resource_type, id, version_id, last_updated_us, deleted, content_hash, content) VALUES "
    "(:resource_type, :id, :version_id, :last_updated_us, :deleted, :content_hash, :content) "
    "RETURNING resource_type, id, version_id, last_updated_us, deleted, content) "
    "INSERT INTO resource_history "
    "(resource_type, id, version_id, last_updated_us, method, deleted, content) "
    "SELECT resource_type, id, version_id, last_updated_us, :method, deleted, content FROM current",
    "swap_version": "WITH current AS (UPDATE resources SET version_id = :new_version, "
    "last_updated_us = :now, deleted = :deleted, content_hash = :hash, content = :content "
    "WHERE resource_type = :t AND id = :id AND version_id = :expected "
    "RETURNING resource_type, id, version_id, last_updated_us, deleted, content) "
    "INSERT INTO resource_history "
    "(resource_type, id, version_id, last_updated_us, method, deleted, content) "
    "SELECT resource_type, id, version_id, last_updated_us, :method, deleted, content FROM current",
    "clear_index": "WITH tokens AS (DELETE FROM token_index "
    "WHERE resource_type = :t AND resource_id = :id) "
    "DELETE FROM reference_index WHERE resource_type = :t AND resource_id = :id",
}

_NAMED = re.compile(r":(\w+)")
_RENDERED = {
    "sqlite": dict(_SOURCE),  # sqlite3 takes :name parameters as they are
    "postgresql": {
        name: _NAMED.sub(r"%(\1)s", sql) for name, sql in {**_SOURCE, **_POSTGRES_ONLY}.items()
    },
}


def is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def run(conn: Connection, name: str, params: Mapping[str, Any]) -> Any:
    """Execute on the driver's own connection, inside the caller's transaction; returns the
    driver cursor. Skipping SQLAlchemy's execution context saves ~28 µs a statement (measured
    on PostgreSQL, 129 → 102 µs for a primary-key SELECT)."""
    statement = _RENDERED[conn.dialect.name][name]
    driver = conn.connection.driver_connection
    assert driver is not None
    dbapi = conn.dialect.loaded_dbapi
    try:
        return driver.execute(statement, dict(params))
    except dbapi.Error as exc:
        # Callers, savepoints and the HTTP edge deal in SQLAlchemy's exceptions (IntegrityError,
        # OperationalError, ...), whatever the driver: wrap as SQLAlchemy itself would.
        raise DBAPIError.instance(statement, dict(params), exc, dbapi.Error) from exc


def first(conn: Connection, name: str, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
    row = run(conn, name, params).fetchone()
    return tuple(row) if row is not None else None


def run_many(conn: Connection, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        conn.exec_driver_sql(_RENDERED[conn.dialect.name][name], [dict(r) for r in rows])


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Bulk insert: PostgreSQL COPY (several times faster than executemany), else executemany."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        placeholders = ", ".join(f":{c}" for c in columns)
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
        conn.exec_driver_sql(statement, [dict(r) for r in rows])
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(tuple(row[c] for c in columns))


CURRENT_COLUMNS = (
    "resource_type",
    "id",
    "version_id",
    "last_updated_us",
    "deleted",
    "content_hash",
    "content",
)
HISTORY_COLUMNS = (
    "resource_type",
    "id",
    "version_id",
    "last_updated_us",
    "method",
    "deleted",
    "content",
)
TOKEN_COLUMNS = ("resource_type", "resource_id", "param", "system", "code")
REFERENCE_COLUMNS = ("resource_type", "resource_id", "path", "target_type", "target_id")

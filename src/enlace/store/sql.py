"""Hot-path statements as driver SQL, written once and rendered per dialect at import.

Why not SQLAlchemy Core here: building a Core statement and computing its cache key on every call
was about 60% of an update's CPU time (cProfile, bench/crud.py). These statements run on every
request, so they are plain SQL with named parameters, executed through `exec_driver_sql`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from enlace.store.records import INDEX_KEY_COLUMNS, INDEX_VALUE_COLUMNS

_SOURCE = {
    "current": "SELECT resource_type, id, version_id, last_updated_us, deleted, content "
    "FROM resources WHERE resource_type = :t AND id = :id",
    "state": "SELECT version_id, content_hash, deleted, last_updated_us, patient_key "
    "FROM resources WHERE resource_type = :t AND id = :id",
    "vread": "SELECT resource_type, id, version_id, last_updated_us, deleted, content, method "
    "FROM resource_history WHERE resource_type = :t AND id = :id AND version_id = :v",
    "insert_current": "INSERT INTO resources "
    "(resource_type, id, version_id, last_updated_us, deleted, content_hash, content, "
    "patient_key) VALUES (:resource_type, :id, :version_id, :last_updated_us, :deleted, "
    ":content_hash, :content, :patient_key)",
    "swap_current": "UPDATE resources SET version_id = :new_version, last_updated_us = :now, "
    "deleted = :deleted, content_hash = :hash, content = :content, patient_key = :patient_key "
    "WHERE resource_type = :t AND id = :id AND version_id = :expected",
    "delete_current": "DELETE FROM resources "
    "WHERE resource_type = :t AND id = :id AND version_id = :v",
    "insert_history": "INSERT INTO resource_history "
    "(resource_type, id, version_id, last_updated_us, method, deleted, content, trace_context, "
    "patient_key) VALUES (:resource_type, :id, :version_id, :last_updated_us, :method, "
    ":deleted, :content, :trace_context, :patient_key)",
    **{
        f"clear_{table}": f"DELETE FROM {table} WHERE resource_type = :t AND resource_id = :id"
        for table in INDEX_VALUE_COLUMNS
    },
}


def _clear_index_cte() -> str:
    """Every index table's rows of one resource, deleted in one statement (PostgreSQL)."""
    tables = list(INDEX_VALUE_COLUMNS)
    where = "WHERE resource_type = :t AND resource_id = :id"
    ctes = ", ".join(f"d{n} AS (DELETE FROM {t} {where})" for n, t in enumerate(tables[:-1]))
    return f"WITH {ctes} DELETE FROM {tables[-1]} {where}"


# PostgreSQL runs data-modifying CTEs: a version and its history row (or both index deletions) in
# one round trip instead of two. SQLite has no such CTEs and no network, so it keeps the pairs.
_POSTGRES_ONLY = {
    "insert_version": "WITH current AS (INSERT INTO resources "
    "(resource_type, id, version_id, last_updated_us, deleted, content_hash, content, "
    "patient_key) VALUES (:resource_type, :id, :version_id, :last_updated_us, :deleted, "
    ":content_hash, :content, :patient_key) "
    "RETURNING resource_type, id, version_id, last_updated_us, deleted, content, patient_key) "
    "INSERT INTO resource_history "
    "(resource_type, id, version_id, last_updated_us, method, deleted, content, trace_context, "
    "patient_key) SELECT resource_type, id, version_id, last_updated_us, :method, deleted, "
    "content, :trace_context, patient_key FROM current",
    "swap_version": "WITH current AS (UPDATE resources SET version_id = :new_version, "
    "last_updated_us = :now, deleted = :deleted, content_hash = :hash, content = :content, "
    "patient_key = :patient_key "
    "WHERE resource_type = :t AND id = :id AND version_id = :expected "
    "RETURNING resource_type, id, version_id, last_updated_us, deleted, content, patient_key) "
    "INSERT INTO resource_history "
    "(resource_type, id, version_id, last_updated_us, method, deleted, content, trace_context, "
    "patient_key) SELECT resource_type, id, version_id, last_updated_us, :method, deleted, "
    "content, :trace_context, patient_key FROM current",
    "clear_index": _clear_index_cte(),
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
    copy_tuples(conn, table, columns, [tuple(row[c] for c in columns) for row in rows])


def copy_tuples(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """`copy_rows` for rows already in column order."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        if table in INDEX_COLUMNS and tuple(columns) == INDEX_COLUMNS[table]:
            insert_index_rows(conn, {table: rows})
            return
        placeholders = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
        conn.exec_driver_sql(statement, list(rows))
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


CURRENT_COLUMNS = (
    "resource_type",
    "id",
    "version_id",
    "last_updated_us",
    "deleted",
    "content_hash",
    "content",
    "patient_key",
)
HISTORY_COLUMNS = (
    "resource_type",
    "id",
    "version_id",
    "last_updated_us",
    "method",
    "deleted",
    "content",
    "patient_key",
)
# The patient key (store/patient_key.py) is the last column of every index row.
INDEX_COLUMNS = {
    table: (*INDEX_KEY_COLUMNS, *values, "patient_key")
    for table, values in INDEX_VALUE_COLUMNS.items()
}
_INSERT_INDEX = {
    dialect: {
        table: f"INSERT INTO {table} ({', '.join(columns)}) "
        f"VALUES ({', '.join([placeholder] * len(columns))})"
        for table, columns in INDEX_COLUMNS.items()
    }
    for dialect, placeholder in (("sqlite", "?"), ("postgresql", "%s"))
}


# PostgreSQL types of the index columns, for the arrays `_insert_index_cte` unnests.
_PG_TYPES = {"grp": "smallint", "low_us": "bigint", "high_us": "bigint", "canonical": "boolean"}
_PG_NUMERIC = {("number_index", "value"), ("quantity_index", "value")}


def _pg_array_type(table: str, column: str) -> str:
    if (table, column) in _PG_NUMERIC:
        return "numeric[]"
    return f"{_PG_TYPES.get(column, 'text')}[]"


@lru_cache(maxsize=128)
def _insert_index_cte(tables: tuple[str, ...]) -> str:
    """One statement for the index rows of several tables (PostgreSQL): each table's rows come as
    one array per column, unnested; all but the last insert are data-modifying CTEs."""
    inserts = []
    for table in tables:
        columns = INDEX_COLUMNS[table]
        arrays = ", ".join(f"%b::{_pg_array_type(table, c)}" for c in columns)
        inserts.append(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays})")
    if len(inserts) == 1:
        return inserts[0]
    ctes = ", ".join(f"i{n} AS ({insert})" for n, insert in enumerate(inserts[:-1]))
    return f"WITH {ctes} {inserts[-1]}"


def insert_index_rows(conn: Connection, tables: Mapping[str, Sequence[tuple[Any, ...]]]) -> None:
    """Index rows of one write (positional tuples). PostgreSQL: every table in one statement, one
    round trip instead of one executemany per table (see docs/performance.md, "Search indexing
    at write time"); SQLite, in process, keeps one executemany per table."""
    present = {table: rows for table, rows in tables.items() if rows}
    if not present:
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    dbapi = conn.dialect.loaded_dbapi
    if is_postgres(conn):
        statement = _insert_index_cte(tuple(present))
        params = [list(column) for rows in present.values() for column in zip(*rows, strict=True)]
        try:
            driver.execute(statement, params)
        except dbapi.Error as exc:
            raise DBAPIError.instance(statement, params, exc, dbapi.Error) from exc
        return
    statements = _INSERT_INDEX["sqlite"]
    for table, rows in present.items():
        try:
            driver.cursor().executemany(statements[table], rows)
        except dbapi.Error as exc:
            raise DBAPIError.instance(statements[table], rows, exc, dbapi.Error) from exc


def clear_index_rows(conn: Connection, resource_type: str, resource_id: str) -> None:
    params = {"t": resource_type, "id": resource_id}
    if is_postgres(conn):
        run(conn, "clear_index", params)
        return
    for table in INDEX_VALUE_COLUMNS:
        run(conn, f"clear_{table}", params)

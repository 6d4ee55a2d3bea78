"""Driver-level SQL for the ledger's per-batch statements, one shape per dialect.

Building Core statements with an IN list of a thousand values, and executemany through the
driver's per-row pipeline, cost more than the database's own work (docs/performance.md, Ledger).
So a batch sends one statement per table: on PostgreSQL whole columns as arrays (`unnest`,
`= ANY`), on SQLite a JSON array read with `json_each`, or a plain executemany, which the sqlite3
module runs in C. Table and column names come from tables.py, never from input.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

# PostgreSQL array type of each column the batch statements send as a whole column.
_ARRAY_TYPES = {"BIGINT": "int8[]", "SMALLINT": "int2[]"}


def _array_type(table: Table, column: str) -> str:
    return _ARRAY_TYPES.get(str(table.c[column].type), "text[]")


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert `rows` (tuples in `columns` order) with one statement."""
    if not rows:
        return
    names = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{_array_type(table, c)}" for c in columns)
        sql = f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays})"
        conn.exec_driver_sql(sql, tuple(list(column) for column in zip(*rows, strict=True)))
        return
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)


def update_by_id(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> None:
    """Set `columns` of each row whose id is the tuple's first item (the rest in `columns` order)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{_array_type(table, c)}" for c in ("id", *columns))
        sets = ", ".join(f"{c} = v.{c}" for c in columns)
        sql = (
            f"UPDATE {table.name} AS t SET {sets} FROM unnest({arrays}) "
            f"AS v(id, {', '.join(columns)}) WHERE t.id = v.id"
        )
        conn.exec_driver_sql(sql, tuple(list(column) for column in zip(*rows, strict=True)))
        return
    sets = ", ".join(f"{c} = ?" for c in columns)
    reordered = [(*row[1:], row[0]) for row in rows]
    conn.exec_driver_sql(f"UPDATE {table.name} SET {sets} WHERE id = ?", reordered)


def select_where_in(
    conn: Connection, select_sql: str, column: str, values: Sequence[str], tail: str = ""
) -> list[Any]:
    """Rows of `select_sql WHERE column IN values tail`, the values sent as one parameter."""
    if not values:
        return []
    if conn.dialect.name == "postgresql":
        sql = f"{select_sql} WHERE {column} = ANY(%s::text[]) {tail}"
        return list(conn.exec_driver_sql(sql, (list(values),)))
    sql = f"{select_sql} WHERE {column} IN (SELECT value FROM json_each(?)) {tail}"
    return list(conn.exec_driver_sql(sql, (json.dumps(list(values)),)))

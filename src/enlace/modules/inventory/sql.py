"""Driver-level SQL for the stock ledger's hot path, one text per dialect.

Building a Core statement costs more than SQLite takes to run it (bench/inventory.py profiled:
four fifths of an issue's time went to statement construction and cache keys). So the few
statements an issue runs are plain SQL written once with `?` markers and sent through
`exec_driver_sql`; PostgreSQL's driver takes `%s`. Table and column names are constants here,
never input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

_PG_TEXTS: dict[str, str] = {}


def run(conn: Connection, sql: str, params: Sequence[Any]) -> Any:  # a CursorResult
    if conn.dialect.name == "postgresql":
        text = _PG_TEXTS.get(sql)
        if text is None:
            text = _PG_TEXTS[sql] = sql.replace("?", "%s")
        return conn.exec_driver_sql(text, tuple(params))
    return conn.exec_driver_sql(sql, tuple(params))


_SAME_LOT = "facility = ? AND product = ? AND lot = ?"
EVENT_COLUMNS = (
    "id",
    "kind",
    "facility",
    "counterpart",
    "reason",
    "reference",
    "occurred_us",
    "recorded_us",
    "item_count",
    "idempotency_key",
    "request_hash",
    "leg_of",
)
LINE_COLUMNS = (
    "facility",
    "product",
    "lot",
    "seq",
    "event_id",
    "event_line",
    "kind",
    "quantity",
    "balance",
    "expiry",
    "occurred_us",
    "recorded_us",
    "reason",
    "counterpart",
    "reference",
)


def _insert(table: str, columns: Sequence[str]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


INSERT_EVENT = _insert("inventory_events", EVENT_COLUMNS)
INSERT_LINE = _insert("inventory_lines", LINE_COLUMNS)
# A key is the recording facility's (migration 0039); a transfer's in-leg has none of its own.
FIND_KEY = (
    "SELECT id, request_hash, counterpart FROM inventory_events "
    "WHERE facility = ? AND idempotency_key = ?"
)
FIND_IN_LEG = "SELECT id FROM inventory_events WHERE facility = ? AND leg_of = ?"
LOTS_ON_HAND = (
    "SELECT lot, expiry, on_hand FROM inventory_balances "
    "WHERE facility = ? AND product = ? AND on_hand > 0"
)
ENSURE_BALANCE = (
    "INSERT INTO inventory_balances (facility, product, lot, expiry, on_hand, seq, updated_us) "
    "VALUES (?, ?, ?, ?, 0, NULL, ?) ON CONFLICT (facility, product, lot) DO NOTHING"
)
ON_HAND = f"SELECT on_hand FROM inventory_balances WHERE {_SAME_LOT}"


def move_balance(expiry_is: bool, usable_on: bool) -> str:
    """The conditional UPDATE: params (delta, updated_us, facility, product, lot, delta
    [, expiry] [, usable_on])."""
    sql = (
        "UPDATE inventory_balances SET on_hand = on_hand + ?, seq = COALESCE(seq, 0) + 1, "
        f"updated_us = ? WHERE {_SAME_LOT} AND on_hand + ? >= 0"
    )
    if expiry_is:
        sql += " AND expiry = ?"
    if usable_on:
        sql += " AND expiry >= ?"
    return sql + " RETURNING on_hand, seq, expiry"


MOVES = {(e, u): move_balance(e, u) for e in (False, True) for u in (False, True)}

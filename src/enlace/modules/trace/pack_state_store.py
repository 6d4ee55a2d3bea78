"""Per-object rows (trace_epcis_objects) read and written in bulk for one capture.

A capture loads every object its events name, plus everything aggregated under them (pallets →
cases → packs, one query per level), applies the events in memory, and writes back only what
changed: new rows inserted, changed rows updated, in two executemany statements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, select

from enlace.modules.trace.epcis_tables import objects, recalls
from enlace.store.sql import copy_tuples

_CHUNK = 500  # keeps IN lists well under SQLite's and PostgreSQL's parameter limits


@dataclass(slots=True)
class ObjectRow:
    epc: str
    gtin: str | None
    serial: str | None
    lot: str | None
    expiry: str | None
    state: str
    location: str | None
    parent: str | None
    commissioned: bool
    dispense_count: int
    last_event_us: int
    updated_seq: int


COLUMNS = tuple(f.name for f in fields(ObjectRow))


class Objects:
    """The loaded rows by EPC, their containment, and which rows are new or changed."""

    def __init__(self, rows: Iterable[ObjectRow]) -> None:
        self.rows = {row.epc: row for row in rows}
        self.children: dict[str, set[str]] = {}
        for row in self.rows.values():
            if row.parent is not None:
                self.children.setdefault(row.parent, set()).add(row.epc)
        self.stored = set(self.rows)
        self.changed: set[str] = set()

    def get(self, epc: str) -> ObjectRow | None:
        return self.rows.get(epc)

    def add(self, row: ObjectRow) -> ObjectRow:
        self.rows[row.epc] = row
        self.changed.add(row.epc)
        return row

    def touch(self, row: ObjectRow) -> None:
        self.changed.add(row.epc)

    def set_parent(self, row: ObjectRow, parent: str | None) -> None:
        if row.parent is not None:
            self.children.get(row.parent, set()).discard(row.epc)
        row.parent = parent
        if parent is not None:
            self.children.setdefault(parent, set()).add(row.epc)
        self.touch(row)

    def descendants(self, epc: str) -> list[str]:
        """Everything aggregated under `epc`, at any depth (a cycle is cut, not followed)."""
        found: list[str] = []
        seen = {epc}
        stack = [epc]
        while stack:
            for child in sorted(self.children.get(stack.pop(), ())):
                if child not in seen:
                    seen.add(child)
                    found.append(child)
                    stack.append(child)
        return found


_SELECT = f"SELECT {', '.join(COLUMNS)} FROM trace_epcis_objects WHERE "


def _rows(conn: Connection, column: str, keys: list[str]) -> list[ObjectRow]:
    """Rows whose `column` is one of `keys`, as driver SQL: one `= ANY(array)` parameter on
    PostgreSQL, chunked IN lists on SQLite (compiling a 500-item IN cost more than running it)."""
    if not keys:
        return []
    if conn.dialect.name == "postgresql":
        found = conn.exec_driver_sql(_SELECT + f"{column} = ANY(%s)", (keys,)).all()
        return [ObjectRow(*row) for row in found]
    rows: list[ObjectRow] = []
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows.extend(
            ObjectRow(*r)
            for r in conn.exec_driver_sql(_SELECT + f"{column} IN ({marks})", tuple(chunk))
        )
    return rows


def load_objects(conn: Connection, epcs: Iterable[str]) -> Objects:
    """The named objects and all their descendants (one query per aggregation level)."""
    wanted = sorted(set(epcs))
    rows = {row.epc: row for row in _rows(conn, "epc", wanted)}
    level = sorted(rows)
    while level:
        below = [r for r in _rows(conn, "parent", level) if r.epc not in rows]
        rows.update((r.epc, r) for r in below)
        level = [r.epc for r in below]
    return Objects(rows.values())


def _tuple(row: ObjectRow) -> tuple[Any, ...]:
    return tuple(getattr(row, c) for c in COLUMNS)


_CHANGED = "trace_epcis_objects_changed"
_SET = ", ".join(f"{c} = t.{c}" for c in COLUMNS if c != "epc")
_SQLITE_UPDATE = (
    f"UPDATE trace_epcis_objects SET {', '.join(f'{c} = ?' for c in COLUMNS[1:])} WHERE epc = ?"
)


def save_objects(conn: Connection, loaded: Objects) -> None:
    """New rows copied in; changed rows updated in one statement (PostgreSQL: COPY into a
    temporary table, then one UPDATE ... FROM; an executemany of UPDATEs was 2x slower)."""
    assert COLUMNS[0] == "epc"
    new = [_tuple(loaded.rows[e]) for e in sorted(loaded.changed - loaded.stored)]
    old = [_tuple(loaded.rows[e]) for e in sorted(loaded.changed & loaded.stored)]
    copy_tuples(conn, objects.name, COLUMNS, new)
    if not old:
        return
    if conn.dialect.name != "postgresql":
        conn.exec_driver_sql(_SQLITE_UPDATE, [row[1:] + row[:1] for row in old])
        return
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {_CHANGED} (LIKE {objects.name}) ON COMMIT DELETE ROWS"
    )
    copy_tuples(conn, _CHANGED, COLUMNS, old)
    conn.exec_driver_sql(
        f"UPDATE {objects.name} o SET {_SET} FROM {_CHANGED} t WHERE o.epc = t.epc"
    )
    conn.exec_driver_sql(f"DELETE FROM {_CHANGED}")


def recalled_lots(conn: Connection, gtins: Iterable[str]) -> set[tuple[str, str]]:
    """Every recalled (gtin, lot) of these GTINs (few: recalls are rare), in one query."""
    wanted = sorted(set(gtins))
    if not wanted:
        return set()
    rows = conn.execute(select(recalls.c.gtin, recalls.c.lot).where(recalls.c.gtin.in_(wanted)))
    return {(gtin, lot) for gtin, lot in rows}

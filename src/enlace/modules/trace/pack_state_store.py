"""Per-object rows (trace_epcis_objects) read and written in bulk for one capture.

A capture loads every object its events name, plus everything aggregated under them (pallets →
cases → packs, one query per level), applies the events in memory, and writes back only what
changed: new rows inserted, changed rows updated, in two executemany statements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, bindparam, select

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


def _rows(conn: Connection, column: object, keys: list[str]) -> list[ObjectRow]:
    found: list[ObjectRow] = []
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        query = select(*[objects.c[c] for c in COLUMNS]).where(column.in_(chunk))  # type: ignore[attr-defined]
        found.extend(ObjectRow(*row) for row in conn.execute(query))
    return found


def load_objects(conn: Connection, epcs: Iterable[str]) -> Objects:
    """The named objects and all their descendants (one query per aggregation level)."""
    wanted = sorted(set(epcs))
    rows = {row.epc: row for row in _rows(conn, objects.c.epc, wanted)}
    level = sorted(rows)
    while level:
        below = [r for r in _rows(conn, objects.c.parent, level) if r.epc not in rows]
        rows.update((r.epc, r) for r in below)
        level = [r.epc for r in below]
    return Objects(rows.values())


def _tuple(row: ObjectRow) -> tuple[Any, ...]:
    return tuple(getattr(row, c) for c in COLUMNS)


def _values(row: ObjectRow) -> dict[str, Any]:
    return {c: getattr(row, c) for c in COLUMNS}  # dataclasses.asdict deep-copies: 10x slower


def save_objects(conn: Connection, loaded: Objects) -> None:
    new = [_tuple(loaded.rows[e]) for e in sorted(loaded.changed - loaded.stored)]
    old = [_values(loaded.rows[e]) for e in sorted(loaded.changed & loaded.stored)]
    copy_tuples(conn, objects.name, COLUMNS, new)
    if old:
        statement = (
            objects.update()
            .where(objects.c.epc == bindparam("b_epc"))
            .values({c: bindparam("v_" + c) for c in COLUMNS if c != "epc"})
        )
        conn.execute(
            statement,
            [{"b_epc": r["epc"]} | {"v_" + c: r[c] for c in COLUMNS if c != "epc"} for r in old],
        )


def recalled_lots(conn: Connection, gtins: Iterable[str]) -> set[tuple[str, str]]:
    """Every recalled (gtin, lot) of these GTINs (few: recalls are rare), in one query."""
    wanted = sorted(set(gtins))
    if not wanted:
        return set()
    rows = conn.execute(select(recalls.c.gtin, recalls.c.lot).where(recalls.c.gtin.in_(wanted)))
    return {(gtin, lot) for gtin, lot in rows}

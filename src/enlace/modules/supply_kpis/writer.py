"""Writes a snapshot in bulk, replacing the day's rows in one transaction: a rerun replaces the
day, a failure leaves the previous snapshot. PostgreSQL takes the pair rows by COPY, SQLite by
one prepared INSERT run over all of them (executemany)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, insert

from enlace.modules.supply_kpis.snapshot import Progress, Snapshot
from enlace.modules.supply_kpis.tables import alerts, pairs, rollups, snapshots

CHUNK = 50_000  # pair rows per progress step
_PAIR_COLUMNS = [c.name for c in pairs.columns]


def write(conn: Connection, snapshot: Snapshot, taken_us: int, progress: Progress) -> None:
    day = snapshot.ledger.day.isoformat()
    for table in (pairs, rollups, alerts, snapshots):
        conn.execute(delete(table).where(table.c.day == day))
    _write_pairs(conn, snapshot, progress)
    if snapshot.rollups:
        conn.execute(insert(rollups), [{"day": day, **_fields(r)} for r in snapshot.rollups])
    if snapshot.alerts:
        rows = [{**_fields(a), "day": day} for a in snapshot.alerts]
        for row in rows:
            row["next_delivery"] = row["next_delivery"].isoformat()
        conn.execute(insert(alerts), rows)
    conn.execute(
        insert(snapshots).values(
            day=day,
            taken_us=taken_us,
            pairs=snapshot.ledger.size,
            facilities=len(snapshot.ledger.facilities),
            alerts=len(snapshot.alerts),
        )
    )


def _fields(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__slots__}


def _write_pairs(conn: Connection, snapshot: Snapshot, progress: Progress) -> None:
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        copy_sql = f"COPY {pairs.name} ({', '.join(_PAIR_COLUMNS)}) FROM STDIN"
        with cursor.copy(copy_sql) as copy:
            for chunk in _chunks(snapshot):
                for row in chunk:
                    copy.write_row(row)
                progress(len(chunk))
        return
    marks = ", ".join("?" for _ in _PAIR_COLUMNS)
    statement = f"INSERT INTO {pairs.name} ({', '.join(_PAIR_COLUMNS)}) VALUES ({marks})"
    for chunk in _chunks(snapshot):
        conn.exec_driver_sql(statement, chunk)
        progress(len(chunk))


def _chunks(snapshot: Snapshot) -> Iterator[list[tuple[Any, ...]]]:
    """Pair rows as plain tuples, in column order; NaN becomes NULL."""
    ledger, kpis = snapshot.ledger, snapshot.kpis
    day = ledger.day.isoformat()
    for start in range(0, ledger.size, CHUNK):
        part = slice(start, start + CHUNK)
        columns = (
            [ledger.facilities[i] for i in ledger.facility[part].tolist()],
            [ledger.products[i] for i in ledger.product[part].tolist()],
            ledger.on_hand[part].tolist(),
            ledger.issued[part].tolist(),
            ledger.days_out[part].tolist(),
            _nullable(kpis.amc[part]),
            _nullable(kpis.months_of_stock[part]),
            _nullable(kpis.days_of_stock[part]),
            kpis.stocked_out[part].astype(np.int8).tolist(),
            kpis.plan[part].tolist(),
            ledger.reported[part].astype(np.int8).tolist(),
        )
        yield [(day, *row) for row in zip(*columns, strict=True)]


def _nullable(values: np.ndarray[Any, Any]) -> list[float | None]:
    rounded = np.round(values, 4)
    as_objects = rounded.astype(object)
    as_objects[np.isnan(rounded)] = None
    return as_objects.tolist()

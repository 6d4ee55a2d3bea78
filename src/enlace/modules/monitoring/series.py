"""Reading the time series back: one patient's readings of some codes over a time window, oldest
first. Rules (history behind an alert), reports (AGP, summaries), FHIR search and the pages read
through here; nothing outside the module touches monitoring_readings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Float, Row, cast, func, literal, select, union_all
from sqlalchemy.dialects.postgresql import aggregate_order_by

from enlace.modules.monitoring.domain import Reading
from enlace.modules.monitoring.tables import readings as table


def readings(
    conn: Connection,
    patient: str,
    codes: Iterable[str],
    start_us: int,
    end_us: int,
) -> list[Reading]:
    """The patient's readings of `codes` with start_us <= effective < end_us, oldest first."""
    query = (
        select(table)
        .where(
            table.c.patient == patient,
            table.c.code.in_(list(codes)),
            table.c.effective_us >= start_us,
            table.c.effective_us < end_us,
        )
        .order_by(table.c.effective_us, table.c.code, table.c.device)
    )
    return [_reading(row) for row in conn.execute(query)]


def columns(
    conn: Connection, patient: str, codes: Iterable[str], start_us: int, end_us: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """The same readings as `readings`, as (effective_us, value, value2) arrays (value2 NaN when
    absent), oldest first, for reports over 90 days of CGM (25,920 rows) within their budget.

    Two steps, because each reading row is reached fastest by its primary key: the patient's
    devices in the window first (from the patient index alone), then each device's contiguous
    primary-key range, still filtered on the patient (a device may have served someone else).
    Only numbers come back (value2's absence as a flag), so numpy converts them in one call."""
    codes = list(codes)
    window = (
        table.c.code.in_(codes),
        table.c.effective_us >= start_us,
        table.c.effective_us < end_us,
    )
    if conn.dialect.name == "postgresql":
        return _aggregated(conn, patient, window)
    devices = [
        row[0]
        for row in conn.execute(
            select(table.c.device).where(table.c.patient == patient, *window).distinct()
        )
    ]
    if not devices:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty
    query = (
        select(
            table.c.effective_us,
            table.c.value,
            table.c.value2.is_not(None),
            func.coalesce(table.c.value2, 0.0),
        )
        .where(table.c.device.in_(devices), *window, table.c.patient == patient)
        .order_by(table.c.effective_us)
    )
    found = [tuple(row) for row in conn.execute(query)]
    rows = np.array(found, dtype=np.float64).reshape(-1, 4)
    value2 = np.where(rows[:, 2] > 0, rows[:, 3], np.nan)
    # effective_us < 2^53: exact through float64
    return rows[:, 0].astype(np.int64), rows[:, 1].copy(), value2


def _aggregated(
    conn: Connection, patient: str, window: tuple[Any, ...]
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """PostgreSQL: the three columns as three arrays in one row (array_agg), which the driver
    hands over far faster than 25,920 rows; the patient index reaches the rows directly."""
    order = table.c.effective_us
    nan = cast(literal("NaN"), Float)
    row = conn.execute(
        select(
            func.array_agg(aggregate_order_by(table.c.effective_us, order)),
            func.array_agg(aggregate_order_by(table.c.value, order)),
            func.array_agg(aggregate_order_by(func.coalesce(table.c.value2, nan), order)),
        ).where(table.c.patient == patient, *window)
    ).one()
    if row[0] is None:
        empty = np.zeros(0)
        return empty.astype(np.int64), empty, empty
    return (
        np.array(row[0], dtype=np.int64),
        np.array(row[1], dtype=np.float64),
        np.array(row[2], dtype=np.float64),
    )


def readings_page(
    conn: Connection,
    patient: str,
    codes: Iterable[str],
    start_us: int,
    end_us: int,
    descending: bool,
    offset: int,
    limit: int,
) -> list[Reading]:
    """One page of the patient's readings of `codes` in [start_us, end_us), by effective time
    (newest first when `descending`; ties by code and device), for FHIR search paging.

    Each code's first `offset + limit` readings come straight off the patient index in time
    order, and only those are merged and sorted: ordering all codes at once would sort every
    reading of the patient (90 days of CGM: 25,920) for each page."""
    wanted = offset + limit
    if wanted == 0:
        return []

    def by_time(columns: Any) -> list[Any]:
        first = columns.effective_us.desc() if descending else columns.effective_us
        return [first, columns.code, columns.device]

    parts = [
        select(table)
        .where(
            table.c.patient == patient,
            table.c.code == code,
            table.c.effective_us >= start_us,
            table.c.effective_us < end_us,
        )
        .order_by(*by_time(table.c))
        .limit(wanted)
        .subquery()
        for code in sorted(set(codes))
    ]
    if not parts:
        return []
    merged = parts[0] if len(parts) == 1 else union_all(*(select(p) for p in parts)).subquery()
    query = select(merged).order_by(*by_time(merged.c)).offset(offset).limit(limit)
    return [_reading(row) for row in conn.execute(query)]


def count(conn: Connection, patient: str, codes: Iterable[str], start_us: int, end_us: int) -> int:
    """How many readings `readings` would return (for a search's total)."""
    query = select(func.count()).where(
        table.c.patient == patient,
        table.c.code.in_(list(codes)),
        table.c.effective_us >= start_us,
        table.c.effective_us < end_us,
    )
    return int(conn.execute(query).scalar_one())


def device_readings(
    conn: Connection, device: str, code: str, start_us: int, end_us: int
) -> list[Reading]:
    """One device's readings of `code` with start_us <= effective < end_us, oldest first: a
    contiguous primary-key range (place devices, whose readings have no patient, are read so)."""
    query = (
        select(table)
        .where(
            table.c.device == device,
            table.c.code == code,
            table.c.effective_us >= start_us,
            table.c.effective_us < end_us,
        )
        .order_by(table.c.effective_us)
    )
    return [_reading(row) for row in conn.execute(query)]


def reading_at(conn: Connection, device: str, code: str, effective_us: int) -> Reading | None:
    """The reading of this primary key, if stored."""
    query = select(table).where(
        table.c.device == device, table.c.code == code, table.c.effective_us == effective_us
    )
    row = conn.execute(query).first()
    return None if row is None else _reading(row)


def _reading(row: Row[Any]) -> Reading:
    return Reading(
        patient=row.patient,
        device=row.device,
        code=row.code,
        value=row.value,
        effective_us=row.effective_us,
        received_us=row.received_us,
        value2=row.value2,
        device_code=row.device_code,
    )

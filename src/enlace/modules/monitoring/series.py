"""Reading the time series back: one patient's readings of some codes over a time window, oldest
first. Rules (history behind an alert), reports (AGP, summaries), FHIR search and the pages read
through here; nothing outside the module touches monitoring_readings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, select

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
    (newest first when `descending`), for FHIR search paging."""
    order = table.c.effective_us.desc() if descending else table.c.effective_us
    query = (
        select(table)
        .where(
            table.c.patient == patient,
            table.c.code.in_(list(codes)),
            table.c.effective_us >= start_us,
            table.c.effective_us < end_us,
        )
        .order_by(order, table.c.code, table.c.device)
        .offset(offset)
        .limit(limit)
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

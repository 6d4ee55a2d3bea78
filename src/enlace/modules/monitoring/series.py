"""Reading the time series back: one patient's readings of some codes over a time window, oldest
first. Rules (history behind an alert), reports (AGP, summaries), FHIR search and the pages read
through here; nothing outside the module touches monitoring_readings.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, select

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
    return [
        Reading(
            patient=row.patient,
            device=row.device,
            code=row.code,
            value=row.value,
            effective_us=row.effective_us,
            received_us=row.received_us,
            value2=row.value2,
            device_code=row.device_code,
        )
        for row in conn.execute(query)
    ]

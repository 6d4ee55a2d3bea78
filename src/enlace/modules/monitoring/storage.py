"""Writing readings and refusals: one multi-row insert per batch, duplicates counted not stored.

The primary key (device, code, effective time) is the de-duplication: the insert says ON CONFLICT
DO NOTHING and RETURNING the keys it wrote, so a re-sent reading (a retry after a lost answer, an
MQTT redelivery, a flood of the same batch) is never stored twice and never reaches the rules.
SQLAlchemy sends the rows as multi-row INSERT ... VALUES statements ("insertmanyvalues") on both
databases, so a batch of thousands is a handful of round trips.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from enlace.kernel.ids import IdFactory
from enlace.modules.monitoring import partitions
from enlace.modules.monitoring.domain import Reading
from enlace.modules.monitoring.normalize import Refusal
from enlace.modules.monitoring.tables import readings, rejects

Key = tuple[str, str, int]


def store_readings(conn: Connection, batch: Sequence[Reading]) -> list[Reading]:
    """Insert `batch`; the readings that were new, in batch order (duplicates left out, whether
    already stored or repeated within the batch)."""
    unique: dict[Key, Reading] = {}
    for reading in batch:
        unique.setdefault((reading.device, reading.code, reading.effective_us), reading)
    if not unique:
        return []
    partitions.ensure(conn, (key[2] for key in unique))
    c = readings.c
    statement = _insert(conn).on_conflict_do_nothing().returning(c.device, c.code, c.effective_us)
    written = {tuple(row) for row in conn.execute(statement, [_row(r) for r in unique.values()])}
    return [reading for key, reading in unique.items() if key in written]


def store_rejects(
    conn: Connection,
    new_id: IdFactory,
    device: str | None,
    received_us: int,
    refusals: Iterable[Refusal],
) -> int:
    """One monitoring_rejects row per refusal, each with the refused part as received."""
    rows = [
        {
            "id": new_id(),
            "device": device,
            "received_us": received_us,
            "reason": refusal.reason,
            "location": refusal.location,
            "message": refusal.message,
            "raw": refusal.raw,
        }
        for refusal in refusals
    ]
    if rows:
        conn.execute(rejects.insert(), rows)
    return len(rows)


def _insert(conn: Connection) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(readings)


def _row(reading: Reading) -> dict[str, Any]:
    return {
        "device": reading.device,
        "code": reading.code,
        "effective_us": reading.effective_us,
        "patient": reading.patient,
        "value": reading.value,
        "value2": reading.value2,
        "received_us": reading.received_us,
        "device_code": reading.device_code,
    }

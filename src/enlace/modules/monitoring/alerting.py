"""Alert rules applied to newly stored readings (issue 9 parts 4 and 5).

Placeholder until the rules land: ingestion calls `on_readings` in the transaction that stored the
readings, with only the readings that were new (duplicates never reach it).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from enlace.modules.monitoring.domain import Reading
from enlace.store.repository import FhirRepository


def on_readings(conn: Connection, repo: FhirRepository, readings: Sequence[Reading]) -> list[str]:
    """Evaluate the rules for `readings`; the ids of the alerts opened or updated."""
    del conn, repo, readings
    return []

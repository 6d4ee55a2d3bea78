"""Monthly partitions of monitoring_readings on PostgreSQL, created as readings arrive.

The parent is `PARTITION BY RANGE (effective_us)` with no partitions (migration 0014); a reading
for a month without one would fail, so the months a batch touches are made sure of before it is
inserted. Each is `monitoring_readings_YYYYMM`, [first microsecond of the month, first of the
next), months in UTC.

How, and why this way:
- in its own short transaction on its own connection, committed before the batch is written: a
  partition made inside the ingest transaction would vanish with a rolled-back batch while this
  process remembered it as made;
- `CREATE TABLE ... (LIKE parent)` then `ALTER TABLE parent ATTACH PARTITION`: attaching takes a
  SHARE UPDATE EXCLUSIVE lock on the parent, which does not wait for the inserts and reads other
  transactions (and the caller's own open transaction) hold, where `CREATE TABLE ... PARTITION OF`
  takes an ACCESS EXCLUSIVE one that would queue behind them all; the parent's primary key and
  index are created on the new partition as it is attached;
- two workers making the same month: a transaction-scoped advisory lock serializes them and the
  second finds the partition attached and does nothing;
- the months known to be there are cached per process (and database), so the common case costs
  one set lookup per batch. TRUNCATE of the parent empties the partitions and keeps them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from enlace.kernel.clock import epoch_us, from_epoch_us
from enlace.modules.monitoring.tables import readings

PARENT = readings.name
# pg_advisory_xact_lock key: "monitoring partitions", any constant unique in the code base.
LOCK_KEY = 0x6D6F6E5F70617274
_known: set[tuple[str, str]] = set()
_lock = threading.Lock()


def month_of(effective_us: int) -> tuple[int, int]:
    moment = from_epoch_us(effective_us)
    return moment.year, moment.month


def bounds(year: int, month: int) -> tuple[int, int]:
    """[first microsecond of the month, first of the next), UTC."""
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return epoch_us(start), epoch_us(end)


def name_of(year: int, month: int) -> str:
    return f"{PARENT}_{year:04d}{month:02d}"


def ensure(conn: Connection, effective_us: Iterable[int]) -> list[str]:
    """Make sure the months of `effective_us` have their partitions (PostgreSQL only); the names
    of the partitions this call attached."""
    if conn.dialect.name != "postgresql":
        return []
    database = str(conn.engine.url)
    months = {month_of(us) for us in effective_us}
    missing = sorted(m for m in months if (database, name_of(*m)) not in _known)
    if not missing:
        return []
    made = []
    with conn.engine.connect() as ddl, ddl.begin():
        ddl.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        for year, month in missing:
            if _create(ddl, year, month):
                made.append(name_of(year, month))
    with _lock:
        _known.update((database, name_of(*m)) for m in missing)
    return made


def existing(conn: Connection) -> list[str]:
    """The partitions attached to monitoring_readings, by name."""
    query = text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(:parent) ORDER BY c.relname"
    )
    return [row[0] for row in conn.execute(query, {"parent": PARENT})]


def forget() -> None:
    """Drop the process cache (a test that drops partitions; a restored database)."""
    with _lock:
        _known.clear()


def _create(ddl: Connection, year: int, month: int) -> bool:
    name = name_of(year, month)
    attached = ddl.execute(
        text("SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass(:name)"), {"name": name}
    ).first()
    if attached:
        return False
    low, high = bounds(year, month)
    # Names and bounds come from integers formatted here, never from input.
    ddl.execute(text(f"CREATE TABLE IF NOT EXISTS {name} (LIKE {PARENT} INCLUDING DEFAULTS)"))
    ddl.execute(
        text(f"ALTER TABLE {PARENT} ATTACH PARTITION {name} FOR VALUES FROM ({low}) TO ({high})")
    )
    return True

"""The audit log's storage: append, seal into the hash chain, verify, list.

- `record(conn, entries)`: append in the caller's transaction. A write is audited in its own
  transaction, so a rolled-back write leaves no record and a committed one always has one. Reads
  go through `audit_buffer.AuditBuffer` instead, so a read stays a read.
- `seal(conn, now_us)`: give unsealed rows their chain position and hashes (enlace.security.audit).
  Writers never touch the chain, so they never queue on its head; sealing runs in the
  background (`audit_sealer`) or from `enlace audit seal`. It takes rows older than a horizon,
  in `seq` order, so the chain mostly follows `seq`; a row whose transaction commits after rows
  behind it were sealed is simply sealed later, at the chain's end (no gap, no false alarm).
  Two sealers at once are serialized: PostgreSQL takes an advisory lock, SQLite's write lock
  does it anyway.
- `verify(conn)`: walk the chain; `patient_access_log`, `search_audit`: newest first, paged by seq.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, func, select
from sqlalchemy.exc import DBAPIError

from enlace.store.sql import copy_tuples

from .audit import (
    DEFAULT_HORIZON_US,
    ENTRY_COLUMNS,
    GENESIS,
    AuditEntry,
    ChainWalk,
    Link,
    VerifyReport,
    chain_links,
)
from .tables import audit_log

# Rows per sealing transaction. SQLite seals ~40k rows/s holding the one write lock: 500 keep a
# request's write waiting ~13 ms at most. PostgreSQL locks only the rows being sealed.
SEAL_BATCH = {"sqlite": 500, "postgresql": 5000}
VERIFY_BATCH = 5000
COPY_FROM = 16  # PostgreSQL: this many rows and more go by COPY, fewer by INSERT

_COLUMNS = ", ".join(ENTRY_COLUMNS)
_INSERT = {
    "sqlite": f"INSERT INTO audit_log ({_COLUMNS}) VALUES ({', '.join('?' * len(ENTRY_COLUMNS))})",
    "postgresql": f"INSERT INTO audit_log ({_COLUMNS}) "
    f"VALUES ({', '.join(['%s'] * len(ENTRY_COLUMNS))})",
}
# One primary-key UPDATE per row (pipelined by psycopg's executemany). A single UPDATE joined to
# unnest()ed arrays was no faster at its best and, before autovacuum had analyzed a fresh
# backlog, was planned as a nested loop comparing every pair: 1.5 s for 5,000 rows.
_SEAL = {
    "sqlite": "UPDATE audit_log SET chain_seq = ?, prev_hash = ?, hash = ? "
    "WHERE seq = ? AND chain_seq IS NULL",
    "postgresql": "UPDATE audit_log SET chain_seq = %s, prev_hash = %s, hash = %s "
    "WHERE seq = %s AND chain_seq IS NULL",
}
# Two-key advisory locks live apart from the one-key locks of store.versions.serialize_on.
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('enlace.audit_log'), 0)"
_TRY_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('enlace.audit_log'), 0)"


def record(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    """Append entries in the caller's transaction (on the driver connection: ~one statement)."""
    insert_values(conn, [entry.values() for entry in entries])


def insert_values(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows of ENTRY_COLUMNS values."""
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect == "postgresql":
        rows = [_without_nul(row) for row in rows]
        if len(rows) >= COPY_FROM:
            copy_tuples(conn, "audit_log", ENTRY_COLUMNS, rows)
            return
    driver = conn.connection.driver_connection
    assert driver is not None
    statement = _INSERT[dialect]
    try:
        if len(rows) == 1:
            driver.execute(statement, rows[0])
        else:
            driver.cursor().executemany(statement, rows)
    except conn.dialect.loaded_dbapi.Error as exc:
        # Callers deal in SQLAlchemy's exceptions whatever the driver (as store.sql does).
        raise DBAPIError.instance(
            statement, list(rows), exc, conn.dialect.loaded_dbapi.Error
        ) from exc


def _without_nul(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """PostgreSQL text cannot hold NUL: a request with %00 in its query must not fail its audit
    (nor, for a write, the write)."""
    for value in row:
        if type(value) is str and "\x00" in value:
            return tuple(v.replace("\x00", "\ufffd") if type(v) is str else v for v in row)
    return row


def chain_head(conn: Connection) -> tuple[int, str]:
    """Position and hash of the last sealed row: (0, GENESIS) for an empty chain."""
    c = audit_log.c
    row = conn.execute(
        select(c.chain_seq, c.hash)
        .where(c.chain_seq.is_not(None))
        .order_by(c.chain_seq.desc())
        .limit(1)
    ).first()
    return (0, GENESIS) if row is None else (row[0], row[1])


def seal(
    conn: Connection,
    now_us: int,
    *,
    horizon_us: int = DEFAULT_HORIZON_US,
    limit: int | None = None,
    wait: bool = True,
) -> int:
    """Seal up to `limit` (SEAL_BATCH) rows recorded before `now_us - horizon_us`, in seq order,
    in the caller's (write) transaction; returns how many. `wait=False` returns 0 at once when another
    process is sealing (PostgreSQL; SQLite serializes on BEGIN IMMEDIATE before this runs)."""
    if conn.dialect.name == "postgresql":
        if not wait and not conn.exec_driver_sql(_TRY_LOCK).scalar():
            return 0
        if wait:
            conn.exec_driver_sql(_LOCK)
    position, head_hash = chain_head(conn)
    rows = _unsealed(conn, now_us - horizon_us, limit or SEAL_BATCH[conn.dialect.name])
    links = chain_links(position, head_hash, rows)
    _write_links(conn, links)
    return len(links)


def _unsealed(conn: Connection, before_us: int, limit: int) -> Sequence[Mapping[str, Any]]:
    """The first unsealed rows in seq order, read from a seq range of at most `limit` rows that
    starts at the lowest unsealed seq: the plan cannot depend on statistics (while autovacuum
    had not yet analyzed a fresh backlog of 200,000 rows, PostgreSQL read all of them and sorted
    them for every batch of a LIMIT query). A late row far behind makes one small batch."""
    c = audit_log.c
    unsealed = (c.chain_seq.is_(None), c.hash.is_(None))
    low = conn.execute(select(func.min(c.seq)).where(*unsealed)).scalar()
    if low is None:
        return []
    rows = conn.execute(
        select(audit_log)
        .where(*unsealed, c.seq >= low, c.seq < low + limit, c.recorded_us < before_us)
        .order_by(c.seq)
    )
    return cast(Sequence[Mapping[str, Any]], rows.mappings().all())


def _write_links(conn: Connection, links: list[Link]) -> None:
    if not links:
        return
    dialect = conn.dialect.name
    statement = _SEAL[dialect]
    driver = conn.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    cursor.executemany(statement, [(k.chain_seq, k.prev_hash, k.hash, k.seq) for k in links])
    changed = cursor.rowcount
    if changed != len(links):  # cannot happen under the lock: refuse to commit a forked chain
        raise RuntimeError(f"sealed {changed} audit rows of {len(links)}: concurrent sealer?")


def verify(conn: Connection, anchors: Mapping[int, str] | None = None) -> VerifyReport:
    """Walk the whole chain in position order (pages of VERIFY_BATCH rows) and count the rows
    not sealed yet. `anchors` {position: hash}, as sealing logged them, must still hold."""
    c = audit_log.c
    walk = ChainWalk(anchors)
    # From the lowest position there is (1 unless rows were deleted or renumbered below it).
    start: int | None = conn.execute(select(func.min(c.chain_seq))).scalar()
    while start is not None:
        # Position ranges, not LIMIT: each page reads at most VERIFY_BATCH rows whatever plan
        # the statistics suggest (the read engine runs in autocommit: no SET LOCAL there).
        rows = (
            conn.execute(
                select(audit_log)
                .where(c.chain_seq >= start, c.chain_seq < start + VERIFY_BATCH)
                .order_by(c.chain_seq)
            )
            .mappings()
            .all()
        )
        if rows and not walk.feed(cast(Sequence[Mapping[str, Any]], rows)):
            break
        if rows:
            start += VERIFY_BATCH
        else:  # a gap as long as a page (deleted rows): jump to what follows, if anything
            start = conn.execute(select(func.min(c.chain_seq)).where(c.chain_seq >= start)).scalar()
    report = walk.finish()
    report.unsealed = conn.execute(
        select(func.count()).select_from(audit_log).where(c.chain_seq.is_(None))
    ).scalar_one()
    if report.ok:
        _unsealed_with_hash(conn, report)
    return report


def _unsealed_with_hash(conn: Connection, report: VerifyReport) -> None:
    """A row with hashes but no position was sealed once and taken out of the chain (to change
    it and have it sealed again): the sealer leaves such rows alone, verify names them."""
    c = audit_log.c
    seq = conn.execute(
        select(c.seq).where(c.chain_seq.is_(None), c.hash.is_not(None)).order_by(c.seq).limit(1)
    ).scalar()
    if seq is not None:
        report.problem = "row carries hashes but no chain position (taken out of the chain)"
        report.broken_seq = seq


def patient_access_log(
    conn: Connection,
    patient_id: str,
    *,
    since_us: int | None = None,
    count: int = 50,
    before_seq: int | None = None,
) -> list[dict[str, Any]]:
    """Every access to a patient's record, newest first; the next page is
    `before_seq=<last row's seq>` (index (patient_id, seq))."""
    return search_audit(
        conn, patient=patient_id, since_us=since_us, count=count, before_seq=before_seq
    )


def search_audit(
    conn: Connection,
    *,
    patient: str | None = None,
    agent: str | None = None,
    action: str | None = None,
    since_us: int | None = None,
    until_us: int | None = None,
    count: int = 50,
    before_seq: int | None = None,
) -> list[dict[str, Any]]:
    """Audit rows newest first, for the AuditEvent search. `agent` is a user or client id
    (index (actor, seq)), or a FHIR reference such as Practitioner/7 (matched on fhir_user)."""
    c = audit_log.c
    conditions: list[ColumnElement[bool]] = []
    if patient is not None:
        conditions.append(c.patient_id == patient)
    if agent is not None:
        conditions.append(c.fhir_user == agent if "/" in agent else c.actor == agent)
    if action is not None:
        conditions.append(c.action == action)
    if since_us is not None:
        conditions.append(c.recorded_us >= since_us)
    if until_us is not None:
        conditions.append(c.recorded_us < until_us)
    if before_seq is not None:
        conditions.append(c.seq < before_seq)
    statement = select(audit_log).where(*conditions).order_by(c.seq.desc()).limit(max(count, 0))
    return [dict(row) for row in conn.execute(statement).mappings()]

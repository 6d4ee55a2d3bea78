"""Leases on job occurrences, run records and scheduler heartbeats (JOB_TABLES).

A process runs an occurrence only after winning its lease: the primary key (job, occurrence)
lets one insert succeed, on SQLite and PostgreSQL alike. A lease not renewed in time (its
holder crashed) may be taken over, unless the occurrence was finished.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from enlace.store.database import Database
from enlace.store.job_tables import job_heartbeats, job_leases, job_runs


@dataclass(frozen=True)
class Run:
    id: int
    job: str
    occurrence: str
    holder: str
    started_us: int
    ended_us: int | None
    outcome: str
    duration_ms: int | None
    detail: str


def claim(db: Database, job: str, occurrence: str, holder: str, now_us: int, lease_us: int) -> int:
    """The attempt number if this holder now holds the occurrence, 0 if another does or it is done."""
    try:
        with db.begin() as conn:
            conn.execute(
                insert(job_leases).values(
                    job=job,
                    occurrence=occurrence,
                    holder=holder,
                    leased_until_us=now_us + lease_us,
                    attempt=1,
                    finished_us=None,
                )
            )
        return 1
    except IntegrityError:
        pass
    return _take_over(db, job, occurrence, holder, now_us, lease_us)


def _take_over(
    db: Database, job: str, occurrence: str, holder: str, now_us: int, lease_us: int
) -> int:
    # One statement: of two processes seeing the same expired lease, one update matches.
    key = (job_leases.c.job == job) & (job_leases.c.occurrence == occurrence)
    with db.begin() as conn:
        taken = conn.execute(
            update(job_leases)
            .where(key, job_leases.c.finished_us.is_(None), job_leases.c.leased_until_us < now_us)
            .values(
                holder=holder,
                leased_until_us=now_us + lease_us,
                attempt=job_leases.c.attempt + 1,
            )
        ).rowcount
        if taken != 1:
            return 0
        attempt = conn.execute(select(job_leases.c.attempt).where(key)).scalar_one()
    return int(attempt)


def renew(db: Database, job: str, occurrence: str, holder: str, until_us: int) -> bool:
    """Extend the lease; False when it was lost (expired and taken over)."""
    with db.begin() as conn:
        return (
            conn.execute(
                update(job_leases)
                .where(
                    job_leases.c.job == job,
                    job_leases.c.occurrence == occurrence,
                    job_leases.c.holder == holder,
                )
                .values(leased_until_us=until_us)
            ).rowcount
            == 1
        )


def finish(db: Database, job: str, occurrence: str, holder: str, now_us: int) -> None:
    with db.begin() as conn:
        conn.execute(
            update(job_leases)
            .where(
                job_leases.c.job == job,
                job_leases.c.occurrence == occurrence,
                job_leases.c.holder == holder,
            )
            .values(finished_us=now_us)
        )


def start_run(db: Database, job: str, occurrence: str, holder: str, now_us: int) -> int:
    with db.begin() as conn:
        result = conn.execute(
            insert(job_runs).values(
                job=job,
                occurrence=occurrence,
                holder=holder,
                started_us=now_us,
                outcome="running",
                detail="",
            )
        )
        key = result.inserted_primary_key
        assert key is not None  # an insert of one row has its key
        return int(key[0])


def end_run(db: Database, run_id: int, outcome: str, ended_us: int, detail: str) -> None:
    with db.begin() as conn:
        started = conn.execute(
            select(job_runs.c.started_us).where(job_runs.c.id == run_id)
        ).scalar_one()
        conn.execute(
            update(job_runs)
            .where(job_runs.c.id == run_id)
            .values(
                outcome=outcome,
                ended_us=ended_us,
                duration_ms=(ended_us - started) // 1000,
                detail=detail[-2000:],
            )
        )


def runs(db: Database, job: str | None = None, limit: int = 50) -> list[Run]:
    """The latest runs, newest first (of one job when named)."""
    query = select(job_runs).order_by(job_runs.c.id.desc()).limit(limit)
    if job is not None:
        query = query.where(job_runs.c.job == job)
    with db.read() as conn:
        return [Run(**row._mapping) for row in conn.execute(query)]


def last_runs(db: Database) -> dict[str, Run]:
    """Each job's latest run."""
    latest = select(func.max(job_runs.c.id)).group_by(job_runs.c.job)
    with db.read() as conn:
        rows = conn.execute(select(job_runs).where(job_runs.c.id.in_(latest)))
        return {row.job: Run(**row._mapping) for row in rows}


def beat(db: Database, holder: str, now_us: int) -> None:
    with db.begin() as conn:
        changed = conn.execute(
            update(job_heartbeats).where(job_heartbeats.c.holder == holder).values(beat_us=now_us)
        ).rowcount
        if not changed:
            conn.execute(insert(job_heartbeats).values(holder=holder, beat_us=now_us))


def last_beat_us(db: Database) -> int | None:
    """The latest heartbeat of any scheduler process (None if none ever ran)."""
    with db.read() as conn:
        value = conn.execute(select(func.max(job_heartbeats.c.beat_us))).scalar()
    return int(value) if value is not None else None

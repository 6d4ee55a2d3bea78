"""Background reindexing: rebuild the index rows of some resource types (or all) with the search
configuration in force, resumably, without holding up writers.

A job (`reindex_jobs` row) walks `resources` in keyset order of (resource_type, id), in batches of
`BATCH_SIZE`. Each batch is one short transaction that reads the batch's current rows, deletes
their index rows, writes new ones (none for a deleted resource) and records the cursor, `done` and
the lease: a process that stops at any point resumes after the last committed batch.

- PostgreSQL: the batch reads its rows `FOR UPDATE SKIP LOCKED`. A row a writer holds right now
  is skipped (that writer indexes it with the current configuration anyway) and a writer that
  comes second waits for one batch at most.
- SQLite: the batch transaction starts with BEGIN IMMEDIATE like every write, so batches and
  writers take turns.

Only one process runs a job: it claims the job with a lease (`owner`, `lease_until_us`) renewed
by every batch; another process takes over a job whose lease has ended. A batch whose owner lost
the lease rolls back. When a job ends with the configuration it was built with still current, the
per-type fingerprints in `search_index_state` record which types are up to date; once every type
is, `fingerprint` records the configuration as a whole (the startup check compares it).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, and_, delete, func, or_, select, tuple_, update

from enlace.kernel.clock import Clock, epoch_us, system_clock
from enlace.search import custom_params
from enlace.search.index_state import FINGERPRINT_KEY, STATE_LOCK, TYPES_KEY, record, state
from enlace.search.runtime import SearchConfig, SearchServices, refresh_if_stale
from enlace.store import content_cipher, sql, versions
from enlace.store.database import Database
from enlace.store.patient_key import keyed
from enlace.store.schema import INDEX_TABLES, reindex_jobs, resources

log = logging.getLogger(__name__)

BATCH_SIZE = 500
LEASE_S = 60.0
ACTIVE = ("queued", "running")
# This process, as a job owner.
OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class Job:
    id: str
    status: str
    created_us: int
    types: list[str]  # [] for every type
    fingerprint: str
    cursor: tuple[str, str] | None
    done: int
    total: int
    error: str | None
    owner: str | None
    lease_until_us: int | None


class LeaseLost(Exception):
    """Another process took the job over: this one's batch rolls back and it stops."""


# -- jobs -----------------------------------------------------------------------------------------


def queue(
    db: Database,
    types: Sequence[str],
    fingerprint: str,
    clock: Clock = system_clock,
    conn: Connection | None = None,
) -> str:
    """A new queued job over `types` ([] for all); returns its id."""
    job_id = str(uuid.uuid4())
    values = {
        "id": job_id,
        "status": "queued",
        "created_us": epoch_us(clock()),
        "types": orjson.dumps(sorted(set(types))).decode(),
        "fingerprint": fingerprint,
        "done": 0,
        "total": 0,
    }
    if conn is not None:
        conn.execute(reindex_jobs.insert().values(**values))
        return job_id
    with db.begin() as own:
        own.execute(reindex_jobs.insert().values(**values))
    return job_id


def ensure(
    db: Database,
    types: Sequence[str],
    fingerprint: str,
    clock: Clock = system_clock,
    since_us: int | None = None,
) -> str:
    """A job for this configuration covering `types`, queued unless one exists already, so that
    the processes that notice the same change agree on one job. An active job counts; with
    `since_us` (when the change was made) so does one created since then, even complete."""
    with db.begin() as conn:
        versions.serialize_on(conn, "enlace:reindex-queue")
        return _ensure(conn, db, types, fingerprint, clock, since_us)


def _ensure(
    conn: Connection,
    db: Database,
    types: Sequence[str],
    fingerprint: str,
    clock: Clock,
    since_us: int | None = None,
) -> str:
    wanted = set(types)
    j = reindex_jobs.c
    reusable: ColumnElement[bool] = j.status.in_(ACTIVE)
    if since_us is not None:
        reusable = or_(reusable, and_(j.status == "complete", j.created_us >= since_us))
    rows = conn.execute(
        select(j.id, j.types).where(reusable, j.fingerprint == fingerprint).order_by(j.created_us)
    ).all()
    for job_id, job_types in rows:
        covered = set(orjson.loads(job_types))
        if not covered or (wanted and wanted <= covered):
            return str(job_id)
    return queue(db, types, fingerprint, clock, conn)


def get(db: Database, job_id: str, conn: Connection | None = None) -> Job | None:
    if conn is None:
        with db.read() as own:
            return get(db, job_id, own)
    row = conn.execute(select(reindex_jobs).where(reindex_jobs.c.id == job_id)).mappings().first()
    if row is None:
        return None
    cursor = (row["cursor_type"], row["cursor_id"]) if row["cursor_type"] is not None else None
    return Job(
        id=row["id"],
        status=row["status"],
        created_us=int(row["created_us"]),
        types=list(orjson.loads(row["types"])),
        fingerprint=row["fingerprint"],
        cursor=cursor,
        done=int(row["done"]),
        total=int(row["total"]),
        error=row["error"],
        owner=row["owner"],
        lease_until_us=row["lease_until_us"],
    )


def claimable(db: Database, clock: Clock = system_clock) -> list[str]:
    """Active jobs nobody holds: queued and never claimed, or whose lease has ended."""
    now = epoch_us(clock())
    j = reindex_jobs.c
    with db.read() as conn:
        rows = conn.execute(
            select(j.id)
            .where(j.status.in_(ACTIVE), or_(j.lease_until_us.is_(None), j.lease_until_us < now))
            .order_by(j.created_us)
        ).all()
    return [str(row[0]) for row in rows]


# -- running --------------------------------------------------------------------------------------

Progress = Callable[[Job], None]


def run(
    services: SearchServices,
    job_id: str,
    *,
    owner: str = OWNER,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
    clock: Clock = system_clock,
    lease_s: float = LEASE_S,
    progress: Progress | None = None,
) -> str:
    """Claims the job and runs it to the end (or `max_batches` batches). Returns `complete`,
    `failed`, `busy` (another process holds the lease), `lost` (taken over meanwhile),
    `stopped` (max_batches reached), `missing`, or the status of a job already finished."""
    db = services.db
    lease_us = int(lease_s * 1_000_000)
    if not _claim(db, job_id, owner, epoch_us(clock()), lease_us):
        job = get(db, job_id)
        if job is None:
            return "missing"
        return "busy" if job.status in ACTIVE else job.status
    try:
        job = _start(db, job_id, owner)
        batches = 0
        while True:
            if max_batches is not None and batches >= max_batches:
                return "stopped"
            config = refresh_if_stale(services)
            count, job = _batch(db, job, config, owner, batch_size, epoch_us(clock()), lease_us)
            batches += 1
            if progress is not None:
                progress(job)
            if count < batch_size:
                _complete(services, job, owner)
                return "complete"
    except LeaseLost:
        log.info("reindex job taken over", extra={"fields": {"job": job_id}})
        return "lost"
    except Exception as exc:  # reported in the job's status, never lost silently
        log.exception("reindex job failed", extra={"fields": {"job": job_id}})
        with db.begin() as conn:
            conn.execute(
                update(reindex_jobs)
                .where(reindex_jobs.c.id == job_id, reindex_jobs.c.owner == owner)
                .values(status="failed", error=f"{exc.__class__.__name__}: {exc}")
            )
        return "failed"


def _claim(db: Database, job_id: str, owner: str, now_us: int, lease_us: int) -> bool:
    j = reindex_jobs.c
    with db.begin() as conn:
        claimed = conn.execute(
            update(reindex_jobs)
            .where(
                j.id == job_id,
                j.status.in_(ACTIVE),
                or_(j.owner.is_(None), j.owner == owner, j.lease_until_us < now_us),
            )
            .values(owner=owner, lease_until_us=now_us + lease_us, status="running")
        ).rowcount
    return bool(claimed == 1)


def _start(db: Database, job_id: str, owner: str) -> Job:
    """The claimed job; its total counted the first time it starts."""
    job = get(db, job_id)
    assert job is not None
    if job.cursor is not None or job.done or job.total:
        return job
    r = resources.c
    query = select(func.count()).select_from(resources)
    if job.types:
        query = query.where(r.resource_type.in_(job.types))
    with db.begin() as conn:
        total = int(conn.execute(query).scalar_one())
        conn.execute(
            update(reindex_jobs)
            .where(reindex_jobs.c.id == job_id, reindex_jobs.c.owner == owner)
            .values(total=total)
        )
    return _replace(job, total=total)


def _batch(
    db: Database,
    job: Job,
    config: SearchConfig,
    owner: str,
    batch_size: int,
    now_us: int,
    lease_us: int,
) -> tuple[int, Job]:
    r = resources.c
    query = (
        select(r.resource_type, r.id, r.deleted, r.content, r.version_id, r.patient_key)
        .order_by(r.resource_type, r.id)
        .limit(batch_size)
    )
    if job.types:
        query = query.where(r.resource_type.in_(job.types))
    if job.cursor is not None:
        query = query.where(tuple_(r.resource_type, r.id) > tuple_(*job.cursor))
    with db.begin() as conn:
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = conn.execute(query).all()
        _rebuild(conn, config, rows)
        cursor = (rows[-1][0], rows[-1][1]) if rows else job.cursor
        first = job.cursor is None and job.done == 0
        fingerprint = (
            config.fingerprint if first or job.fingerprint == config.fingerprint else ""
        )  # "" marks a job whose configuration changed under it
        renewed = conn.execute(
            update(reindex_jobs)
            .where(reindex_jobs.c.id == job.id, reindex_jobs.c.owner == owner)
            .values(
                cursor_type=cursor[0] if cursor else None,
                cursor_id=cursor[1] if cursor else None,
                done=reindex_jobs.c.done + len(rows),
                lease_until_us=now_us + lease_us,
                fingerprint=fingerprint,
            )
        ).rowcount
        if renewed != 1:
            raise LeaseLost(job.id)
    return len(rows), _replace(
        job, cursor=cursor, done=job.done + len(rows), fingerprint=fingerprint
    )


def _rebuild(conn: Connection, config: SearchConfig, rows: Sequence[Any]) -> None:
    """Replace the index rows of these resources (none for a deleted one). The rows keep the
    resource's stored patient key: an index row lives where its resource does."""
    ids: dict[str, list[str]] = {}
    fresh: dict[str, list[tuple[Any, ...]]] = {}
    opened = content_cipher.of(conn).open
    for resource_type, resource_id, deleted, content, version_id, key in rows:
        ids.setdefault(resource_type, []).append(resource_id)
        if not deleted and content is not None:
            resource = orjson.loads(opened(resource_type, resource_id, version_id, bytes(content)))
            index = config.indexer.rows(resource_type, resource_id, resource)
            for name, found in keyed(index, key).items():
                fresh.setdefault(name, []).extend(found)
    for table in INDEX_TABLES:
        for resource_type, batch_ids in ids.items():
            conn.execute(
                delete(table).where(
                    table.c.resource_type == resource_type, table.c.resource_id.in_(batch_ids)
                )
            )
    sql.insert_index_rows(conn, fresh)


def _complete(services: SearchServices, job: Job, owner: str) -> None:
    config = refresh_if_stale(services, force=True)
    with services.db.begin() as conn:
        versions.serialize_on(conn, STATE_LOCK)
        done = conn.execute(
            update(reindex_jobs)
            .where(reindex_jobs.c.id == job.id, reindex_jobs.c.owner == owner)
            .values(status="complete", lease_until_us=None)
        ).rowcount
        if done != 1:
            raise LeaseLost(job.id)
        if job.fingerprint == config.fingerprint:
            record(conn, config, job.types)


def _replace(job: Job, **changes: Any) -> Job:
    values = {name: getattr(job, name) for name in Job.__slots__}
    values.update(changes)
    return Job(**values)


def startup_check(services: SearchServices, clock: Clock = system_clock) -> str | None:
    """At startup: when the recorded fingerprint is missing or not the current one, an empty store
    just records it, and a store with resources gets a job over the stale types (all types when
    nothing is recorded; an active job for them is reused). Returns that job's id."""
    config = services.search.current()
    with services.db.begin() as conn:
        versions.serialize_on(conn, STATE_LOCK)
        known = state(conn)
        if known.get(FINGERPRINT_KEY) == config.fingerprint:
            return None
        if conn.execute(select(resources.c.id).limit(1)).first() is None:
            record(conn, config, [])
            return None
        current = custom_params.type_fingerprints(config.registry)
        recorded: dict[str, str] = orjson.loads(known.get(TYPES_KEY, "{}"))
        stale = sorted(t for t, fp in current.items() if recorded.get(t) != fp)
        if not stale:
            record(conn, config, [])
            return None
        types = [] if len(stale) == len(current) else stale
        versions.serialize_on(conn, "enlace:reindex-queue")
        return _ensure(conn, services.db, types, config.fingerprint, clock)

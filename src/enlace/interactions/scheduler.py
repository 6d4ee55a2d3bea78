"""The job scheduler: cron times in America/Mexico_City, one run per occurrence across processes.

Every scheduler process (`enlace jobs serve`, as many as wanted) ticks, finds each job's latest
due occurrence and tries to win its lease (store/job_leases.py); the winner runs it, renewing
the lease while it runs, and records the run. An occurrence missed while no scheduler ran is
still run if it is at most `catch_up` old; older ones are skipped (the next one comes).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from enlace.kernel import metrics
from enlace.kernel.clock import Clock, epoch_us, system_clock
from enlace.store import job_leases
from enlace.store.database import Database

log = logging.getLogger(__name__)

ZONE = ZoneInfo("America/Mexico_City")


@dataclass(frozen=True)
class Job:
    name: str
    cron: str  # five fields, local time in ZONE
    argv: tuple[str, ...]  # the `enlace` command that does the work
    summary: str
    lease_minutes: int = 30  # renewed every third of it while the job runs


@dataclass(frozen=True)
class Outcome:
    ok: bool
    detail: str


Runner = Callable[[Job], Outcome]


def holder_name() -> str:
    """Unique per process: host, pid and a random tail (pids are reused after restarts)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def occurrence_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def due_occurrence(job: Job, now: datetime, catch_up: timedelta) -> datetime | None:
    """The job's latest scheduled instant at or before `now`, if not older than `catch_up`."""
    local_now = now.astimezone(ZONE)
    previous: datetime = croniter(job.cron, local_now + timedelta(seconds=1)).get_prev(datetime)
    return previous if local_now - previous <= catch_up else None


def next_occurrence(job: Job, now: datetime) -> datetime:
    following: datetime = croniter(job.cron, now.astimezone(ZONE)).get_next(datetime)
    return following


def run_occurrence(
    db: Database,
    job: Job,
    occurrence: str,
    runner: Runner,
    holder: str,
    clock: Clock = system_clock,
) -> job_leases.Run | None:
    """Run the occurrence if this process wins its lease; None when another process has it."""
    lease_us = job.lease_minutes * 60_000_000
    attempt = job_leases.claim(db, job.name, occurrence, holder, epoch_us(clock()), lease_us)
    if not attempt:
        return None
    run_id = job_leases.start_run(db, job.name, occurrence, holder, epoch_us(clock()))
    log.info("job started", extra={"fields": {"job": job.name, "occurrence": occurrence}})
    stop = threading.Event()
    keeper = threading.Thread(
        target=_keep_lease, args=(db, job, occurrence, holder, stop, clock), daemon=True
    )
    keeper.start()
    started = time.monotonic()
    try:
        outcome = runner(job)
    except Exception as exc:  # a job's failure is recorded, the scheduler goes on
        log.exception("job raised", extra={"fields": {"job": job.name}})
        outcome = Outcome(False, f"{exc.__class__.__name__}: {exc}")
    finally:
        stop.set()
        keeper.join()
    seconds = time.monotonic() - started
    label = "ok" if outcome.ok else "failed"
    metrics.JOB_SECONDS.labels(job.name, label).observe(seconds)
    job_leases.end_run(db, run_id, label, epoch_us(clock()), outcome.detail)
    job_leases.finish(db, job.name, occurrence, holder, epoch_us(clock()))
    log.info(
        "job ended",
        extra={"fields": {"job": job.name, "outcome": label, "seconds": round(seconds, 3)}},
    )
    return job_leases.runs(db, job.name, limit=1)[0]


def _keep_lease(
    db: Database, job: Job, occurrence: str, holder: str, stop: threading.Event, clock: Clock
) -> None:
    lease_us = job.lease_minutes * 60_000_000
    while not stop.wait(job.lease_minutes * 20):  # a third of the lease, in seconds
        now_us = epoch_us(clock())
        try:
            if not job_leases.renew(db, job.name, occurrence, holder, now_us + lease_us):
                log.error("job lease lost", extra={"fields": {"job": job.name}})
            job_leases.beat(db, holder, now_us)
        except Exception:  # the database may be back at the next renewal
            log.warning("job lease not renewed", exc_info=True)


def tick(
    db: Database,
    jobs: list[Job],
    runner: Runner,
    holder: str,
    clock: Clock = system_clock,
    catch_up: timedelta = timedelta(hours=6),
) -> list[job_leases.Run]:
    """One pass: beat, then run every due occurrence this process wins. The runs made."""
    job_leases.beat(db, holder, epoch_us(clock()))
    made = []
    for job in jobs:
        due = due_occurrence(job, clock(), catch_up)
        if due is None:
            continue
        run = run_occurrence(db, job, occurrence_key(due), runner, holder, clock)
        if run is not None:
            made.append(run)
    return made


def serve(
    db: Database,
    jobs: list[Job],
    runner: Runner,
    stop: threading.Event,
    every_seconds: float = 20.0,
    clock: Clock = system_clock,
) -> None:
    """Tick until `stop` is set; a failing tick (database away) is logged and retried."""
    holder = holder_name()
    log.info("scheduler started", extra={"fields": {"holder": holder, "jobs": len(jobs)}})
    while not stop.is_set():
        try:
            tick(db, jobs, runner, holder, clock)
        except Exception:
            log.warning("scheduler tick failed", exc_info=True)
        stop.wait(every_seconds)

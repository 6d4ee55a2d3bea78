"""`enlace jobs`: list the scheduled jobs and their last runs, run one now, serve the scheduler."""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from types import FrameType

import typer

from enlace.entrypoints.cli import jobs_catalog
from enlace.interactions import scheduler
from enlace.kernel.clock import from_epoch_us, system_clock
from enlace.kernel.logging import configure_logging
from enlace.kernel.settings import Settings
from enlace.store import job_leases, migrate
from enlace.store.database import Database, open_database

jobs_app = typer.Typer(help="Scheduled jobs: list, run now, serve.", no_args_is_help=True)


def _database() -> Database:
    db = open_database(Settings.from_env().resolved_database_url, pool_size=2)
    migrate.upgrade(db)
    return db


def _local(us: int | None) -> str:
    if us is None:
        return "-"
    return from_epoch_us(us).astimezone(scheduler.ZONE).strftime("%Y-%m-%d %H:%M")


@jobs_app.command("list")
def list_command() -> None:
    """Each job: schedule (America/Mexico_City), next run, last run and its outcome."""
    db = _database()
    last = job_leases.last_runs(db)
    now = system_clock()
    typer.echo("job\tschedule\tnext\tlast\toutcome\tseconds")
    for job in jobs_catalog.JOBS:
        run = last.get(job.name)
        following = scheduler.next_occurrence(job, now).strftime("%Y-%m-%d %H:%M")
        seconds = f"{run.duration_ms / 1000:.1f}" if run and run.duration_ms is not None else "-"
        outcome = run.outcome if run else "-"
        started = _local(run.started_us if run else None)
        typer.echo(f"{job.name}\t{job.cron}\t{following}\t{started}\t{outcome}\t{seconds}")
    beat = job_leases.last_beat_us(db)
    typer.echo(f"scheduler heartbeat: {_local(beat)}")


@jobs_app.command("run")
def run_command(
    name: str = typer.Argument(..., help="A job name from `enlace jobs list`."),
    occurrence: str = typer.Option(
        "", help="Occurrence key (e.g. 2026-11-26T08:00Z) to run one under its lease."
    ),
) -> None:
    """Run one job now (under a lease of its own, so two `run`s of one occurrence run once)."""
    job = jobs_catalog.by_name(name)
    if job is None:
        names = ", ".join(j.name for j in jobs_catalog.JOBS)
        typer.echo(f"error: unknown job '{name}' (one of: {names})", err=True)
        raise typer.Exit(2)
    key = occurrence or "manual-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    db = _database()
    run = scheduler.run_occurrence(db, job, key, jobs_catalog.run_command, scheduler.holder_name())
    if run is None:
        typer.echo(f"{name} {key}: run by another process (or already done)")
        return
    typer.echo(f"{name} {key}: {run.outcome} in {(run.duration_ms or 0) / 1000:.1f} s")
    typer.echo(run.detail)
    if run.outcome != "ok":
        raise typer.Exit(1)


@jobs_app.command("serve")
def serve_command(
    every: float = typer.Option(20.0, min=1.0, help="Seconds between scheduler ticks."),
) -> None:
    """The scheduler process: runs each due job occurrence once across all scheduler processes."""
    configure_logging(Settings.from_env().log_level)
    db = _database()
    stop = threading.Event()

    def stop_on(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_on)
    signal.signal(signal.SIGINT, stop_on)
    scheduler.serve(db, jobs_catalog.JOBS, jobs_catalog.run_command, stop, every_seconds=every)

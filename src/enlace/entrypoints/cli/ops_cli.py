"""`enlace config check` (refuse unsafe production settings) and `enlace workers serve` (the
outbox deliverers and background clocks as a process of their own)."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from types import FrameType

import typer

from enlace.bootstrap import build, start_workers
from enlace.kernel.logging import configure_logging
from enlace.kernel.settings import Settings
from enlace.security.hardening import production_problems, startup_warnings

config_app = typer.Typer(help="Configuration (environment variables).", no_args_is_help=True)
workers_app = typer.Typer(help="Background workers (outboxes, alert clocks).", no_args_is_help=True)

TRACING_EXPORTERS = ("", "off", "console", "otlp")


def operations_problems(settings: Settings) -> list[str]:
    """Problems of the operations settings (metrics, tracing, health bounds), any environment."""
    problems = []
    if settings.tracing not in TRACING_EXPORTERS:
        problems.append(
            f"ENLACE_TRACING is '{settings.tracing}': use console, otlp or leave it empty"
        )
    if settings.metrics_token and len(settings.metrics_token) < 24:
        problems.append("ENLACE_METRICS_TOKEN is shorter than 24 characters")
    if settings.ready_outbox_lag_seconds < 0:
        problems.append("ENLACE_READY_OUTBOX_LAG must be 0 (not checked) or positive seconds")
    if settings.ready_scheduler_seconds < 0:
        problems.append("ENLACE_READY_SCHEDULER must be 0 (not checked) or positive seconds")
    return problems


@config_app.command("check")
def check_command() -> None:
    """Print every problem of the settings in the environment; exit 1 if there is one."""
    try:
        settings = Settings.from_env()
    except ValueError as exc:  # a number that is not one
        typer.echo(f"problem: a setting does not parse: {exc}", err=True)
        raise typer.Exit(1) from exc
    problems = production_problems(settings) + operations_problems(settings)
    for warning in startup_warnings(settings):
        typer.echo(f"warning: {warning}")
    for problem in problems:
        typer.echo(f"problem: {problem}", err=True)
    kind = "production" if settings.production else settings.environment
    if problems:
        typer.echo(f"{len(problems)} problem(s): refusing these {kind} settings", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {kind} settings ({settings.resolved_database_url.split('://')[0]})")


@workers_app.command("serve")
def serve_command() -> None:
    """Run the outbox deliverers (messages, subscriptions), alert escalation and care clocks
    until stopped; pair with ENLACE_INPROCESS_WORKERS=0 on the API processes."""
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    services = build(settings)
    start_workers(services)
    stop = threading.Event()

    def stop_on(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, stop_on)
    signal.signal(signal.SIGINT, stop_on)
    typer.echo("workers running: messaging outbox, subscriptions, escalation, care clocks")
    stop.wait()


def metrics_dir(var_dir: Path) -> Path:
    """PROMETHEUS_MULTIPROC_DIR for the serving workers (emptied: samples of the processes of a
    previous run would be added to this one's); one already set in the environment is kept."""
    chosen = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or var_dir / "metrics")
    chosen.mkdir(parents=True, exist_ok=True)
    for stale in chosen.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(chosen)  # inherited by the workers
    return chosen

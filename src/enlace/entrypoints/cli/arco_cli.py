"""`enlace arco`: list, answer and execute patients' ARCO requests (LFPDPPP)."""

from __future__ import annotations

import getpass

import typer

from enlace.bootstrap import build
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, fhir_instant, from_epoch_us, system_clock
from enlace.kernel.settings import Settings
from enlace.security import arco

arco_app = typer.Typer(
    help="ARCO rights requests (access, rectification, cancellation, opposition).",
    no_args_is_help=True,
)


def _now_us() -> int:
    return epoch_us(system_clock())


def _operator() -> str:
    """Who acted, for the request's record: the operating-system account running the CLI."""
    return f"cli:{getpass.getuser()}"


def _day(at_us: int | None) -> str:
    return fhir_instant(from_epoch_us(at_us))[:10] if at_us is not None else "-"


def _fail(exc: errors.FhirError) -> typer.Exit:
    typer.echo(f"error: {exc.message}", err=True)
    return typer.Exit(1)


@arco_app.command("list")
def list_command(
    overdue: bool = typer.Option(False, "--overdue", help="Only those past their deadline."),
    open_only: bool = typer.Option(False, "--open", help="Only those not answered or executed."),
) -> None:
    """Requests, oldest first: id, patient, right, status, filed, deadline running, OVERDUE."""
    services = build(Settings.from_env())
    now = _now_us()
    try:
        with services.db.read() as conn:
            found = (
                arco.overdue(conn, now)
                if overdue
                else arco.list_requests(conn, open_only=open_only)
            )
    finally:
        services.db.dispose()
    for request in found:
        fields = [
            request.id,
            f"Patient/{request.patient_id}",
            request.kind,
            request.status,
            _day(request.filed_us),
            f"due {_day(request.pending_due_us)}",
        ]
        typer.echo("\t".join(fields) + ("\tOVERDUE" if request.overdue(now) else ""))
    if not found:
        typer.echo("no requests")


@arco_app.command("answer")
def answer_command(
    request_id: str = typer.Argument(..., help="The request id."),
    accept: bool | None = typer.Option(None, "--accept/--reject", help="The decision."),
    reason: str = typer.Option("", help="Why (required to reject)."),
) -> None:
    """Accept or reject a request; an acceptance starts the execution term."""
    if accept is None:
        typer.echo("error: say --accept or --reject", err=True)
        raise typer.Exit(2)
    services = build(Settings.from_env())
    try:
        with services.db.begin() as conn:
            done = arco.answer(
                conn,
                request_id,
                accepted=accept,
                reason=reason,
                now_us=_now_us(),
                settings=services.settings,
                answered_by=_operator(),
            )
    except errors.FhirError as exc:
        raise _fail(exc) from exc
    finally:
        services.db.dispose()
    due = f"; execute by {_day(done.execute_due_us)}" if done.execute_due_us else ""
    typer.echo(f"{done.id} {done.status}{due}")


@arco_app.command("execute")
def execute_command(
    request_id: str = typer.Argument(..., help="The request id."),
    versions: list[str] = typer.Option(
        [], "--version", help="Rectification: a resulting version, Type/id/_history/n (repeat)."
    ),
    retention_reason: str = typer.Option(
        "", help="Cancellation: the legal reason for keeping the blocked data."
    ),
) -> None:
    """Carry out an accepted request (access copy, rectification record, blocking, Consent)."""
    services = build(Settings.from_env())
    try:
        with services.db.begin() as conn:
            done = arco.execute(
                conn,
                request_id,
                now_us=_now_us(),
                settings=services.settings,
                repo=services.repo,
                versions=versions,
                retention_reason=retention_reason or None,
                executed_by=_operator(),
            )
    except errors.FhirError as exc:
        raise _fail(exc) from exc
    finally:
        services.db.dispose()
    result = done.details.get("result", {})
    shown = {k: v for k, v in result.items() if k not in ("by", "types")}
    typer.echo(f"{done.id} executed: " + ", ".join(f"{k}={v}" for k, v in sorted(shown.items())))

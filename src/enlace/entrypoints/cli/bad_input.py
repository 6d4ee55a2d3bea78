"""How a command reports bad input: one `error: <where>: <problem>` line per OperationOutcome
issue on stderr (the caller then exits 2, having written nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from sqlalchemy import Connection

from enlace.bootstrap import build
from enlace.kernel import errors
from enlace.kernel.settings import Settings
from enlace.store.repository import FhirRepository

T = TypeVar("T")


def echo_issues(exc: errors.FhirError) -> None:
    for issue in exc.issues:
        where = f"{issue.expression}: " if issue.expression else ""
        typer.echo(f"error: {where}{issue.diagnostics}", err=True)


def run_in_transaction(work: Callable[[Connection, FhirRepository], T]) -> T:
    """Run `work` in one write transaction of a freshly built platform; a FhirError is reported
    issue by issue and the command exits 2 (the transaction rolled back: nothing written)."""
    services = build(Settings.from_env())
    try:
        with services.db.begin() as conn:
            return work(conn, services.repo)
    except errors.FhirError as exc:
        echo_issues(exc)
        raise typer.Exit(2) from exc
    finally:
        services.db.dispose()

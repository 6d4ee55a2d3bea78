"""How a command reports bad input: one `error: <where>: <problem>` line per OperationOutcome
issue on stderr (the caller then exits 2, having written nothing)."""

from __future__ import annotations

import typer

from enlace.kernel import errors


def echo_issues(exc: errors.FhirError) -> None:
    for issue in exc.issues:
        where = f"{issue.expression}: " if issue.expression else ""
        typer.echo(f"error: {where}{issue.diagnostics}", err=True)

"""`enlace adherence run [--as-of DATE]`: the adherence daily job (docs/adherence.md "Daily job
and pages"): measure every therapy, score the active ones, store the day's results, act on
them. Idempotent per day. Registered on the `adherence` group by adherence_cli.py."""

from __future__ import annotations

from datetime import date

import typer
from rich.progress import Progress

from enlace.bootstrap import build
from enlace.kernel import errors
from enlace.kernel.settings import Settings
from enlace.modules.adherence import service

BAD_INPUT = 2


def run_command(
    as_of: str = typer.Option(
        "", "--as-of", help="The day to run for (YYYY-MM-DD; default: today on the clock)."
    ),
    publish: bool = typer.Option(
        False,
        "--publish",
        help="Also write the month's measures as FHIR now (the job does on a month's last day).",
    ),
    act: bool = typer.Option(
        True, "--act/--no-act", help="Run the day's interventions (--no-act for a backfill)."
    ),
) -> None:
    """Measure, score and act on every therapy as of the day; rerunning a day replaces it."""
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        typer.echo(f"error: --as-of {as_of!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(BAD_INPUT) from None
    services = build(Settings.from_env())
    when = day or services.repo.clock().date()
    with Progress(transient=True) as bar:
        task = bar.add_task("adherence", total=None)

        def tell(step: str, done: int, total: int) -> None:
            bar.update(task, description=step, completed=done, total=total or None)

        try:
            report = service.run_daily(
                services, when, progress=tell, publish=publish or None, act=act
            )
        except errors.FhirError as exc:
            for issue in exc.issues:
                typer.echo(f"error: {issue.diagnostics}", err=True)
            raise typer.Exit(BAD_INPUT) from None
    typer.echo(
        f"{report.as_of.isoformat()}: {report.fills} fills ({report.problems} bad, "
        f"{report.skipped} skipped) -> {report.measured} therapies measured, "
        f"{report.scored} scored ({report.model or 'no model trained'}), "
        f"{report.interventions} interventions, {report.published} FHIR resources written "
        f"in {report.seconds.get('total', 0.0):.1f} s"
    )
    for line in report.problem_lines:
        typer.echo(f"  {line}")

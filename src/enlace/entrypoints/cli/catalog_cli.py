"""`enlace catalog`: load the reference catalogs (formulary, terminology, network) into the store."""

from __future__ import annotations

import typer

from enlace.bootstrap import build
from enlace.kernel import errors
from enlace.kernel.settings import Settings
from enlace.modules.catalog import load_catalogs
from enlace.modules.coverage import load_plans

catalog_app = typer.Typer(
    help="Reference catalogs: formulary, conditions, facilities.", no_args_is_help=True
)


@catalog_app.command("load")
def load_command() -> None:
    """Load every catalog; running it again changes nothing (unchanged resources keep their version)."""
    services = build(Settings.from_env())
    try:
        report, plans = load_catalogs(services), load_plans(services)
    except errors.FhirError as exc:
        for issue in exc.issues[:50]:
            typer.echo(f"error: {issue.diagnostics}", err=True)
        raise typer.Exit(1) from exc
    finally:
        services.db.dispose()
    for resource_type, count in sorted({**report.by_type, **plans.by_type}.items()):
        typer.echo(f"{resource_type}\t{count}")
    typer.echo(
        f"{report.total} catalog resources: {report.created} created, "
        f"{report.updated} updated, {report.unchanged} unchanged"
    )

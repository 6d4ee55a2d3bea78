"""`enlace analytics views list|refresh|add|remove|export` and `enlace analytics indicators
refresh`: the SQL-on-FHIR views, their materialized tables (DuckDB file by default) and exports
(docs/analytics.md, docs/indicators.md). Bad input exits 2 with one line per problem, nothing
written."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from enlace.bootstrap import build
from enlace.kernel import errors
from enlace.kernel.settings import Settings
from enlace.modules import analytics
from enlace.modules.analytics import indicators

analytics_app = typer.Typer(help="Population analytics: SQL-on-FHIR views.", no_args_is_help=True)
views_app = typer.Typer(help="ViewDefinitions and their tables.", no_args_is_help=True)
analytics_app.add_typer(views_app, name="views")

BAD_INPUT = 2
FILE_HELP = "The DuckDB file (default $ENLACE_VAR_DIR/analytics.duckdb)."


@contextmanager
def _bad_input_exits() -> Iterator[None]:
    try:
        yield
    except errors.FhirError as exc:
        for issue in exc.issues:
            where = f" ({issue.expression})" if issue.expression else ""
            typer.echo(f"error: {issue.diagnostics}{where}", err=True)
        raise typer.Exit(BAD_INPUT) from exc


@views_app.command("list")
def list_command(file: Path | None = typer.Option(None, "--file", help=FILE_HELP)) -> None:
    """Every view (built-in and saved): resource, columns, rows materialized, last refresh."""
    services = build(Settings.from_env())
    with services.db.read() as conn:
        views = analytics.all_views(conn)
    with _bad_input_exits():
        done = analytics.materialized(services, file)
    for name, view in views.items():
        state = done.get(name)
        when = (
            datetime.fromtimestamp(state["refreshed_us"] / 1e6, UTC).strftime("%Y-%m-%d %H:%M")
            if state
            else "never"
        )
        rows = f"{state['rows']:,} rows" if state else "-"
        typer.echo(
            f"{name:<28} {view.resource:<20} {len(view.columns):>3} columns  {rows:>14}  {when}"
        )


@views_app.command("refresh")
def refresh_command(
    names: list[str] = typer.Argument(None, help="Views to refresh (default: all)."),
    full: bool = typer.Option(False, "--full", help="Rebuild from scratch."),
    target: str = typer.Option("duckdb", help="duckdb (embedded file) or sql (the database)."),
    file: Path | None = typer.Option(None, "--file", help=FILE_HELP),
    margin: float | None = typer.Option(
        None, help="Seconds of history behind the last mark read again (default 2 on PostgreSQL)."
    ),
    workers: int = typer.Option(1, help="Processes evaluating a rebuild (1: this one)."),
) -> None:
    """Materialize views: only resources changed since the last refresh, unless --full."""
    services = build(Settings.from_env())
    columns = (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with _bad_input_exits(), Progress(*columns, transient=not sys.stderr.isatty()) as progress:

        def tick(view: analytics.CompiledView) -> Callable[[int], None]:
            task = progress.add_task(f"{view.name} ({view.resource})", total=None)
            return lambda n: progress.advance(task, n)

        if margin is not None and not 0 <= margin <= 86_400:
            raise errors.bad_request("--margin is 0 to 86400 seconds", "--margin")
        results = analytics.refresh(
            services,
            names or None,
            target=target,
            path=file,
            full=full,
            margin_us=None if margin is None else int(margin * 1e6),
            progress=tick,
            workers=workers,
        )
    for r in results:
        kind = "full" if r.full else "incremental"
        typer.echo(
            f"{r.view}: {kind}, {r.resources:,} resources ({r.deleted:,} deleted) in "
            f"{r.seconds:.2f} s ({r.resources_per_second:,.0f}/s), {r.row_count:,} rows"
        )


@views_app.command("add")
def add_command(path: Path = typer.Argument(..., help="A ViewDefinition JSON file.")) -> None:
    """Save a ViewDefinition (replaces one of the same name); refresh it afterwards."""
    services = build(Settings.from_env())
    with _bad_input_exits():
        try:
            definition = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise errors.bad_request(f"cannot read {path}: {exc}", str(path)) from exc
        with services.db.begin() as conn:
            view = analytics.save_view(conn, definition)
    typer.echo(f"saved view {view.name} ({view.resource}, {len(view.columns)} columns)")


@views_app.command("remove")
def remove_command(name: str = typer.Argument(...)) -> None:
    """Forget a saved view (its materialized table stays until dropped)."""
    services = build(Settings.from_env())
    with services.db.begin() as conn:
        removed = analytics.remove_view(conn, name)
    if not removed:
        typer.echo(f"error: no saved view named {name}", err=True)
        raise typer.Exit(BAD_INPUT)
    typer.echo(f"removed view {name}")


@views_app.command("export")
def export_command(
    name: str = typer.Argument(...),
    out: Path = typer.Option(..., "--out", help="The file to write."),
    file_format: str = typer.Option("parquet", "--format", help="parquet or csv."),
    file: Path | None = typer.Option(None, "--file", help=FILE_HELP),
) -> None:
    """Write a materialized view's rows as Parquet or CSV."""
    services = build(Settings.from_env())
    with _bad_input_exits():
        written = analytics.export(services, name, out, file_format, file)
    typer.echo(f"wrote {written}")


indicators_app = typer.Typer(
    help="The indicator library (docs/indicators.md).", no_args_is_help=True
)
analytics_app.add_typer(indicators_app, name="indicators")


@indicators_app.command("refresh")
def indicators_refresh_command(
    full: bool = typer.Option(False, "--full", help="Rebuild the views from scratch."),
) -> None:
    """Register the views the indicators and dashboards read and materialize them (changed
    resources only, unless --full): run after the day's jobs, before the dashboards are read."""
    services = build(Settings.from_env())
    with _bad_input_exits():
        results = indicators.refresh_sources(services, full=full)
    for r in results:
        kind = "full" if r.full else "incremental"
        typer.echo(f"{r.view}: {kind}, {r.resources:,} resources, {r.row_count:,} rows")

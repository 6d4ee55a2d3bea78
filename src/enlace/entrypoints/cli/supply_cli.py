"""`enlace supply snapshot|alerts|cycle`: the daily stock-out snapshot, its run-out alerts and
each facility's delivery cycle (docs/supply_kpis.md). Bad input exits 2, nothing written."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from enlace.bootstrap import build
from enlace.entrypoints.cli import supply_forecast_cli, supply_replay_cli
from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import supply_kpis
from enlace.modules.supply_kpis.service import FACILITIES

supply_app = typer.Typer(
    help="Supply: stock-out KPIs, forecasts, backtests, replay, requisitions.", no_args_is_help=True
)
supply_replay_cli.register(supply_app)
supply_forecast_cli.register(supply_app)

BAD_INPUT = 2
DATE_HELP = "Day (YYYY-MM-DD, not in the future); default today (UTC)."


@contextmanager
def _bad_input_exits() -> Iterator[None]:
    try:
        yield
    except errors.FhirError as exc:
        for issue in exc.issues:
            where = f" ({issue.expression})" if issue.expression else ""
            typer.echo(f"error: {issue.diagnostics}{where}", err=True)
        raise typer.Exit(BAD_INPUT) from exc


def _today(services: Services) -> date:
    return services.repo.clock().date()


@supply_app.command("snapshot")
def snapshot_command(
    day: str = typer.Option("", "--date", help=DATE_HELP),
    min_months: float = typer.Option(1.0, help="Stocked according to plan: at least this MOS."),
    max_months: float = typer.Option(3.0, help="… and at most this MOS."),
) -> None:
    """Compute the day's KPIs per facility x product and their rollups; a rerun replaces the day."""
    services = build(Settings.from_env())
    with _bad_input_exits():
        when = supply_kpis.parse_day(day, _today(services)) if day else _today(services)
        try:
            plan = supply_kpis.Plan(min_months=min_months, max_months=max_months)
        except ValueError as exc:
            raise errors.bad_request(str(exc), "--min-months/--max-months") from exc
    columns = (TextColumn("snapshot"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=not sys.stderr.isatty()) as progress:
        task = progress.add_task("facilities", total=len(FACILITIES))
        snapshot = supply_kpis.take_snapshot_read_first(
            services.db,
            when,
            epoch_us(services.repo.clock()),
            plan,
            lambda n: progress.advance(task, n),
        )
    network = next((r for r in snapshot.rollups if r.level == "network" and r.product == "*"), None)
    typer.echo(
        f"{when.isoformat()}: {snapshot.ledger.size} facility x product pairs, "
        f"{len(snapshot.ledger.facilities)} facilities, {len(snapshot.alerts)} run-out alerts"
    )
    if network is not None:
        typer.echo(
            f"stock-out rate {_percent(network.stocked_out, network.pairs)}, "
            f"stocked according to plan {_percent(network.within_plan, network.assessed)}, "
            f"reporting rate {_percent(network.reported, network.facilities)}"
        )


@supply_app.command("alerts")
def alerts_command(
    day: str = typer.Option("", "--date", help=DATE_HELP),
    state: str = typer.Option("", help="INEGI state code, e.g. 09."),
    institution: str = typer.Option("", help="Institution slug, e.g. imss."),
    facility: str = typer.Option("", help="Facility slug."),
) -> None:
    """List the run-out alerts of a snapshot day: who runs dry before the next delivery."""
    services = build(Settings.from_env())
    with _bad_input_exits(), services.reading() as conn:
        when = supply_kpis.parse_day(day, _today(services)) if day else _today(services)
        scope = supply_kpis.Scope(state or None, institution or None, facility or None).check()
        supply_kpis.require_snapshot(conn, when)
        found = supply_kpis.runout_alerts(conn, scope, when, limit=10_000)
    typer.echo(f"{len(found)} run-out alerts on {when.isoformat()}")
    for a in found:
        typer.echo(
            f"{a['facility']}  {a['product']}: {a['on_hand']} on hand, "
            f"{a['daily_use']:.2f}/day -> {a['days_of_stock']:.1f} days of stock; next delivery "
            f"{a['next_delivery']} in {a['days_to_delivery']} days, short {a['shortfall']}"
        )


@supply_app.command("cycle")
def cycle_command(
    facility: str = typer.Argument(..., help="Facility slug."),
    every: int = typer.Option(7, help="Days between deliveries (1-366)."),
    first: str = typer.Option(..., "--from", help="A delivery day (YYYY-MM-DD)."),
) -> None:
    """Set a facility's delivery cycle (the run-out alerts' horizon); default weekly, Mondays."""
    services = build(Settings.from_env())
    with _bad_input_exits():
        try:
            start = date.fromisoformat(first)
        except ValueError as exc:
            raise errors.bad_request(f"'{first}' is not a date (YYYY-MM-DD)", "--from") from exc
        with services.writing() as conn:
            supply_kpis.set_cycle(conn, facility, every, start)
    typer.echo(f"{facility}: delivered every {every} days from {start.isoformat()}")


def _percent(count: int, of: int) -> str:
    share = supply_kpis.rate(count, of)
    return "—" if share is None else f"{100 * share:.1f} % ({count}/{of})"


@supply_app.command("unfilled")
def unfilled_command(
    day: str = typer.Option("", "--date", help=DATE_HELP),
    days: int = typer.Option(30, help="Prescriptions written in the days ending on the day."),
) -> None:
    """Unfilled-prescription rate: not fully dispensed within 24 h / 72 h of being written."""
    services = build(Settings.from_env())
    with _bad_input_exits():
        when = supply_kpis.parse_day(day, _today(services)) if day else _today(services)
        if not 1 <= days <= 366:
            raise errors.bad_request("--days is 1 to 366", "--days")
    with services.reading() as conn:
        first = when - timedelta(days=days - 1)
        found = supply_kpis.read_prescriptions(services, conn, first, when)
    typer.echo(f"{len(found)} prescriptions written {first.isoformat()} … {when.isoformat()}")
    for hours in supply_kpis.WINDOWS_H:
        for row in supply_kpis.unfilled_counts(found, when, hours):
            typer.echo(f"{hours} h  {row.pharmacy}: unfilled {_percent(row.unfilled, row.of)}")

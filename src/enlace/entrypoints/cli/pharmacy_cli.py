"""`enlace pharmacy refills`: the daily refill job (refill orders for opted-in patients, renewal
requests to prescribers), idempotent per day."""

from __future__ import annotations

from datetime import date

import typer
from rich.progress import Progress

from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules import pharmacy

pharmacy_app = typer.Typer(help="Pharmacy jobs: refills, deliveries.", no_args_is_help=True)
BAD_INPUT = 2


@pharmacy_app.command("refills")
def refills_command(
    on: str = typer.Option("", "--date", help="The day to plan for (YYYY-MM-DD; default today)."),
    lead_days: int = typer.Option(
        pharmacy.refills.LEAD_DAYS, help="Order a refill this many days ahead (0 to 30)."
    ),
    renewal_days: int = typer.Option(
        pharmacy.refills.RENEWAL_DAYS, help="Ask for renewal this many days ahead (0 to 90)."
    ),
) -> None:
    """Walk the active prescriptions; write the refill orders and renewal requests due."""
    try:
        today = date.fromisoformat(on) if on else date.today()
    except ValueError:
        typer.echo(f"error: --date {on!r} is not YYYY-MM-DD", err=True)
        raise typer.Exit(BAD_INPUT) from None
    if not 0 <= lead_days <= 30 or not 0 <= renewal_days <= 90:
        typer.echo("error: --lead-days is 0 to 30 and --renewal-days 0 to 90", err=True)
        raise typer.Exit(BAD_INPUT)
    services = build(Settings.from_env())
    with Progress(transient=True) as bar, services.db.begin() as conn:
        task = bar.add_task("prescriptions", total=None)
        report = pharmacy.plan_refills(
            services, conn, today, lead_days, renewal_days, lambda n: bar.advance(task, n)
        )
    typer.echo(
        f"{report.prescriptions} active prescriptions ({report.states}); {report.due} due; "
        f"{report.refill_orders} refill orders and {report.renewals} renewal requests written"
    )


@pharmacy_app.command("deliveries")
def deliveries_command(
    on: str = typer.Option("", "--date", help="The delivery day (YYYY-MM-DD; default today)."),
    seconds: float = typer.Option(10.0, help="Solver time per pharmacy, 1 to 60 s."),
) -> None:
    """Route the day's home-delivery refills per pharmacy; write a SupplyDelivery per stop."""
    try:
        day = date.fromisoformat(on) if on else date.today()
    except ValueError:
        typer.echo(f"error: --date {on!r} is not YYYY-MM-DD", err=True)
        raise typer.Exit(BAD_INPUT) from None
    if not 1 <= seconds <= 60:
        typer.echo("error: --seconds is 1 to 60", err=True)
        raise typer.Exit(BAD_INPUT)
    services = build(Settings.from_env())
    with services.db.begin() as conn:
        report = pharmacy.plan_deliveries(services, conn, day, seconds)
    typer.echo(
        f"{report.orders} home-delivery refills; {report.planned} on {report.routes} routes "
        f"({report.distance_km:.1f} km)"
    )
    for task, reason in sorted(report.unplaced.items()):
        typer.echo(f"not routed: Task/{task}: {reason}")

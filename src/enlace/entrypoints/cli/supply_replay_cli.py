"""`enlace supply replay`: the lost-sales replay of an LMIS report under Enlace's replenishment
policy and the max-min baseline in the same run (docs/supply.md, "Replenishment and replay").
Bad input exits 2 with one line per problem on stderr, nothing written."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from enlace.bootstrap import build
from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import supply_kpis
from enlace.modules.supply import requisitions, service

BAD_INPUT = 2
DEFAULT_TARGETS = {"cycle": service.CYCLE_LEVELS, "fill": service.ENLACE_TARGETS}


def _fail(exc: errors.FhirError) -> typer.Exit:
    for issue in exc.issues:
        where = f" ({issue.expression})" if issue.expression else ""
        typer.echo(f"error: {issue.diagnostics}{where}", err=True)
    return typer.Exit(BAD_INPUT)


def _targets(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(t) for t in text.split(",") if t.strip())
    except ValueError as exc:
        raise errors.bad_request(f"'{text}' is not a list of numbers", "--targets") from exc


def replay_command(
    lmis: Path = typer.Option(
        ..., "--lmis", help="LMIS monthly report CSV (Côte d'Ivoire columns)."
    ),
    out: Path = typer.Option(..., "--out", help="Where to write the result JSON."),
    lead_months: int = typer.Option(0, help="Months between a review's order and its arrival."),
    shelf_life_months: int = typer.Option(24, help="Usable shelf life of a received lot."),
    targets: str = typer.Option(
        "",
        help="Enlace's targets to sweep (comma-separated): cycle service levels with "
        "--rule cycle, fill rates with --rule fill; default: the rule's sweep.",
    ),
    rule: str = typer.Option(
        "cycle",
        help="cycle: one cycle service level for every series (default); "
        "fill: each series' z set to reach the fill-rate target.",
    ),
    forecaster: str = typer.Option(
        "moving", help="Enlace's forecast: moving (mean/spread), or a supply.forecast method."
    ),
) -> None:
    """Replay the report month by month (lost sales): fill rate, stock-out days, months of
    stock and expiries for Enlace's policy and max-min 3/4/5/8 x AMC; writes both frontiers."""
    try:
        settings = service.ReplaySettings(
            lead_months=lead_months,
            shelf_life_months=shelf_life_months,
            targets=_targets(targets) if targets.strip() else DEFAULT_TARGETS.get(rule, ()),
            forecaster=forecaster,
            rule=rule,
        ).check()
        panel, warnings = service.read_panel(lmis, shelf_life_months)
    except errors.FhirError as exc:
        raise _fail(exc) from exc
    typer.echo(f"{len(panel.keys)} series; {len(warnings)} warnings (gaps kept missing)", err=True)
    steps = len(settings.baseline_ks) + len(settings.targets)
    columns = (TextColumn("replay"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=not sys.stderr.isatty()) as progress:
        task = progress.add_task("policies", total=steps)
        result = service.replay_frontiers(panel, settings, lambda n: progress.advance(task, n))
    out.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    for name in ("baseline", "enlace"):
        for point in result["detail"][name]:
            typer.echo(
                f"{point['policy']:<28} fill {100 * point['fill_rate']:5.1f} %  "
                f"{point['months_of_stock']:5.2f} months of stock  "
                f"{point['stockout_days_per_month']:4.2f} stock-out days/month  "
                f"expired {point['expired_units']}"
            )


def register(app: typer.Typer) -> None:
    """Attach `replay` and `requisitions` to the `enlace supply` group."""
    app.command("replay")(replay_command)
    app.command("requisitions")(requisitions_command)


def requisitions_command(
    day: str = typer.Option(
        "", "--date", help="Day (YYYY-MM-DD, not in the future); default today."
    ),
    budget: float = typer.Option(
        -1.0, help="Budget of the day's orders in pesos (MXN); default unconstrained."
    ),
) -> None:
    """Suggested orders (FHIR SupplyRequests from the distribution center) and transfers for
    every facility from the ledger's positions; a rerun of the day replaces its suggestions."""

    services = build(Settings.from_env())
    today = services.repo.clock().date()
    try:
        when = supply_kpis.parse_day(day, today) if day else today
        if budget != -1.0 and not 0 <= budget <= 1e12:
            raise errors.bad_request("--budget is 0 to 10^12 pesos", "--budget")
    except errors.FhirError as exc:
        raise _fail(exc) from exc
    columns = (TextColumn("requisitions"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=not sys.stderr.isatty()) as progress:
        # each facility twice: its demand history for the forecast, then its positions
        total = 2 * len(requisitions.served_facilities())
        task = progress.add_task("facilities", total=total)
        found = requisitions.run(
            services.db,
            services.repo,
            when,
            epoch_us(services.repo.clock()),
            lambda n: progress.advance(task, n),
            None if budget == -1.0 else round(budget * 100),
            services,
        )
    orders = [s for s in found if s.kind == "order"]
    typer.echo(
        f"{when.isoformat()}: {len(orders)} SupplyRequests, "
        f"{len(found) - len(orders)} transfers suggested"
    )

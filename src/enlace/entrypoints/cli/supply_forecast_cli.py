"""`enlace supply backtest` (forecast accuracy on an LMIS report, forecasts CSV) and `enlace
supply forecast` (the live network's demand forecasts): docs/supply.md, "Demand and
forecasting". Bad input exits 2 with one line per problem on stderr, nothing written."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules import catalog
from enlace.modules.supply import backtest as backtesting
from enlace.modules.supply import demand
from enlace.modules.supply.forecast import METHODS, forecast, quantile_column
from enlace.modules.supply.lmis import LmisRow, errors_only, read_lmis

BAD_INPUT = 2
FINAL_METHOD = "stock_aware"


class BadInput(Exception):
    def __init__(self, *lines: str) -> None:
        super().__init__("; ".join(lines))
        self.lines = lines


@contextmanager
def _bad_input_exits() -> Iterator[None]:
    try:
        yield
    except BadInput as exc:
        for line in exc.lines:
            typer.echo(f"error: {line}", err=True)
        raise typer.Exit(BAD_INPUT) from exc


def backtest_command(
    lmis: Path = typer.Option(..., help="LMIS monthly report CSV (Côte d'Ivoire columns)."),
    holdout: str = typer.Option("2019-07:2019-09", help="First:last holdout month, YYYY-MM."),
    out: Path = typer.Option(
        ..., help="Forecasts CSV: site_code, product_code, year, month, forecast."
    ),
    method: str = typer.Option(FINAL_METHOD, help="The method whose forecasts are written."),
    product_map: Path | None = typer.Option(None, help="CSV old_code,new_code (renamed products)."),
    jobs: int = typer.Option(2, help="statsforecast worker processes."),
) -> None:
    """Train on the months before the holdout, forecast it with every method, print the MASE
    table and write the chosen method's forecasts."""
    with _bad_input_exits():
        if method not in backtesting.DEFAULT_METHODS:
            raise BadInput(f"--method: one of {', '.join(backtesting.DEFAULT_METHODS)}")
        start, months = _holdout(holdout)
        rows = _read_report(lmis, _product_map(product_map))
        try:
            result = backtesting.backtest(backtesting.panel_of(rows), start, months, n_jobs=jobs)
        except ValueError as exc:
            raise BadInput(str(exc)) from exc
    written = backtesting.write_forecasts(result, method, out)
    typer.echo(backtesting.score_table(result))
    typer.echo(f"{written} forecasts ({method}) written to {out}")


def _holdout(text: str) -> tuple[pd.Timestamp, int]:
    try:
        return backtesting.parse_holdout(text)
    except ValueError as exc:
        raise BadInput(f"--holdout: {exc}") from exc


def _read_report(path: Path, mapping: dict[str, str]) -> list[LmisRow]:
    if not path.is_file():
        raise BadInput(f"--lmis: no file {path}")
    try:
        rows, problems = read_lmis(path, mapping)
    except Exception as exc:  # an unreadable file: FhirError (columns) or a decoding error
        raise BadInput(f"--lmis: {exc}") from exc
    bad = errors_only(problems)
    if bad:
        raise BadInput(*(str(p) for p in bad))
    if problems:
        typer.echo(f"{len(problems)} warnings (missing months kept missing, ...)", err=True)
    if not rows:
        raise BadInput(f"--lmis: {path} has no report")
    return rows


def _product_map(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    if not path.is_file():
        raise BadInput(f"--product-map: no file {path}")
    mapping: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if len(row) != 2 or not all(cell.strip() for cell in row):
                raise BadInput(f"--product-map line {number}: expected old_code,new_code")
            mapping[row[0].strip()] = row[1].strip()
    return mapping


def forecast_command(
    through: str = typer.Option("", help="Last month of history, YYYY-MM; default last month."),
    history: int = typer.Option(12, help="Months of history read from the ledger (3 to 60)."),
    months: int = typer.Option(3, help="Months to forecast (1 to 24)."),
    levels: str = typer.Option("0.5,0.9,0.95", help="Quantile levels in (0, 1)."),
    method: str = typer.Option("ensemble", help=f"One of {', '.join(METHODS)}."),
    facility: list[str] = typer.Option([], help="Only these facilities (slugs); default all."),
    out: Path | None = typer.Option(None, help="CSV of the forecasts; default printed."),
) -> None:
    """Demand forecasts (censoring-corrected) for every facility x product of the ledger."""
    services = build(Settings.from_env())
    with _bad_input_exits():
        last = _through(through, services.repo.clock().date())
        if not 3 <= history <= 60:
            raise BadInput("--history: 3 to 60 months")
        first = _months_before(last, history)
        quantile_levels = _levels(levels)
        if not 1 <= months <= 24:
            raise BadInput("--months: 1 to 24")
        if method not in METHODS:
            raise BadInput(f"--method: one of {', '.join(METHODS)}")
        slugs = _facilities(facility)
    products = [m.slug for m in catalog.formulary()]
    columns = (TextColumn("demand"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with (
        Progress(*columns, transient=not sys.stderr.isatty()) as progress,
        services.reading() as conn,
    ):
        task = progress.add_task("facilities", total=len(slugs))
        points = demand.read_demand(
            services,
            conn,
            slugs,
            products,
            (first, last),
            "month",
            lambda n: progress.advance(task, n),
        )
    panel = demand.panel_of(points)
    if panel.empty:
        typer.echo(f"no stock movement {first:%Y-%m} … {last:%Y-%m}: nothing to forecast")
        return
    end = pd.Timestamp(last)
    result = forecast(panel, months, quantile_levels, method, panel_end=end)
    _emit(result, quantile_levels, out)


def _through(text: str, today: date) -> date:
    if not text:
        return _months_before(today.replace(day=1), 1)
    try:
        month = date.fromisoformat(f"{text}-01")
    except ValueError as exc:
        raise BadInput(f"--through: {text!r} is not YYYY-MM") from exc
    if month > today:
        raise BadInput(f"--through: {text} is in the future")
    return month


def _months_before(month: date, count: int) -> date:
    """The first day of the month `count - 1` months before `month` (count 1: itself)."""
    index = month.year * 12 + month.month - 1 - (count - 1)
    return date(index // 12, index % 12 + 1, 1)


def _levels(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(t) for t in text.split(",") if t.strip())
    except ValueError as exc:
        raise BadInput(f"--levels: {text!r} is not a list of numbers") from exc
    if not all(0 < v < 1 for v in values):
        raise BadInput(f"--levels: each in (0, 1), not {text}")
    return values


def _facilities(given: list[str]) -> list[str]:
    known = {f.slug for f in catalog.facilities()}
    unknown = [slug for slug in given if slug not in known]
    if unknown:
        raise BadInput(*(f"--facility: unknown facility {slug}" for slug in unknown))
    return given or sorted(known)


def _emit(result: pd.DataFrame, levels: tuple[float, ...], out: Path | None) -> None:
    facility_product = result["unique_id"].str.split(demand.SEPARATOR, n=1, expand=True)
    table = pd.DataFrame(
        {
            "facility": facility_product[0],
            "product": facility_product[1],
            "month": result["ds"].dt.strftime("%Y-%m"),
            "mean": result["mean"].round(2),
            **{quantile_column(q): result[quantile_column(q)].round(2) for q in levels},
        }
    )
    if out is not None:
        table.to_csv(out, index=False)
        typer.echo(
            f"{result['unique_id'].nunique()} series, {len(table)} forecasts written to {out}"
        )
        return
    typer.echo(table.to_string(index=False))


def register(app: typer.Typer) -> None:
    """Attach `forecast` and `backtest` to the `enlace supply` group."""
    app.command("backtest")(backtest_command)
    app.command("forecast")(forecast_command)

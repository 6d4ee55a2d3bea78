"""`enlace supply forecast` on both stores (the supply KPI tests' hand-computed ledger) and
`enlace supply backtest` on a hand-made LMIS report; bad input exits 2 and writes nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules.inventory import StockLedger
from enlace.modules.supply.lmis import COLUMNS
from enlace.store.database import Database
from tests.integration.supply_kpis.conftest import (  # noqa: F401 (fixtures)
    ABC,
    HERE,
    MET,
    THERE,
    db,
    hand_computed_ledger,
    ledger,
)


@pytest.fixture
def env(
    services: Services,
    db: Database,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Database:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return db


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_forecast_from_the_ledger_by_hand(
    env: Database,
    ledger: StockLedger,  # noqa: F811
    tmp_path: Path,
) -> None:
    hand_computed_ledger(env, ledger)
    out = tmp_path / "forecast.csv"
    args = ["supply", "forecast", "--through", "2026-03", "--history", "3", "--months", "2"]
    args += ["--method", "AMC", "--facility", HERE, "--facility", THERE, "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "3 series, 6 forecasts written" in result.output
    means = {(r["facility"], r["product"], r["month"]): float(r["mean"]) for r in read_csv(out)}
    # HERE metformin: Jan issued 0 with 23 days out -> 0; Feb issued 30 with 2 days out
    # (Feb 27-28) -> ceil(30 x 28 / 26) = 33; Mar out all month, nothing issued: missing.
    assert means[(HERE, MET, "2026-04")] == 16.5
    assert means[(HERE, MET, "2026-05")] == 16.5
    # HERE abacavir: Feb 0 (22 days out), Mar 3 -> 1.5; THERE metformin: Mar 0 -> 0
    assert means[(HERE, ABC, "2026-04")] == 1.5
    assert means[(THERE, MET, "2026-04")] == 0.0


@pytest.mark.parametrize(
    "args",
    [
        ["--through", "2026-13"],
        ["--through", "2999-01"],
        ["--history", "2"],
        ["--months", "0"],
        ["--levels", "0.5,1.2"],
        ["--levels", "half"],
        ["--method", "prophet"],
        ["--facility", "clinic-nowhere"],
    ],
)
def test_forecast_bad_input_exits_2(env: Database, tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "forecast.csv"
    result = CliRunner().invoke(app, ["supply", "forecast", *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and not out.exists()


def report(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "lmis.csv"
    path.write_text("\n".join([",".join(COLUMNS), *lines]) + "\n", encoding="utf-8")
    return path


def month_line(month: int, site: str, issued: int) -> str:
    # 100 on hand, nothing received: end = 100 - issued
    return f"2019,{month},R,D,{site},P1,100,0,{issued},0,{100 - issued},5,0,0"


def test_backtest_writes_one_row_per_site_product_and_month(tmp_path: Path) -> None:
    lines = [
        month_line(m, "S1", i)
        for m, i in zip(range(1, 10), [3, 6, 3, 6, 3, 6, 4, 4, 4], strict=True)
    ]
    lines += [month_line(m, "S2", 2) for m in range(1, 10)]
    out = tmp_path / "forecasts.csv"
    args = ["supply", "backtest", "--lmis", str(report(tmp_path, lines))]
    args += ["--holdout", "2019-07:2019-09", "--out", str(out), "--method", "AMC", "--jobs", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    # S1: AMC (6 + 3 + 6) / 3 = 5, scale mean|diff| = 3, |5 - 4| / 3 = 0.333; S2 constant
    assert "| AMC | 0.333 | 1 |" in result.output
    assert "| Naive | 0.667 | 1 |" in result.output  # |6 - 4| / 3
    assert "1 series with a constant training history" in result.output
    rows = read_csv(out)
    assert len(rows) == 6
    assert rows[0] == {
        "site_code": "S1",
        "product_code": "P1",
        "year": "2019",
        "month": "7",
        "forecast": "5",
    }


@pytest.mark.parametrize(
    ("lines", "option", "message"),
    [
        ([month_line(1, "S1", 3)], ["--holdout", "2019-13:2019-14"], "--holdout"),
        ([month_line(1, "S1", 3)], ["--method", "prophet"], "--method"),
        (["2019,1,R,D,S1,P1,10,0,-5,0,15,3,0,0"], [], "negative"),
        (["2019,1,R,D,S1,P1,10,5,3,0,14,3,0,0"], [], "balance"),
        ([month_line(8, "S1", 3)], [], "no report before"),
    ],
)
def test_backtest_bad_input_exits_2(
    tmp_path: Path, lines: list[str], option: list[str], message: str
) -> None:
    out = tmp_path / "forecasts.csv"
    args = ["supply", "backtest", "--lmis", str(report(tmp_path, lines)), "--out", str(out)]
    result = CliRunner().invoke(app, [*args, *option])
    assert result.exit_code == 2, result.output
    assert message in result.output and not out.exists()


def test_backtest_without_the_file_exits_2(tmp_path: Path) -> None:
    args = ["supply", "backtest", "--lmis", str(tmp_path / "none.csv"), "--out", "x.csv"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "no file" in result.output

"""`enlace supply snapshot|alerts|cycle` on both stores: the hand-computed ledger (conftest.py)
snapshotted over the whole catalog, its alerts listed; bad input exits 2 and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules.inventory import StockLedger
from enlace.modules.supply_kpis.tables import delivery_cycles, snapshots
from enlace.store.database import Database
from tests.integration.supply_kpis.conftest import ABC, HERE, hand_computed_ledger


@pytest.fixture
def env(
    services: Services, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Database:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return db


def test_snapshot_then_alerts(env: Database, ledger: StockLedger) -> None:
    hand_computed_ledger(env, ledger)
    runner = CliRunner()
    taken = runner.invoke(app, ["supply", "snapshot", "--date", "2026-03-04"])
    assert taken.exit_code == 0, taken.output
    assert "2026-03-04: 3 facility x product pairs, 2 facilities, 1 run-out alerts" in taken.output
    assert "stock-out rate 33.3 % (1/3)" in taken.output
    assert "stocked according to plan 50.0 % (1/2)" in taken.output
    assert "reporting rate 50.0 % (1/2)" in taken.output
    listed = runner.invoke(app, ["supply", "alerts", "--date", "2026-03-04", "--state", "09"])
    assert listed.exit_code == 0, listed.output
    assert f"{HERE}  {ABC}: 9 on hand, 0.30/day -> 30.0 days of stock" in listed.output
    assert "next delivery 2026-04-30 in 57 days, short 9" in listed.output


@pytest.mark.parametrize(
    "args",
    [
        ["supply", "snapshot", "--date", "2026-02-30"],
        ["supply", "snapshot", "--date", "2999-01-01"],
        ["supply", "snapshot", "--min-months", "4", "--max-months", "2"],
        ["supply", "alerts", "--date", "2026-03-04"],  # no snapshot that day
        ["supply", "alerts", "--state", "99"],
        ["supply", "alerts", "--facility", "clinic-nowhere"],
        ["supply", "cycle", "clinic-nowhere", "--from", "2026-03-02"],
        ["supply", "cycle", HERE, "--every", "0", "--from", "2026-03-02"],
        ["supply", "cycle", HERE, "--from", "lunes"],
    ],
)
def test_bad_input_exits_2_and_writes_nothing(env: Database, args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "error:" in result.output
    with env.read() as conn:
        assert conn.execute(select(func.count()).select_from(snapshots)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(delivery_cycles)).scalar() == 0


def test_cycle_is_set(env: Database) -> None:
    result = CliRunner().invoke(
        app, ["supply", "cycle", HERE, "--every", "14", "--from", "2026-03-02"]
    )
    assert result.exit_code == 0 and "every 14 days from 2026-03-02" in result.output
    with env.read() as conn:
        assert conn.execute(select(delivery_cycles.c.every_days)).scalar() == 14

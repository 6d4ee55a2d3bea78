"""`enlace sim run --without`: actors left out of a run (the supply chain, to measure or skip
its cost); unknown names and leaving out an actor others run after exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules import trace
from enlace.modules.catalog import load_catalogs
from enlace.sim.driver import simulated_days
from enlace.sim.loader import load_population
from enlace.sim.population import generate


@pytest.fixture
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Services:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(services.settings.var_dir))
    load_catalogs(services)
    load_population(services, generate(120, 3, ["CMX", "JAL"]))
    return services


def _events(services: Services) -> int:
    with services.db.read() as conn:
        return len(trace.query_events(conn, trace.EventQuery(limit=1000)).events)


def test_a_run_without_the_supply_chain_captures_nothing(env: Services) -> None:
    runner = CliRunner()
    args = [
        "sim",
        "run",
        "--days",
        "3",
        "--without",
        "manufacturer, distributor,pharmacy,coldchain",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert simulated_days(env) == 3 and _events(env) == 0
    result = runner.invoke(app, ["sim", "run", "--days", "3"])
    assert result.exit_code == 0, result.output
    assert simulated_days(env) == 6 and _events(env) > 0


@pytest.mark.parametrize(
    ("without", "message"),
    [
        ("nobody", "no actor named nobody (actors: campaign, care, "),
        ("distributor", "actor 'pharmacy' runs after unknown actors ['distributor']"),
    ],
)
def test_bad_names_exit_2_and_run_nothing(env: Services, without: str, message: str) -> None:
    result = CliRunner().invoke(app, ["sim", "run", "--days", "2", "--without", without])
    assert result.exit_code == 2
    assert message in result.output
    assert simulated_days(env) == 0


def test_a_run_without_engagement_hands_out_no_phones(env: Services) -> None:
    from sqlalchemy import func, select

    from enlace.modules.messaging.tables import preferences

    def phones() -> int:
        with env.db.read() as conn:
            return int(conn.execute(select(func.count()).select_from(preferences)).scalar_one())

    result = CliRunner().invoke(app, ["sim", "run", "--days", "1", "--without", "engagement"])
    assert result.exit_code == 0, result.output
    assert simulated_days(env) == 1 and phones() == 0

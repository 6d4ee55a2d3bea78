"""The demo commands of issue 14 refuse to run before there is a scenario to work on: exit 2
with one error line naming what to run first, nothing written (both stores)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services

COMMANDS = (
    ["care", "demo"],
    ["homecare", "demo"],
    ["vigilance", "demo"],
    ["registry", "demo-cases"],
)


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_a_demo_step_before_the_population_is_refused(
    services: Services, env: Path, command: list[str]
) -> None:
    done = CliRunner().invoke(app, command)
    assert done.exit_code == 2, done.output
    assert "error: the database holds no population" in done.output
    with services.db.read() as conn:
        assert services.repo.scan(conn, "ServiceRequest", limit=1) == []
        assert services.repo.scan(conn, "Condition", limit=1) == []


def test_bad_options_are_refused(services: Services, env: Path) -> None:
    assert CliRunner().invoke(app, ["vigilance", "demo", "--reports", "0"]).exit_code == 2
    day = CliRunner().invoke(app, ["homecare", "demo", "--date", "26/11/2026"])
    assert day.exit_code == 2 and "error: date:" in day.output

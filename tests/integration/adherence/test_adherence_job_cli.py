"""`enlace adherence run` on both stores: a day's run prints what it did and writes the day's
rows; a bad or future --as-of exits 2 with one line on stderr and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules.adherence.tables import runs, therapies
from tests.integration.adherence.job_support import small_world


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Services:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(services.settings.var_dir))
    return services


def counts(services: Services) -> tuple[int, int]:
    with services.db.read() as conn:
        measured = conn.execute(select(func.count()).select_from(therapies)).scalar()
        days = conn.execute(select(func.count()).select_from(runs)).scalar()
    return int(measured or 0), int(days or 0)


def test_run_a_day(env: Services) -> None:
    small_world(env)
    result = CliRunner().invoke(app, ["adherence", "run", "--as-of", "2025-12-31"])
    assert result.exit_code == 0, result.output
    assert "2025-12-31: 5 fills (1 bad, 1 skipped) -> 2 therapies measured" in result.stdout
    assert "no model trained" in result.stdout
    assert "dispense" in result.stdout and "whenHandedOver" in result.stdout  # the bad one
    assert counts(env) == (2, 1)


@pytest.mark.parametrize(
    ("as_of", "says"),
    [("2025-13-01", "is not a date"), ("yesterday", "is not a date"), ("2030-01-01", "after")],
)
def test_bad_as_of_exits_2_and_writes_nothing(env: Services, as_of: str, says: str) -> None:
    small_world(env)
    result = CliRunner().invoke(app, ["adherence", "run", "--as-of", as_of])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in result.output
    assert counts(env) == (0, 0)

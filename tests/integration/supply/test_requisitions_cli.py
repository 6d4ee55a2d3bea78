"""`enlace supply requisitions`: bad input exits 2 with one line naming the problem and writes
nothing (the run itself is tested through the service in test_requisitions: over the whole
network it reads every facility x product's history, too slow for the suite)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules.supply.tables import requisition_runs, suggestions
from tests.integration.supply.test_requisitions import db  # noqa: F401 (fixture)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--date", "2026-02-30"], "not a date"),
        (["--date", "2999-01-01"], "in the future"),
        (["--date", "2026-03-04", "--budget", "-5"], "--budget"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    services: Services,
    db: object,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    says: str,
) -> None:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(app, ["supply", "requisitions", *args])
    assert result.exit_code == 2, result.output
    assert says in result.output and len(result.output.strip().splitlines()) == 1
    with services.db.read() as conn:
        for table in (requisition_runs, suggestions):
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 0

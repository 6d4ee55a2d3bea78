"""`enlace analytics views`: list, add, refresh (full then incremental), export; bad input exits 2
with one line per problem and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules import analytics


@pytest.fixture
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    var = tmp_path / "var"
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(var))
    with services.db.begin() as conn:
        for pid, gender in (("c1", "female"), ("c2", "male")):
            services.repo.update(
                conn, {"resourceType": "Patient", "id": pid, "gender": gender}, pid
            )
    return var


def test_add_refresh_list_export(env: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    view_file = tmp_path / "view.json"
    view_file.write_text(json.dumps({
        "resourceType": "ViewDefinition", "name": "cli_genders", "resource": "Patient",
        "select": [{"column": [{"name": "id", "path": "id"}, {"name": "g", "path": "gender"}]}],
    }))  # fmt: skip
    added = runner.invoke(app, ["analytics", "views", "add", str(view_file)])
    assert added.exit_code == 0, added.output
    first = runner.invoke(app, ["analytics", "views", "refresh", "cli_genders"])
    assert first.exit_code == 0, first.output
    assert "cli_genders: full, 2 resources" in first.output and "2 rows" in first.output
    again = runner.invoke(app, ["analytics", "views", "refresh", "cli_genders", "--margin", "0"])
    assert "cli_genders: incremental, 0 resources" in again.output
    listed = runner.invoke(app, ["analytics", "views", "list"])
    assert listed.exit_code == 0
    line = next(x for x in listed.output.splitlines() if x.startswith("cli_genders"))
    assert "Patient" in line and "2 rows" in line
    assert any(x.startswith("patient_demographics") for x in listed.output.splitlines())
    out = tmp_path / "genders.csv"
    exported = runner.invoke(
        app, ["analytics", "views", "export", "cli_genders", "--out", str(out), "--format", "csv"]
    )
    assert exported.exit_code == 0, exported.output
    assert sorted(out.read_text().splitlines()) == ["c1,female", "c2,male", "id,g"]
    assert (env / "analytics.duckdb").exists()


def test_bad_input_exits_2(env: Path, tmp_path: Path, services: Services) -> None:
    runner = CliRunner()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "select": [{"column": [{"name": "1", "path": "("}]}]}))
    result = runner.invoke(app, ["analytics", "views", "add", str(bad)])
    assert result.exit_code == 2
    lines = [x for x in result.output.splitlines() if x.startswith("error:")]
    assert len(lines) == 3  # resource, column name, path
    assert any("ViewDefinition.select[0].column[0].path" in x for x in lines)
    with services.db.read() as conn:
        assert "x" not in analytics.all_views(conn)
    unknown = runner.invoke(app, ["analytics", "views", "refresh", "nope"])
    assert unknown.exit_code == 2 and "nope" in unknown.output
    assert runner.invoke(app, ["analytics", "views", "refresh", "--target", "x"]).exit_code == 2
    assert runner.invoke(app, ["analytics", "views", "refresh", "--margin", "-1"]).exit_code == 2
    assert runner.invoke(app, ["analytics", "views", "refresh", "--workers", "0"]).exit_code == 2
    not_json = tmp_path / "nope.json"
    not_json.write_text("{")
    assert runner.invoke(app, ["analytics", "views", "add", str(not_json)]).exit_code == 2
    assert runner.invoke(app, ["analytics", "views", "remove", "never-saved"]).exit_code == 2


def test_indicators_refresh_materializes_what_the_indicators_read(env: Path) -> None:
    """Both patients land in the indicators' patient view; a second run reads nothing new."""
    runner = CliRunner()
    first = runner.invoke(app, ["analytics", "indicators", "refresh"])
    assert first.exit_code == 0, first.output
    assert "indicator_patients: full, 2 resources, 2 rows" in first.output
    assert "indicator_encounters: full, 0 resources, 0 rows" in first.output
    again = runner.invoke(app, ["analytics", "indicators", "refresh"])
    assert again.exit_code == 0, again.output
    assert "indicator_patients: incremental" in again.output

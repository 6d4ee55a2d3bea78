"""The `enlace` command line: db upgrade, import (idempotent, with clear errors) and export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.store import migrate
from tests.conftest import SYNTHEA


@pytest.fixture
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty store (the services fixture truncates PostgreSQL) that the CLI reaches by URL."""
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return tmp_path


def test_upgrade_import_twice_and_export(env: Path) -> None:
    runner = CliRunner()
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0 and f"revision {migrate.head_revision()}" in upgraded.output
    bundles = sorted(SYNTHEA.glob("*.json"))[:2]
    first = runner.invoke(app, ["import", *map(str, bundles)])
    assert first.exit_code == 0, first.output
    assert " 0 updated, 0 unchanged" in first.output
    second = runner.invoke(app, ["import", *map(str, bundles)])
    assert "0 created, 0 updated" in second.output
    out = env / "export"
    exported = runner.invoke(app, ["export", str(out), "--type", "Patient,Observation"])
    assert exported.exit_code == 0
    patients = (out / "Patient.ndjson").read_text().splitlines()
    assert len(patients) == 2
    assert json.loads(patients[0])["resourceType"] == "Patient"
    assert sorted(p.name for p in out.iterdir()) == ["Observation.ndjson", "Patient.ndjson"]


def test_import_of_a_bad_file_exits_non_zero_naming_the_line(env: Path) -> None:
    bad = env / "bad.ndjson"
    bad.write_text(
        '{"resourceType":"Patient","id":"a"}\n{"resourceType":"Patient","id":"b","birthDate":"1990-13-01"}\n'
    )
    result = CliRunner().invoke(app, ["import", str(bad)])
    assert result.exit_code == 1
    assert "bad.ndjson:2" in result.output
    assert "Patient.birthDate" in result.output


def test_import_of_a_missing_path_is_a_clear_error(env: Path) -> None:
    result = CliRunner().invoke(app, ["import", str(env / "nope.json")])
    assert result.exit_code == 1
    assert "No such file" in result.output

"""`enlace messaging number deactivate | reactivate | caregiver` and `enlace messaging text`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services

from .inbound_support import PHONE, enrol, inbound_count


@pytest.fixture
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return tmp_path


def test_lost_phone_then_texts_ignored_then_found(env: Path, services: Services) -> None:
    enrol(services)
    runner = CliRunner()
    done = runner.invoke(
        app, ["messaging", "number", "deactivate", "55 1234 5678", "--reason", "perdido"]
    )
    assert done.exit_code == 0, done.output
    assert "was Patient/p1's patient number" in done.output
    ignored = runner.invoke(app, ["messaging", "text", PHONE, "GLU 140"])
    assert ignored.output.startswith("inactive\tignored") and inbound_count(services) == 0
    found = runner.invoke(app, ["messaging", "number", "reactivate", PHONE])
    assert found.output.strip() == "reactivated"
    heard = runner.invoke(app, ["messaging", "text", PHONE, "GLU 140", "--id", "t1"])
    assert heard.output.startswith("patient\treading") and inbound_count(services) == 1


def test_caregiver_number_and_bad_input(env: Path, services: Services) -> None:
    enrol(services)
    runner = CliRunner()
    added = runner.invoke(app, ["messaging", "number", "caregiver", "p1", "5587654321"])
    assert added.exit_code == 0 and "+525587654321" in added.output
    assert runner.invoke(app, ["messaging", "text", "5587654321", "tomé"]).output.startswith(
        "caregiver\ttaken"
    )
    bad = runner.invoke(app, ["messaging", "number", "deactivate", "123", "--reason", "x"])
    assert bad.exit_code == 2 and "(number)" in bad.output
    no_reason = runner.invoke(app, ["messaging", "number", "deactivate", PHONE])
    assert no_reason.exit_code == 2 and "(reason)" in no_reason.output

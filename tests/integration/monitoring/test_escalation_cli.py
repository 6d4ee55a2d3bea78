"""`enlace monitoring escalate|stale` on both stores: one pass each, printing what it did, the
notices in var/outbox/messages.jsonl."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules.monitoring import domain as d
from tests.integration.monitoring.alert_support import (
    DAY,
    ON_CALL,
    alert_rows,
    care_world,
    ingest,
    now_us,
    reading,
)
from tests.integration.monitoring.test_escalation_stale import device


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def test_escalate_and_stale_passes(services: Services, env: Path) -> None:
    p = care_world(services)
    # The alert opened at the test clock's time (2026-01-01), long before the CLI's real clock.
    ingest(services, [reading(p, d.BP_PANEL, 190, now_us(services), value2=100)])
    first = CliRunner().invoke(app, ["monitoring", "escalate"])
    assert first.exit_code == 0, first.output
    assert f"level 1\ton-call\t{ON_CALL}" in first.output and "1 escalation step(s)" in first.output
    again = CliRunner().invoke(app, ["monitoring", "escalate"])
    assert again.exit_code == 0 and "0 escalation step(s)" in again.output
    assert "escalated-on-call" in (env / "outbox" / "messages.jsonl").read_text()
    device(services, "scale-9", p, "scale", now_us(services) - 4 * DAY)
    stale = CliRunner().invoke(app, ["monitoring", "stale"])
    assert stale.exit_code == 0, stale.output
    assert "1 opened, 0 updated, 0 resolved" in stale.output
    assert sorted(r.rule for r in alert_rows(services, p)) == ["bp-crisis", "no-data"]

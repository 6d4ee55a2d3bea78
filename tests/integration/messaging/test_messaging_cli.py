"""`enlace messaging consent | deliver | status` against a real store."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import messaging
from enlace.modules.messaging.tables import consents, preferences

PARAMS = {"sender": "Red Enlace", "name": "Ana", "medicine": "losartán"}


@pytest.fixture
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return tmp_path


def test_consent_then_deliver_then_status(env: Path, services: Services) -> None:
    runner = CliRunner()
    granted = runner.invoke(
        app,
        ["messaging", "consent", "p1", "--channel", "sms", "--address", "+525511112222",
         "--sender", "Red Enlace", "--evidence", "formato firmado 2026-03-01"],
    )  # fmt: skip
    assert granted.exit_code == 0, granted.output
    now = epoch_us(services.repo.clock())
    request = messaging.MessageRequest("p1", "dose-reminder", PARAMS, "cli-1", {"rule": "test"})
    with services.db.begin() as conn:
        queued = messaging.enqueue(conn, request, now)
    delivered = runner.invoke(app, ["messaging", "deliver"])
    assert delivered.exit_code == 0, delivered.output
    if queued.not_before_us <= epoch_us(services.repo.clock()):
        assert "delivered 1" in delivered.output
        line = orjson.loads((env / "var" / "outbox.ndjson").read_bytes().splitlines()[0])
        assert line["to"] == "+525511112222" and "losartán" in line["text"]
    status = runner.invoke(app, ["messaging", "status"])
    assert status.exit_code == 0 and (
        "delivered\t1" in status.output or "queued\t1" in status.output
    )


def test_bad_consent_exits_2_and_writes_nothing(env: Path, services: Services) -> None:
    result = CliRunner().invoke(
        app, ["messaging", "consent", "p1", "--channel", "sms", "--address", "+52", "--sender", ""]
    )
    assert result.exit_code == 2
    assert "error: Consent must name the sender (sender)" in result.output
    unknown = CliRunner().invoke(app, ["messaging", "consent", "p1", "--channel", "fax"])
    assert unknown.exit_code == 2 and "Unknown channel 'fax'" in unknown.output
    with services.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(preferences)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(consents)).scalar() == 0


def test_unknown_adapter_exits_2(env: Path) -> None:
    result = CliRunner().invoke(app, ["messaging", "deliver", "--adapter", "pigeon"])
    assert result.exit_code == 2 and "unknown adapter 'pigeon'" in result.output

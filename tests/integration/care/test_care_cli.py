"""`enlace care referrals sla|list|indicators` on both stores: the CLI's real clock is long after
the test clock's referral, so its urgent clock has run out and is escalated once; a bad side is
exit 2 with one error line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from tests.integration.care.care_support import HOSPITAL, patient, referral


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def test_sla_list_indicators(services: Services, env: Path) -> None:
    rid = referral(services, patient(services))
    first = CliRunner().invoke(app, ["care", "referrals", "sla"])
    assert first.exit_code == 0, first.output
    assert f"ServiceRequest/{rid}\trequested\turgent\t{HOSPITAL}" in first.output
    assert "1 referral(s) escalated" in first.output
    again = CliRunner().invoke(app, ["care", "referrals", "sla"])
    assert "0 referral(s) escalated" in again.output
    listed = CliRunner().invoke(app, ["care", "referrals", "list", "--org", HOSPITAL])
    assert listed.exit_code == 0 and f"ServiceRequest/{rid}\trequested" in listed.output
    assert "VENCIDA" in listed.output
    numbers = CliRunner().invoke(app, ["care", "referrals", "indicators"])
    assert "referrals\t1" in numbers.output and "SLA breached\t1" in numbers.output
    bad = CliRunner().invoke(app, ["care", "referrals", "list", "--org", HOSPITAL, "--side", "up"])
    assert bad.exit_code == 2

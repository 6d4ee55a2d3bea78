"""`enlace finance`: trial balance (exit 1 when off), accounts by prefix, a statement; bad
input exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules.finance import Ledger, Posting, Transfer


@pytest.fixture
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Services:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    ledger = Ledger()
    with services.db.begin() as conn:
        for account, kind in (("cli-test:cash", "asset"), ("cli-test:payable", "liability")):
            ledger.open_account(conn, account, kind)
        ledger.post_transfer(
            conn,
            Transfer(
                (Posting("cli-test:cash", 12_345), Posting("cli-test:payable", -12_345)),
                idempotency_key=None,
                description="a test transfer",
            ),
        )
    return services


def test_balanced_books_accounts_and_a_statement(env: Services) -> None:
    runner = CliRunner()
    balanced = runner.invoke(app, ["finance", "trial-balance"])
    assert balanced.exit_code == 0, balanced.output
    assert "balanced" in balanced.output and "total posted: 0.00 MXN" in balanced.output
    listed = runner.invoke(app, ["finance", "accounts", "cli-test:"])
    assert listed.exit_code == 0 and "cli-test:cash" in listed.output and "123.45" in listed.output
    statement = runner.invoke(app, ["finance", "statement", "cli-test:payable"])
    assert statement.exit_code == 0 and "a test transfer" in statement.output
    assert "123.45" in statement.output


@pytest.mark.parametrize(
    "args",
    [
        ["finance", "accounts", " "],
        ["finance", "accounts", "x", "--limit", "0"],
        ["finance", "statement", "no-such:account"],
        ["finance", "statement", "cli-test:cash", "--limit", "5000"],
    ],
)
def test_bad_input_exits_2(env: Services, args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output

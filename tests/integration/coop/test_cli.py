"""`enlace coop ...` on both stores: apply, admit, list with fee, the 409 and 400 refusals as
exit 2 with one line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services


@pytest.fixture
def cli(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return CliRunner()


def run(cli: CliRunner, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, ["coop", *args])
    return result.exit_code, result.stdout, result.stderr


def test_apply_admit_list(cli: CliRunner) -> None:
    add = ["members", "add", "--id", "ana", "--name", "Ana", "--class", "patient"]
    assert run(cli, *add, "--income", "600000", "--household", "1") == (
        0,
        "ana: applied (patient)\n",
        "",
    )
    assert run(cli, "members", "admit", "ana")[:2] == (0, "ana: active\n")
    code, _, err = run(cli, "members", "admit", "ana")
    assert code == 2 and err == "error: status: ana is already a member\n"
    # 6,000 / 4,718.55 = 127 % of the urban line -> 60 % off $200.00.
    assert run(cli, "members", "list")[1] == "ana\tAna\tpatient\tactive\tfee=80.00\n"


def test_bad_application_names_each_field(cli: CliRunner) -> None:
    add = ["members", "add", "--id", "x", "--name", "X", "--class", "boss", "--income", "-5"]
    code, _, err = run(cli, *add)
    assert code == 2
    assert err.splitlines() == [
        "error: member_class: unknown class; known: patient, physician, worker",
        "error: household_income: household income is negative",
        "error: household_size: household size is required",
    ]
    assert run(cli, "members", "list")[1] == ""


def test_surplus_without_books_is_refused(cli: CliRunner) -> None:
    code, _, err = run(cli, "surplus", "compute", "--year", "2019")
    assert code == 2 and "no surplus" in err


def test_demo_seed_is_idempotent(cli: CliRunner) -> None:
    assert run(cli, "seed", "--extra", "4") == (0, "10 members added\n", "")  # 6 logins + 4
    assert run(cli, "seed", "--extra", "4")[1] == "0 members added\n"
    listed = run(cli, "members", "list")[1].splitlines()
    assert len(listed) == 11  # and the pending application
    assert sum("\tapplied\t" in line for line in listed) == 1

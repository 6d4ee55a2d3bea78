"""`enlace homecare ...` on both stores: nurses and needs added, the day planned with an
unassigned visit and its reason, the route listed, a missed visit escalated once; bad input
exits 2 with one line per problem."""

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
    result = cli.invoke(app, ["homecare", *args])
    return result.exit_code, result.stdout, result.stderr


def test_plan_list_and_escalate(cli: CliRunner) -> None:
    nurse = ["nurses", "add", "--id", "ana", "--name", "Ana", "--skill", "wound-care"]
    assert run(cli, *nurse, "--zone", "norte", "--base", "19.45,-99.14")[0] == 0
    need = ["needs", "add", "--kind", "nursing", "--home", "19.45,-99.14"]
    need += ["--first", "2026-11-19", "--every", "7", "--window", "10:00-12:00"]
    assert run(cli, *need, "--id", "n1", "--patient", "p1", "--zone", "norte")[0] == 0
    assert run(cli, *need, "--id", "n2", "--patient", "p2", "--zone", "sur")[0] == 0
    code, out, _ = run(cli, "plan", "--date", "2026-11-26")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split("\t")[:3] == ["ana", "1", "10:00"]  # home = base: waits for 10:00
    assert lines[1].split("\t")[0::2] == ["UNASSIGNED", "outside-zones"]
    assert lines[-1] == "1 planned, 1 unassigned"
    code, out, _ = run(cli, "day", "--date", "2026-11-26", "--nurse", "ana")
    assert out.split("\t")[:5] == ["ana", "1", "10:00", "planned", "nursing"]
    # 12:00 local is 18:00Z: a minute later the window has closed.
    assert run(cli, "missed", "--now", "2026-11-26T18:01:00Z")[1].endswith("1 escalated\n")
    assert run(cli, "missed", "--now", "2026-11-26T18:02:00Z")[1] == "0 escalated\n"


def test_bad_input_exits_2_one_line_per_problem(cli: CliRunner) -> None:
    code, _, err = run(
        cli, "nurses", "add", "--id", "x", "--name", "X", "--skill", "magic", "--base", "99,0"
    )
    assert code == 2
    assert err.splitlines() == [
        "error: skills: unknown skill(s) magic; known: infusion, wound-care, oncology, general",
        "error: zones: a nurse covers at least one zone",
        "error: base: base coordinates out of range",
    ]
    code, _, err = run(cli, "plan", "--date", "26/11/2026")
    assert (code, err) == (2, "error: date: '26/11/2026' is not YYYY-MM-DD\n")

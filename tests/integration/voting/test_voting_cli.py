"""`enlace coop vote ...` end to end on both stores: open from the coop roll, cast, close,
verify with a receipt; refusals exit 2 with one line; a tampered box makes verify exit 1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner, Result

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules import coop
from enlace.modules.voting.tables import ballots


@pytest.fixture
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Services:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path))
    earlier = datetime.now(UTC) - timedelta(days=2)
    with services.db.begin() as conn:
        for ident in ("ana", "beto", "caro"):
            coop.apply(conn, coop.Application(ident, ident, "patient", 800_000, 3), earlier)
            coop.admit(conn, ident, earlier, "consejo")
    return services


def vote(*args: str) -> Result:
    return CliRunner().invoke(app, ["coop", "vote", *args])


def test_a_vote_from_open_to_verified_receipt(env: Services) -> None:
    assert vote("create", "p1", "--title", "Horario", "--kind", "single",
                "--option", "manana", "--option", "tarde").exit_code == 0  # fmt: skip
    opened = vote("open", "p1")
    assert "3 eligible voters" in opened.stdout
    cast = vote("cast", "p1", "--member", "ana", "--choice", '"tarde"')
    receipt = cast.stdout.split("receipt: ")[1].strip()
    again = vote("cast", "p1", "--member", "ana", "--choice", '"manana"')
    assert again.exit_code == 2
    assert again.stderr.strip() == "error: member ana has already voted on p1"
    outsider = vote("cast", "p1", "--member", "zoe", "--choice", '"manana"')
    assert outsider.exit_code == 2 and "not on the roll" in outsider.stderr
    vote("cast", "p1", "--member", "beto", "--choice", '"manana"')
    closed = vote("close", "p1")
    result = json.loads(closed.stdout)
    assert result["totals"] == {"manana": 1, "tarde": 1} and result["decision"] == "no winner (tie)"
    ok = vote("verify", "p1", "--receipt", receipt, "--choice", '"tarde"')
    assert ok.exit_code == 0 and "verified" in ok.stdout
    wrong = vote("verify", "p1", "--receipt", receipt, "--choice", '"manana"')
    assert wrong.exit_code == 1 and "receipt:" in wrong.stderr
    with env.db.begin() as conn:
        conn.execute(update(ballots).where(ballots.c.choice == '"manana"').values(choice='"tarde"'))
    tampered = vote("verify", "p1")
    assert tampered.exit_code == 1 and "FAIL ballot box: Merkle root" in tampered.stderr


def test_bad_kind_and_bad_json_exit_2_with_one_line(env: Services) -> None:
    bad = vote("create", "p1", "--title", "x", "--kind", "lottery")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: kind: unknown vote kind")
    vote("create", "p1", "--title", "x")
    vote("open", "p1")
    junk = vote("cast", "p1", "--member", "ana", "--choice", "{oops")
    assert junk.exit_code == 2 and junk.stderr == "error: choice: not valid JSON\n"


def assembly(*args: str) -> Result:
    return CliRunner().invoke(app, ["coop", "assembly", *args])


def test_assembly_from_convocation_to_verified_minutes(env: Services) -> None:
    soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    later = (datetime.now(UTC) + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M")
    short = assembly("convene", "a1", "--title", "Anual", "--place", "Oaxaca", "--held", soon,
                     "--item", "Informe")  # fmt: skip
    assert short.exit_code == 2 and short.stderr.startswith("error: held_at: the convocation")
    made = assembly("convene", "a1", "--title", "Anual", "--place", "Oaxaca", "--held", later,
                    "--item", "Informe", "--item", "Votación=nope")  # fmt: skip
    assert made.exit_code == 2 and "agenda[2].proposal" in made.stderr
    ok = assembly("convene", "a1", "--title", "Anual", "--place", "Oaxaca", "--held", later,
                  "--item", "Informe")  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert assembly("attend", "a1", "--member", "ana").exit_code == 0
    assert assembly("attend", "a1", "--member", "beto", "--represented-by", "ana").exit_code == 0
    assert assembly("attend", "a1", "--member", "zoe").exit_code == 2
    closed = assembly("close", "a1")
    assert "Asistencia: 2 de 3 socios (quorum requerido 2): con quorum." in closed.stdout
    minutes = assembly("minutes", "a1", "--verify")
    assert minutes.exit_code == 0 and "\n— " in minutes.stdout

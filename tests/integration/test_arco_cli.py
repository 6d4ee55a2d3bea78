"""`enlace arco list | answer | execute` against a store the CLI reaches by URL."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us, system_clock
from enlace.security import arco, arco_export
from tests.support.arco_world import build_world

A_YEAR_US = 365 * 24 * 3600 * 1_000_000


@pytest.fixture
def stored(services: Services, monkeypatch: pytest.MonkeyPatch) -> Services:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(services.settings.var_dir))
    return build_world(services)


def file(services: Services, kind: str, details: object, now_us: int) -> str:
    with services.db.begin() as conn:
        filed = arco.file_request(
            conn,
            patient_id="p1",
            kind=kind,
            details=details,
            now_us=now_us,
            settings=services.settings,
        )
    return filed.id


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["arco", *args])
    return result.exit_code, result.output


def test_list_answer_and_execute(stored: Services) -> None:
    now = epoch_us(system_clock())
    old = file(stored, "access", None, now - A_YEAR_US)  # long overdue
    fresh = file(stored, "cancellation", {"resources": ["Observation/o1"]}, now)
    code, output = run("list")
    assert code == 0 and old in output and fresh in output
    assert f"{old}\tPatient/p1\taccess\tfiled" in output
    code, output = run("list", "--overdue")
    assert code == 0 and old in output and fresh not in output and "OVERDUE" in output

    code, output = run("answer", old)
    assert code == 2 and "--accept or --reject" in output
    code, output = run("answer", old, "--reject")
    assert code == 1 and "must state its reason" in output
    code, output = run("answer", old, "--accept", "--reason", "Procede")
    assert code == 0 and "answered; execute by" in output
    code, output = run("answer", old, "--accept")
    assert code == 1 and "already answered" in output

    code, output = run("execute", fresh)
    assert code == 1 and "not been answered" in output
    code, output = run("execute", old)
    assert code == 0 and "executed" in output and "resources=" in output
    assert arco_export.export_path(stored.settings, old).is_file()

    run("answer", fresh, "--accept")
    code, output = run("execute", fresh, "--retention-reason", "Juicio en curso")
    assert code == 0 and "blocked=1" in output and "Juicio en curso" in output
    code, output = run("list", "--open")
    assert code == 0 and "no requests" in output
    code, output = run("execute", "nope")
    assert code == 1 and "No ARCO request" in output

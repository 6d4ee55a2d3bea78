"""`enlace education ...` on both stores: content validated (a missing translation exits 2 with
its location), seed twice (nothing new the second time), progress per clinic and clinician,
enrol refused for a role the course is not for, the daily run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules import education
from enlace.modules.education.content import CONTENT

from .support import CLINIC, staff


@pytest.fixture
def cli(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return CliRunner()


def run(cli: CliRunner, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, ["education", *args])
    return result.exit_code, result.stdout, result.stderr


def test_load_validates_and_names_a_missing_translation(cli: CliRunner, tmp_path: Path) -> None:
    code, out, _ = run(cli, "load")
    assert code == 0 and out.endswith(": ok\n")
    bad = tmp_path / "content"
    shutil.copytree(CONTENT, bad)
    data = json.loads((bad / "courses.json").read_text())
    del data["courses"][0]["title"]["en"]
    (bad / "courses.json").write_text(json.dumps(data))
    code, _, err = run(cli, "load", "--dir", str(bad))
    assert code == 2
    assert err == "error: courses[0].title.en: courses.json: missing translation\n"


def test_seed_progress_and_enrol(cli: CliRunner, services: Services) -> None:
    staff(services)
    code, first, _ = run(cli, "seed")
    courses = education.catalogue().courses.values()
    seeded = sum(role in c.roles for c in courses for role in ("doctor", "chw"))  # seed.bucket
    assert code == 0 and first.startswith(f"3 clinicians; new: {seeded} enrolments")
    code, second, _ = run(cli, "seed")
    assert code == 0 and "new: 0 enrolments, 0 modules passed, 0 courses completed" in second
    code, table, _ = run(cli, "progress")
    assert code == 0
    assert f"{CLINIC}\tchw\t1\t1" in table and f"{CLINIC}\tnurse\t0\t1" in table
    code, mine, _ = run(cli, "progress", "--practitioner", "pr-chw")
    assert code == 0 and "htn-control\t1/1\tcompleted" in mine
    code, _, err = run(cli, "enrol", "--practitioner", "pr-chw", "--course", "dm2-care")
    assert code == 2 and err.startswith("error: practitioner: Practitioner/pr-chw has no role")
    code, out, _ = run(cli, "enrol", "--practitioner", "pr-nurse", "--course", "dm2-care")
    assert code == 0 and out == f"pr-nurse\tdm2-care\tnurse\t{CLINIC}\n"
    code, out, _ = run(cli, "run", "--since", "2026-01-01T00:00:00Z")
    assert code == 0 and out.startswith("new deliveries: none; sent now: none")
    assert run(cli, "run", "--since", "yesterday")[0] == 2
    assert run(cli, "run", "--as-of", "2026-03-10")[0] == 0
    code, _, err = run(cli, "run", "--as-of", "10/03/2026")
    assert code == 2 and err.startswith("error: as-of:")
    code, out, _ = run(cli, "suggest", "--practitioner", "pr-doc")
    assert code == 0 and out == "no suggestion\n"

"""`enlace sim population`: a load with its report, and bad input (size, seed, state, another
scenario) refused with a clear message, exit status 2 and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.sim.loader import existing_scenario


@pytest.fixture
def env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Services:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(services.settings.var_dir))
    return services


def _patients(services: Services) -> list[str]:
    with services.db.read() as conn:
        return [
            i
            for i in ("s7-0", "s8-0", "s7-5")
            if services.repo.current(conn, "Patient", i) is not None
        ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--patients", "0", "--seed", "7"], "--patients must be a positive integer"),
        (["--patients", "-3", "--seed", "7"], "--patients must be a positive integer"),
        (["--patients", "ten", "--seed", "7"], "--patients must be a positive integer"),
        (["--patients", "5", "--seed", "abc"], "--seed must be a non-negative integer"),
        (["--patients", "5", "--seed", "1.5"], "--seed must be a non-negative integer"),
        (["--patients", "5", "--seed", "-1"], "--seed must be a non-negative integer"),
        (["--patients", "5", "--seed", str(2**63)], "--seed must be a non-negative integer"),
        (["--patients", "5", "--seed", "7", "--states", "JAL,XX"], "unknown state XX"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(env: Services, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, ["sim", "population", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert existing_scenario(env) is None and _patients(env) == []


def test_load_then_another_seed_is_refused(env: Services) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["sim", "population", "--patients", "6", "--seed", "7"])
    assert first.exit_code == 0, first.output
    assert "6 people" in first.output and "ground truth in" in first.output
    assert (Path(env.settings.var_dir) / "sim" / "population-s7.jsonl").exists()
    other = runner.invoke(app, ["sim", "population", "--patients", "6", "--seed", "8"])
    assert other.exit_code == 2
    assert "already holds a population of seed 7" in other.output
    assert _patients(env) == ["s7-0", "s7-5"]
    assert not (Path(env.settings.var_dir) / "sim" / "population-s8.jsonl").exists()
    same = runner.invoke(app, ["sim", "population", "--patients", "6", "--seed", "7"])
    assert same.exit_code == 0 and "0 created, 0 updated" in same.output

"""The scenario driver on both stores: valid resources, a clock that resumes where it stopped,
whole days only when a day fails, and bad input refused with exit status 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules.catalog import load_catalogs
from enlace.sim.actor import Day, World
from enlace.sim.actors import discover
from enlace.sim.driver import (
    CatalogMissing,
    ScenarioMissing,
    run_scenario,
    simulated_days,
)
from enlace.sim.loader import load_population
from enlace.sim.population import generate

SEED = 21


@pytest.fixture
def network(services: Services) -> Services:
    load_catalogs(services)
    load_population(services, generate(150, SEED, ["JAL", "NLE"]))
    return services


def _stored(services: Services, kinds: tuple[str, ...]) -> list[dict[str, object]]:
    found = []
    with services.db.read() as conn:
        for kind in kinds:
            for person in range(150):
                for day in range(60):
                    stored = services.repo.current(conn, kind, f"s{SEED}-{person}-e{day}")
                    if stored is not None and stored.content:
                        found.append(orjson.loads(stored.content))
    return found


def test_a_run_writes_valid_resources_and_advances_the_clock(network: Services) -> None:
    report = run_scenario(network, 40)
    assert (report.first_day, report.last_day) == (0, 40)
    assert str(report.start) == "2026-01-01" and str(report.end) == "2026-02-09"
    assert report.by_type["Encounter"] > 10 and report.by_type["MedicationRequest"] > 10
    assert simulated_days(network) == 40
    encounters = _stored(network, ("Encounter",))
    assert len(encounters) == report.by_type["Encounter"]
    with network.db.read() as conn:
        visit = encounters[0]["id"]
        related = [
            orjson.loads(r.content or b"")
            for r in (
                network.repo.current(conn, "Observation", f"{visit}-weight"),
                network.repo.current(conn, "Practitioner", "pr-clinic-l1-imss-14039-1"),
                network.repo.current(conn, "PractitionerRole", "prr-clinic-l1-imss-14039-1"),
            )
            if r is not None
        ]
    assert len(related) == 3
    problems = [(r["id"], network.validate(r)) for r in [*encounters, *related]]
    assert [p for p in problems if p[1]] == []
    later = run_scenario(network, 10)
    assert (later.first_day, later.last_day) == (40, 50) and simulated_days(network) == 50


class _FailsOnDay:
    name, after = "fails", ("care",)

    def __init__(self, day: int) -> None:
        self.fail_on = day

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        pass

    def day(self, today: Day) -> None:
        if today.index == self.fail_on:
            raise RuntimeError("simulated crash")


def test_a_failed_day_leaves_whole_days_and_the_next_run_resumes(network: Services) -> None:
    with pytest.raises(RuntimeError):
        run_scenario(network, 30, actors=[*discover(), _FailsOnDay(12)])
    assert simulated_days(network) == 12
    whole = run_scenario(network, 18)
    assert whole.first_day == 12 and simulated_days(network) == 30
    assert whole.unchanged == 0  # day 12 had left nothing behind


def test_a_population_without_the_catalogs_is_refused(services: Services) -> None:
    load_population(services, generate(5, SEED, ["JAL"]))
    with pytest.raises(CatalogMissing, match="enlace catalog load"):
        run_scenario(services, 3)
    assert simulated_days(services) == 0


def test_no_population_is_refused(services: Services) -> None:
    with pytest.raises(ScenarioMissing, match="enlace sim population"):
        run_scenario(services, 3)


@pytest.fixture
def env(network: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Services:
    monkeypatch.setenv("ENLACE_DATABASE_URL", network.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(network.settings.var_dir))
    return network


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("0", "--days must be a whole number of days from 1 to 3650"),
        ("-5", "--days must be a whole number of days from 1 to 3650"),
        ("4000", "--days must be a whole number of days from 1 to 3650"),
        ("ten", "--days must be a whole number, not 'ten'"),
        ("1.5", "--days must be a whole number, not '1.5'"),
    ],
)
def test_cli_bad_days_exit_2_and_write_nothing(env: Services, days: str, message: str) -> None:
    assert CliRunner().invoke(app, ["sim", "status"]).exit_code == 2  # nothing run yet
    result = CliRunner().invoke(app, ["sim", "run", "--days", days])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert simulated_days(env) == 0


def test_cli_runs_and_refuses_to_grow_a_population_that_has_run(env: Services) -> None:
    result = CliRunner().invoke(app, ["sim", "run", "--days", "5"])
    assert result.exit_code == 0, result.output
    assert "days 0-4 (2026-01-01 to 2026-01-05)" in result.output
    status = CliRunner().invoke(app, ["sim", "status"])
    assert status.exit_code == 0 and "5 days run from 2026-01-01 to 2026-01-05" in status.output
    last = CliRunner().invoke(app, ["sim", "status", "--last-day"])
    assert last.output.strip() == "2026-01-05"
    grown = CliRunner().invoke(
        app, ["sim", "population", "--patients", "200", "--seed", str(SEED), "--states", "JAL,NLE"]
    )
    assert grown.exit_code == 2 and "already run 5 days" in grown.output
    with env.db.read() as conn:
        assert env.repo.current(conn, "Patient", f"s{SEED}-160") is None

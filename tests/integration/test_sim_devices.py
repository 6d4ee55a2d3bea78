"""The devices actor on both stores: devices registered once, every generated reading stored
through ingestion, the ground truth written, the demo HF patient's alert, a re-sent day stored
once; and `enlace sim alert-quality` / `sim run --devices-share` on the command line."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules.catalog import load_catalogs
from enlace.modules.monitoring import registry
from enlace.modules.monitoring.tables import alerts, readings
from enlace.sim.actor import Day
from enlace.sim.actors.devices import DevicesActor
from enlace.sim.alert_quality import stored_alerts
from enlace.sim.devices import enrollment
from enlace.sim.devices.common import local_midnight_us
from enlace.sim.devices.enrollment import DeviceSettings
from enlace.sim.devices.truth import read_truth, truth_path
from enlace.sim.driver import run_scenario, scenario_world
from enlace.sim.loader import load_population
from enlace.sim.population import generate

SEED, PEOPLE, DAYS = 33, 60, 24  # the demo HF patient's event is by day 23


@pytest.fixture
def network(services: Services) -> Services:
    load_catalogs(services)
    load_population(services, generate(PEOPLE, SEED, ["JAL"]))
    return services


def _count(services: Services, table: object) -> int:
    with services.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_devices_send_every_reading_and_the_demo_hf_patient_alerts(network: Services) -> None:
    actor = DevicesActor(DeviceSettings(share=0.6))
    run_scenario(network, DAYS, actors=[actor])
    world = scenario_world(network)
    start = world.scenario.start
    expected = 0
    with network.db.read() as conn:
        for m in actor.monitored:
            sent = [enrollment.readings(m, start, d) for d in range(DAYS)]
            expected += sum(len(s) for day in sent for s in day.values())
            kinds = {d.kind for d in registry.list_devices(conn, patient=m.patient)}
            assert kinds == set(m.kinds)
            assert all(d.status == "active" for d in registry.list_devices(conn, m.patient))
    assert expected > 200 and actor.counts["rejected"] == 0
    assert _count(network, readings) == actor.counts["accepted"] == expected
    truth = read_truth(truth_path(network.settings.var_dir, SEED))
    demo = next(m for m in actor.monitored if m.demo)
    hf = [e for e in truth if e.patient == demo.patient and e.kind == "hf-decompensation"]
    assert len(hf) == 1 and hf[0].observed and hf[0].event_us < local_midnight_us(start, DAYS)
    with network.db.read() as conn:
        found = [a for a in stored_alerts(conn, network.repo) if a.patient == demo.patient]
        diagnosis = network.repo.current(conn, "Condition", f"{demo.patient}-heart-failure")
    assert any(
        a.rule == "hf-weight-gain" and hf[0].onset_us <= a.opened_us <= hf[0].event_us
        for a in found
    )
    assert diagnosis is not None and b"I50.9" in (diagnosis.content or b"")
    # Nobody acknowledged it: the escalation clock took it to on-call, then to the hospital.
    with network.db.read() as conn:
        row = conn.execute(
            select(alerts).where(
                alerts.c.patient == demo.patient, alerts.c.rule == "hf-weight-gain"
            )
        ).one()
    assert row.escalation_level == 2 and row.service_request_id is not None
    assert row.opened_us < hf[0].event_us and actor.counts["escalations"] >= 2


def test_sending_a_day_again_stores_nothing_twice(network: Services) -> None:
    run_scenario(network, 6, actors=[DevicesActor(DeviceSettings(share=1.0))])
    path = truth_path(network.settings.var_dir, SEED)
    before = (
        _count(network, readings),
        _count(network, alerts),
        path.read_bytes(),
        _devices(network),
    )
    again = DevicesActor(DeviceSettings(share=1.0))
    world = scenario_world(network)
    again.begin(world, 5, 6)
    with network.db.begin() as conn:
        again.day(Day(world, 5, conn))
    resent = sum(
        len(s)
        for m in again.monitored
        for s in enrollment.readings(m, world.scenario.start, 5).values()
    )
    assert resent > 50
    assert (again.counts["accepted"], again.counts["duplicates"]) == (0, resent)
    assert again.counts["devices"] == 0
    after = (
        _count(network, readings),
        _count(network, alerts),
        path.read_bytes(),
        _devices(network),
    )
    assert after == before


def _devices(services: Services) -> list[str]:
    with services.db.read() as conn:
        return [d.id for d in registry.list_devices(conn)]


@pytest.fixture
def env(network: Services, monkeypatch: pytest.MonkeyPatch) -> Services:
    monkeypatch.setenv("ENLACE_DATABASE_URL", network.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(network.settings.var_dir))
    return network


def test_cli_runs_devices_and_scores_their_alerts(env: Services) -> None:
    runner = CliRunner()
    nothing = runner.invoke(app, ["sim", "alert-quality"])
    assert nothing.exit_code == 2 and "has not run yet" in nothing.output
    for share in ("2", "-0.1", "many"):
        refused = runner.invoke(app, ["sim", "run", "--days", "3", "--devices-share", share])
        assert refused.exit_code == 2
        assert f"--devices-share must be a number from 0 to 1, not '{share}'" in refused.output
    ran = runner.invoke(
        app,
        [
            "sim",
            "run",
            "--days",
            str(DAYS),
            "--devices-share",
            "0.5",
            "--without",
            "pharmacy,claims,distributor,manufacturer,coldchain",
        ],
    )
    assert ran.exit_code == 0, ran.output
    table = runner.invoke(app, ["sim", "alert-quality"])
    assert table.exit_code == 0, table.output
    assert "hf-decompensation" in table.output and "per patient-month" in table.output
    result = orjson.loads(runner.invoke(app, ["sim", "alert-quality", "--json"]).output)
    assert result["days"] == DAYS and result["monitored_patients"] >= 1
    assert result["kinds"]["hf-decompensation"]["detected"] >= 1
    assert set(result["kinds"]) == {
        "hypo",
        "bp-crisis",
        "hf-decompensation",
        "copd-exacerbation",
        "all",
    }


def test_a_missing_truth_file_is_refused(env: Services, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["sim", "run", "--days", "2", "--without", "devices"]).exit_code == 0
    missing = runner.invoke(app, ["sim", "alert-quality"])
    assert missing.exit_code == 2 and "monitoring-truth-s33.jsonl" in missing.output

"""The daily refill job on both stores: an opted-in patient's refill order written ahead of the
due date, a renewal request to the prescriber, nothing twice on a rerun; the CLI and its bad
input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules import pharmacy
from enlace.security.access import Access
from tests.integration.pharmacy.dispense_support import (
    dispense_params,
    pharmacy_world,
    prescribed,
    stock,
)
from tests.support.fhir_calls import body_of, call
from tests.support.prescriptions import metformin_rx


@pytest.fixture
def world(services: Services) -> Services:
    return pharmacy_world(services)


def tasks(world: Services) -> dict[str, dict]:
    with world.db.read() as conn:
        return {v.id: v.resource() for v in world.repo.scan(conn, "Task")}


def test_refill_orders_and_renewals_are_written_once(world: Services) -> None:
    auto = [{"url": pharmacy.AUTO_REFILL_EXTENSION, "valueBoolean": True}]
    opted = prescribed(world, extension=auto)
    short = metformin_rx()["dispenseRequest"]
    short["validityPeriod"] = {"start": "2026-01-01", "end": "2026-02-20"}
    ending = prescribed(world, dispenseRequest=short)
    packs = stock(world, 2)
    answer = call(
        world,
        Access.internal(),
        "POST",
        "MedicationDispense/$dispense",
        dispense_params(opted, packs),
    )
    assert answer.status == 200, body_of(answer)
    with world.db.begin() as conn:
        report = pharmacy.plan_refills(world, conn, date(2026, 2, 10))
    assert report.prescriptions == 3  # with the claims world's own rx-imss
    assert report.renewals == 1 and report.refill_orders == 0
    with world.db.begin() as conn:  # 2026-02-28: the opted-in refill (due 03-04) is 4 days away
        report = pharmacy.plan_refills(world, conn, date(2026, 2, 28))
    assert report.refill_orders == 1
    written = tasks(world)
    refill = written[f"refill-{opted}-2"]
    assert refill["restriction"]["period"] == {"start": "2026-02-27", "end": "2026-03-04"}
    assert refill["focus"]["reference"] == f"MedicationRequest/{opted}"
    assert written[f"renew-{ending}-2026-02-20"]["owner"] == {"reference": "Practitioner/dr-1"}
    assert all(world.validate(t) == [] for t in written.values())
    with world.db.begin() as conn:
        again = pharmacy.plan_refills(world, conn, date(2026, 2, 28))
    assert (again.refill_orders, again.renewals) == (0, 0) and len(tasks(world)) == len(written)


def test_the_cli_runs_the_job_and_refuses_bad_input(
    world: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENLACE_DATABASE_URL", world.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    prescribed(world)
    runner = CliRunner()
    done = runner.invoke(app, ["pharmacy", "refills", "--date", "2026-02-10"])
    assert done.exit_code == 0, done.output
    assert "2 active prescriptions" in done.output
    assert runner.invoke(app, ["pharmacy", "refills", "--date", "10/02/2026"]).exit_code == 2
    assert runner.invoke(app, ["pharmacy", "refills", "--lead-days", "99"]).exit_code == 2


def test_the_deliveries_cli_refuses_bad_input_and_reports(
    world: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENLACE_DATABASE_URL", world.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    done = runner.invoke(app, ["pharmacy", "deliveries", "--date", "2026-03-02", "--seconds", "1"])
    assert done.exit_code == 0, done.output
    assert "0 home-delivery refills" in done.output
    assert runner.invoke(app, ["pharmacy", "deliveries", "--date", "mañana"]).exit_code == 2
    assert runner.invoke(app, ["pharmacy", "deliveries", "--seconds", "600"]).exit_code == 2

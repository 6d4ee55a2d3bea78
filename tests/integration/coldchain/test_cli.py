"""`enlace coldchain ...` on both stores: add a logger, readings through ingestion, list,
excursions, lots (MKT), decide; bad input exits 2 with one line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from tests.integration.coldchain.support import (
    FACILITY,
    INSULIN,
    heat_series,
    on_hand,
    stock_clinic,
)
from tests.integration.coldchain.test_flow import post_readings


@pytest.fixture
def cli_env(services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    return CliRunner()


def test_logger_lifecycle_and_decision(
    cli_env: CliRunner, client: TestClient, services: Services
) -> None:
    stock_clinic(services)
    added = cli_env.invoke(
        app,
        [
            "coldchain",
            "loggers",
            "add",
            "--facility",
            FACILITY,
            "--place",
            "fridge",
            "--label",
            "Refrigerador 1",
        ],
    )
    assert added.exit_code == 0, added.output
    lines = dict(line.split(maxsplit=1) for line in added.output.splitlines()[:2])
    device, key = lines["device"], lines["key"]
    assert post_readings(client, device, key, heat_series()).status_code == 200
    listed = cli_env.invoke(app, ["coldchain", "loggers", "list"])
    assert f"{device}\t{FACILITY}\tfridge\tRefrigerador 1\texcursion\t5 Cel at" in listed.output
    shown = cli_env.invoke(app, ["coldchain", "excursions", "--status", "open"])
    excursion = shown.output.split("\t")[0]
    assert (
        "\theat\t2025-12-31T07:00:00.000Z\t2025-12-31T18:00:00.000Z\t9.5 Cel\topen" in shown.output
    )
    lots = cli_env.invoke(app, ["coldchain", "lots", "--facility", FACILITY])
    assert "0 lots" in lots.output  # quarantined: no longer on hand, so no longer guarded here
    again = cli_env.invoke(app, ["coldchain", "evaluate"])
    assert f"{device}\t1 excursions" in again.output  # the same one, not a new one
    decided = cli_env.invoke(
        app,
        [
            "coldchain",
            "decide",
            excursion,
            "release",
            "--reason",
            "MKT 6 °C",
            "--by",
            "Practitioner/ph1",
        ],
    )
    assert decided.exit_code == 0 and "released" in decided.output
    assert on_hand(services, INSULIN, "INS-A1") == 10
    lots = cli_env.invoke(app, ["coldchain", "lots", "--facility", FACILITY])
    assert f"{INSULIN}\tINS-A1\t10\tMKT " in lots.output and "outside 11.0 h" in lots.output


def test_bad_input_exits_2_with_one_line_per_problem(cli_env: CliRunner) -> None:
    bad = cli_env.invoke(
        app,
        [
            "coldchain",
            "loggers",
            "add",
            "--facility",
            FACILITY,
            "--place",
            "freezer",
            "--label",
            "",
        ],
    )
    assert bad.exit_code == 2
    assert bad.stderr.splitlines() == [
        "error: place: place is one of fridge, cold-room, delivery-box",
        "error: label: label is 1 to 80 characters",
    ]
    lot = cli_env.invoke(
        app,
        [
            "coldchain",
            "loggers",
            "add",
            "--facility",
            FACILITY,
            "--place",
            "delivery-box",
            "--label",
            "Caja",
            "--lot",
            "nocolon",
        ],
    )
    assert lot.exit_code == 2 and "PRODUCT:LOT" in lot.stderr
    unknown = cli_env.invoke(
        app, ["coldchain", "decide", "nope", "keep", "--reason", "x", "--by", "Practitioner/1"]
    )
    assert unknown.exit_code == 2
    assert unknown.stderr.splitlines() == ["error: decision: decision is one of release, destroy"]

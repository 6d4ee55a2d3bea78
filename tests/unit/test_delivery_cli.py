"""`enlace delivery plan`: routes printed; bad input exits 2 naming the field."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from tests.unit.test_delivery_input import REQUEST, edited

runner = CliRunner()


def test_plan_prints_routes_and_unplaced(tmp_path: Path) -> None:
    doc = edited("orders.3.window", {"start": "08:00", "end": "08:01"})  # unreachable
    path = tmp_path / "day.json"
    path.write_text(json.dumps(doc))
    result = runner.invoke(app, ["delivery", "plan", str(path), "--seconds", "2"])
    assert result.exit_code == 0, result.output
    assert "v1 (gdl): leaves" in result.output and "placed 3" in result.output
    assert "o3: window-unreachable" in result.output


def test_plan_json_output(tmp_path: Path) -> None:
    path = tmp_path / "day.json"
    path.write_text(json.dumps(REQUEST))
    result = runner.invoke(app, ["delivery", "plan", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["placed"] == 4


def test_bad_input_exits_2_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "day.json"
    path.write_text(json.dumps(edited("orders.3.address.latitude", ...)))
    result = runner.invoke(app, ["delivery", "plan", str(path)])
    assert result.exit_code == 2
    assert "orders[3].address.latitude" in result.output


def test_unreadable_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "day.json"
    path.write_text("{not json")
    result = runner.invoke(app, ["delivery", "plan", str(path)])
    assert result.exit_code == 2 and "cannot read" in result.output

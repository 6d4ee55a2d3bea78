"""Saved procurement reports: what `enlace procurement flags FILE --save` leaves for the page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.modules.procurement import flag_releases, report_name, save_report, saved_reports
from tests.unit.test_procurement_cli import RELEASES, package

WHEN = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def test_save_and_read_back(tmp_path: Path) -> None:
    report = flag_releases(RELEASES)
    report.source = "/data/compranet_csv_sample"
    path = save_report(report, tmp_path / "procurement", WHEN)
    assert path.name == "compranet_csv_sample.json"
    found, unreadable = saved_reports(tmp_path / "procurement")
    assert unreadable == [] and [r.name for r in found] == ["compranet_csv_sample"]
    body = found[0].body
    assert found[0].saved_at == WHEN.isoformat() and body["releases"] == 2
    assert body["counts"]["R018"] == 1 and body["indicators"][0] == "R003"
    assert {f["indicator"] for f in body["flags"]} == {"R003", "R018"}
    report.releases = 99  # saving again replaces the file, leaving no temporary behind
    save_report(report, tmp_path / "procurement", WHEN)
    assert saved_reports(tmp_path / "procurement")[0][0].body["releases"] == 99
    assert [p.name for p in (tmp_path / "procurement").iterdir()] == ["compranet_csv_sample.json"]


def test_unreadable_files_are_listed_not_fatal(tmp_path: Path) -> None:
    folder = tmp_path / "procurement"
    folder.mkdir()
    (folder / "broken.json").write_text("{not json")
    (folder / "other.json").write_text(json.dumps({"format": 1, "name": "someone-else"}))
    (folder / "old.json").write_text(json.dumps({"format": 0, "name": "old"}))
    save_report(flag_releases(RELEASES), folder, WHEN, name="good")
    found, unreadable = saved_reports(folder)
    assert [r.name for r in found] == ["good"]
    assert unreadable == ["broken.json", "old.json", "other.json"]
    assert saved_reports(tmp_path / "missing") == ([], [])


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ("../shared/data/procurement-mx/compranet_ocds_sample", "compranet_ocds_sample"),
        ("/x/Contratos 2015.csv", "contratos-2015"),
        ("/x/...", "report"),
    ],
)
def test_report_names(source: str, name: str) -> None:
    assert report_name(source) == name


def test_bad_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bad report name"):
        save_report(flag_releases(RELEASES), tmp_path, WHEN, name="../escape")


def test_cli_save(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(app, ["procurement", "flags", str(package(tmp_path)), "--save"])
    assert result.exit_code == 0, result.stderr
    assert "saved:" in result.stderr
    found, _ = saved_reports(tmp_path / "var" / "procurement")
    assert [r.name for r in found] == ["package"] and found[0].body["counts"]["R003"] == 1
    missing = CliRunner().invoke(app, ["procurement", "flags", str(tmp_path / "nope"), "--save"])
    assert missing.exit_code == 2 and len(list((tmp_path / "var" / "procurement").iterdir())) == 1

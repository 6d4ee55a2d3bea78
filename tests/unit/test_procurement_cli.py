"""`enlace procurement flags`: output formats, indicator choice, exit code 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app

RELEASES = [
    {"ocid": "ocds-a-1", "tender": {"procurementMethod": "open", "numberOfTenderers": 1}},
    {
        "ocid": "ocds-a-2",
        "tender": {
            "tenderPeriod": {"startDate": "2024-01-01T00:00:00Z", "endDate": "2024-01-05T00:00:00Z"}
        },
    },
]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["procurement", "flags", *args])
    return result.exit_code, result.stdout, result.stderr


def package(tmp_path: Path) -> Path:
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"uri": "test", "releases": RELEASES}))
    return path


def test_table_lists_counts_and_explanations(tmp_path: Path) -> None:
    code, out, _ = run(str(package(tmp_path)))
    assert code == 0
    assert "2 contracting processes" in out
    assert "R018           1  Single bid received" in out
    assert "R003: submission period of 4 whole days" in out


def test_json_with_chosen_indicators(tmp_path: Path) -> None:
    code, out, _ = run(str(package(tmp_path)), "--format", "json", "--indicator", "r018")
    assert code == 0
    report = json.loads(out)
    assert report["counts"] == {"R018": 1}
    assert report["flags"][0]["key"] == "ocds-a-1" and report["flags"][0]["title"]


def test_unknown_indicator_exits_2(tmp_path: Path) -> None:
    code, _, err = run(str(package(tmp_path)), "--indicator", "R999")
    assert code == 2 and "unknown indicator R999" in err


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "absent.json"))
    assert code == 2 and "no such file" in err


def test_not_ocds_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"resourceType": "Bundle",\n "entry": []}')
    code, _, err = run(str(path))
    assert code == 2 and "not OCDS" in err


def test_malformed_csv_rows_are_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "contracts.csv"
    path.write_text(
        "NUMERO_PROCEDIMIENTO,CODIGO_CONTRATO,IMPORTE_CONTRATO\nLA-1,1,100\nLA-2,2\nLA-3,3,x\n"
    )
    code, out, err = run(str(path))
    assert code == 0
    assert "1 contracting processes, 0 excluded, 2 malformed" in out
    assert "2 malformed rows or lines skipped" in err and "line 3" in err

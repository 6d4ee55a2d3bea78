"""`enlace adherence train` and `enlace adherence score` end to end: train a small model,
score a FHIR NDJSON file from a differently parameterized generator, bad lines on stderr with
their numbers, exit 2 when there is nothing to score, no model, or a bad argument."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.modules.adherence.file_scoring import COLUMNS
from enlace.sim import refill_fhir
from enlace.sim.refill_histories import generate


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("model")
    result = CliRunner().invoke(
        app, ["adherence", "train", "--patients", "800", "--seed", "4", "--out", str(directory)]
    )
    assert result.exit_code == 0, result.output
    assert "test: n=" in result.stdout and "holdout_regime: n=" in result.stdout
    assert (directory / "adherence_model.joblib").is_file()
    return directory


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("ndjson")
    histories = generate(120, seed=77, family="holdout")
    dispenses, observations = folder / "dispenses.ndjson", folder / "observations.ndjson"
    lines = [orjson.dumps(r) for r in refill_fhir.dispenses(histories)]
    lines[1:1] = [b"{oops", b'{"resourceType": "Patient", "id": "x"}']  # lines 2 and 3
    dispenses.write_bytes(b"\n".join(lines) + b"\n")
    refill_fhir.write_ndjson(refill_fhir.observations(histories), observations)
    return dispenses, observations


def score(*args: str) -> object:
    return CliRunner().invoke(app, ["adherence", "score", *args])


def test_score_writes_one_row_per_active_therapy_and_reports_bad_lines(
    trained: Path, files: tuple[Path, Path], tmp_path: Path
):
    dispenses, observations = files
    out = tmp_path / "scores.csv"
    result = score("--dispenses", str(dispenses), "--observations", str(observations),
                   "--as-of", "2025-02-01", "--out", str(out), "--model", str(trained))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"{dispenses}:2: not JSON" in result.stderr
    assert f"{dispenses}:3: resourceType is 'Patient'" in result.stderr
    rows = list(csv.DictReader(out.open()))
    assert rows and list(rows[0]) == list(COLUMNS)
    assert all(0 <= float(r["probability"]) <= 1 for r in rows)
    assert {r["risk_band"] for r in rows} <= {"low", "medium", "high"}
    assert all(r["as_of"] == "2025-02-01" and r["therapy"].startswith("atc:") for r in rows)
    assert len({(r["patient"], r["therapy"]) for r in rows}) == len(rows)


def test_score_without_a_model_says_how_to_train_one(files: tuple[Path, Path], tmp_path: Path):
    result = score("--dispenses", str(files[0]), "--as-of", "2025-02-01",
                   "--out", str(tmp_path / "x.csv"), "--model", str(tmp_path))  # fmt: skip
    assert result.exit_code == 2
    assert "enlace adherence train" in result.stderr


@pytest.mark.parametrize(
    ("as_of", "file_name", "message"),
    [
        ("2025-02-30", None, "is not a date"),
        ("2025-02-01", "missing.ndjson", "no such file"),
        ("2020-01-01", None, "nothing to score"),  # before any fill
    ],
)
def test_bad_arguments_and_nothing_to_score_exit_2(
    trained: Path, files: tuple[Path, Path], tmp_path: Path, as_of: str, file_name: str | None,
    message: str,
):  # fmt: skip
    dispenses = tmp_path / file_name if file_name else files[0]
    result = score("--dispenses", str(dispenses), "--as-of", as_of,
                   "--out", str(tmp_path / "x.csv"), "--model", str(trained))  # fmt: skip
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_reasons_from_leaves_low_rows_unexplained(
    trained: Path, files: tuple[Path, Path], tmp_path: Path
):
    out = tmp_path / "scores.csv"
    result = score("--dispenses", str(files[0]), "--as-of", "2025-02-01", "--out", str(out),
                   "--model", str(trained), "--reasons-from", "0.5")  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert all(r["top_reasons"] == "" for r in rows if float(r["probability"]) < 0.5)

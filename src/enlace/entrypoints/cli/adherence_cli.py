"""`enlace adherence`: train the abandonment model and score a dispense file (issue 11;
docs/adherence-model-card.md). Helper D adds `run` (the daily job) to the same group."""

from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from enlace.entrypoints.cli.adherence_run_cli import run_command
from enlace.kernel.settings import Settings

adherence_app = typer.Typer(
    help="Adherence: abandonment model and daily run.", no_args_is_help=True
)
adherence_app.command("run")(run_command)  # the daily job (helper D's adherence_run_cli.py)


def _model_directory(given: Path | None) -> Path:
    return given or Settings.from_env().var_dir / "models"  # model.default_directory


def _fail(*lines: str) -> typer.Exit:
    for line in lines:
        typer.echo(line, err=True)
    return typer.Exit(2)


@adherence_app.command("train")
def train_command(
    patients: Annotated[
        int, typer.Option(min=500, max=2_000_000, help="Patients to simulate.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Generator and model seed.")] = 11,
    out: Annotated[Path | None, typer.Option(help="Model directory (default var/models).")] = None,
) -> None:
    """Generate refill histories, train and calibrate the model, print its metrics, save it."""
    from enlace.modules.adherence import model  # scikit-learn: imported when used
    from enlace.sim.refill_training import train_default

    directory = _model_directory(out)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, transient=True, console=None) as progress:
        task = progress.add_task("starting", total=None)
        fitted, report = train_default(
            patients, seed, lambda step: progress.update(task, description=step)
        )
    model.save(fitted, directory)
    for name in ("test", "test_dispense_only", "holdout_regime", "holdout_regime_dispense_only"):
        m = report[name]
        typer.echo(
            f"{name}: n={m['n']} positives={m['positives']} AUROC={m['auroc']:.3f} "
            f"AP={m['average_precision']:.3f} Brier={m['brier']:.4f} ECE={m['ece']:.4f}"
        )
    typer.echo(f"model saved to {directory}")


@adherence_app.command("score")
def score_command(
    dispenses: Annotated[Path, typer.Option(help="MedicationDispense NDJSON file.")],
    as_of: Annotated[str, typer.Option(help="Score date, YYYY-MM-DD.")],
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
    observations: Annotated[Path | None, typer.Option(help="Observation NDJSON file.")] = None,
    model_dir: Annotated[Path | None, typer.Option("--model", help="Model directory.")] = None,
    reasons_from: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Explain only rows at least this likely (faster)."),
    ] = 0.0,
) -> None:
    """One CSV row per therapy active at as-of: probability of discontinuation 28-42 days later,
    risk band, supply left, PDC and top reasons. Bad lines go to stderr, the rest is scored."""
    from enlace.modules.adherence import model  # scikit-learn: imported when used
    from enlace.modules.adherence.file_scoring import COLUMNS, score_files

    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise _fail(f"--as-of: {as_of!r} is not a date (YYYY-MM-DD)") from None
    missing = [f"{p}: no such file" for p in (dispenses, observations) if p and not p.is_file()]
    if missing:
        raise _fail(*missing)
    directory = _model_directory(model_dir)
    try:
        found = model.load(directory)
    except FileNotFoundError:
        raise _fail(
            f"no model in {directory}: train one with `enlace adherence train` "
            "(or pass --model DIR)"
        ) from None
    except ValueError as stale:
        raise _fail(str(stale)) from None
    scores = score_files(found, dispenses, observations, day, reasons_from)
    for problem in scores.problems:
        typer.echo(problem, err=True)
    if not scores.rows:
        raise _fail(f"nothing to score: no therapy is active on {day} in {dispenses}")
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(scores.rows)
    high = sum(1 for row in scores.rows if row["risk_band"] == "high")
    print(
        f"{len(scores.rows)} therapies scored ({high} high risk) from {scores.fills} fills; "
        f"{len(scores.problems)} bad lines, {scores.skipped} skipped; wrote {out}",
        file=sys.stderr,
    )

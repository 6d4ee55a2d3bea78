"""Abandonment model (issue 11): training on ~1 M therapy-months (target <= 10 min), scoring 1 M
therapies from prebuilt fill arrays (features + predict, target <= 60 s), the explanation of
every scored row, and the NDJSON parse rate of the reader, on this machine.

.venv/bin/python bench/adherence_model.py [--therapies 1000000] [--train-patients 45000]
    [--parse-lines 200000] [--repeats 3]

Training: `--train-patients` simulated patients give ~1 M therapy-months (22 per patient);
generation + features + HistGradientBoosting + isotonic calibration are timed apart. Scoring:
~`--therapies` therapies (2.05 per patient) are generated and turned into fill arrays
(untimed: "prebuilt"), then each repeat times active_at + features.compute + predict at one
as-of date; the median is reported. Explanations (11 re-predictions per row) are timed once.
Parse: `--parse-lines` MedicationDispense lines written as NDJSON and read by reader.py.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from common import emit
from enlace.modules.adherence import features, labels, model
from enlace.modules.adherence.fill_table import build
from enlace.modules.adherence.reader import read_dispenses
from enlace.sim import refill_fhir
from enlace.sim.refill_histories import generate
from enlace.sim.refill_training import training_set


def timed(work):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def bench_training(patients: int) -> tuple[model.AbandonmentModel, dict[str, float]]:
    histories, generate_s = timed(lambda: generate(patients, seed=21))
    data, features_s = timed(lambda: training_set(histories))
    (fitted, split), train_s = timed(lambda: model.train(data.x, data.y, data.as_of, seed=21))
    test = split["test"]
    metrics = model.evaluate(fitted, data.x[test], data.y[test])
    return fitted, {
        "train_therapy_months": len(data.y),
        "train_generate_s": round(generate_s, 1),
        "train_features_s": round(features_s, 1),
        "train_fit_calibrate_s": round(train_s, 1),
        "train_total_s": round(generate_s + features_s + train_s, 1),
        "test_auroc": round(metrics["auroc"], 4),
        "test_average_precision": round(metrics["average_precision"], 4),
        "iterations": fitted.metadata["iterations"],
    }


def bench_scoring(fitted: model.AbandonmentModel, therapies: int, repeats: int) -> dict[str, float]:
    histories = generate(int(therapies / 2.05), seed=22, family="holdout")
    table, prepare_s = timed(histories.fill_table)
    as_of = histories.first_day + 400
    every = np.arange(table.therapies)

    def score() -> tuple[np.ndarray, np.ndarray]:
        active = every[labels.active_at(table, every, np.full(len(every), as_of))]
        x = features.compute(table, active, np.full(len(active), as_of))
        return x, fitted.predict(x)

    runs = [timed(score) for _ in range(repeats)]
    x = runs[0][0][0]
    _, explain_s = timed(lambda: model.explain(fitted, x))
    return {
        "score_therapies": table.therapies,
        "score_fills": len(table.day),
        "score_active": len(x),
        "prepare_fill_arrays_s": round(prepare_s, 1),
        "score_median_s": round(statistics.median(t for _, t in runs), 2),
        "explain_all_active_s": round(explain_s, 1),
    }


def bench_parse(lines: int) -> dict[str, float]:
    histories = generate(max(200, lines // 8), seed=23)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "dispenses.ndjson"
        dispenses = itertools.islice(refill_fhir.dispenses(histories), lines)
        count = refill_fhir.write_ndjson(dispenses, path)
        report, parse_s = timed(lambda: read_dispenses(path))
        _, build_s = timed(lambda: build(report.fills))
    return {
        "parse_lines": count,
        "parse_lines_per_s": round(count / parse_s),
        "fill_table_build_s": round(build_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--therapies", type=int, default=1_000_000)
    parser.add_argument("--train-patients", type=int, default=45_000)
    parser.add_argument("--parse-lines", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    fitted, training = bench_training(args.train_patients)
    scoring = bench_scoring(fitted, args.therapies, args.repeats)
    emit({"bench": "adherence_model", **training, **scoring, **bench_parse(args.parse_lines)})


if __name__ == "__main__":
    main()

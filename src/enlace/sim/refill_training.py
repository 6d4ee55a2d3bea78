"""Train the abandonment model on generated refill histories and check it on a differently
parameterized generator regime (the generalization check), with fairness slices.

Sim layer: it drives the generator and calls the adherence module's public functions, as the
`enlace adherence train` command and bench/adherence_model.py do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from enlace.modules.adherence import features, labels, model
from enlace.modules.adherence.features import AFFILIATIONS, COVARIATES, ClinicalSeries
from enlace.sim.refill_histories import RefillHistories, generate

Progress = Callable[[str], None]
WARM_UP = 60  # first as-of date: days after the window opens (some history to look at)


@dataclass
class TrainingSet:
    x: np.ndarray
    y: np.ndarray
    as_of: np.ndarray
    patient: np.ndarray
    covariates: np.ndarray  # per sample, the patient's covariates (for slices)


def training_set(histories: RefillHistories) -> TrainingSet:
    """One row per active therapy-month whose outcome is observable, all covariates known."""
    table = histories.fill_table()
    samples = labels.monthly_samples(
        table, histories.first_day + WARM_UP, histories.last_day, histories.death_day
    )
    patient, measure, day, value = histories.points
    clinical = ClinicalSeries(patient, measure, day, value).sorted()
    x = features.compute(table, samples.therapy, samples.as_of, clinical, histories.covariates)
    owner = table.patient_of[samples.therapy]
    return TrainingSet(x, samples.label, samples.as_of, owner, histories.covariates[owner])


def train_default(
    patients: int, seed: int, progress: Progress | None = None
) -> tuple[model.AbandonmentModel, dict[str, Any]]:
    """Generate, train, evaluate on the test period and on a held-out regime; the report is
    also stored in the model's metadata."""
    say = progress or (lambda _: None)
    say(f"generating {patients} patients (training regimes)")
    data = training_set(generate(patients, seed))
    say(f"training on {len(data.y)} therapy-months")
    fitted, split = model.train(data.x, data.y, data.as_of, seed)
    test = split["test"]
    say("evaluating the test period and a held-out generator regime")
    holdout = training_set(generate(max(2_000, patients // 4), seed + 1_000_003, "holdout"))
    report = {
        "test": model.evaluate(fitted, data.x[test], data.y[test]),
        "test_dispense_only": model.evaluate(
            fitted, model.dispense_only(data.x[test]), data.y[test]
        ),
        "holdout_regime": model.evaluate(fitted, holdout.x, holdout.y),
        "holdout_regime_dispense_only": model.evaluate(
            fitted, model.dispense_only(holdout.x), holdout.y
        ),
        "slices": slices(fitted, data, test),
        "label_rate": float(data.y.mean()),
        "patients": patients,
        "seed": seed,
    }
    fitted.metadata["metrics"] = report
    return fitted, report


def slices(
    fitted: model.AbandonmentModel, data: TrainingSet, rows: np.ndarray
) -> dict[str, dict[str, Any]]:
    """AUROC, average precision and calibration per age band, sex and affiliation (test rows)."""
    cov = data.covariates[rows]
    age = cov[:, COVARIATES.index("age")]
    groups = {
        "age<45": age < 45,
        "age45-64": (age >= 45) & (age < 65),
        "age65+": age >= 65,
        "female": cov[:, COVARIATES.index("female")] == 1,
        "male": cov[:, COVARIATES.index("female")] == 0,
    }
    for code, name in enumerate(AFFILIATIONS):
        groups[name] = cov[:, COVARIATES.index("affiliation")] == code
    x, y = data.x[rows], data.y[rows]
    out = {}
    for name, inside in groups.items():
        metrics = model.evaluate(fitted, x[inside], y[inside])
        metrics.pop("reliability")
        out[name] = metrics
    return out

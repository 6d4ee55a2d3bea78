"""The abandonment model: gradient-boosted trees, calibrated, explained, saved (issue 11).

train(): HistGradientBoostingClassifier on the early as-of months, isotonic calibration on the
next months, metrics on the last months (docs/adherence-model-card.md). Optional covariates are
masked at random in training so a dispense-only file scores as well as it can. explain(): per
row, the feature groups whose replacement by the population median (refill features) or by
"unknown" (optional features) lowers the probability the most.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from enlace.modules.adherence.domain import HORIZON
from enlace.modules.adherence.features import CATEGORICAL, FEATURES, OPTIONAL

VERSION = "1"
MODEL_FILE, META_FILE = "adherence_model.joblib", "adherence_model.json"
GROUPS: dict[str, tuple[str, ...]] = {
    "supply_running_out": ("supply_left", "uncovered_days", "days_since_fill", "last_supply"),
    "late_refills": ("lateness_mean", "lateness_last", "lateness_trend"),
    "low_pdc": ("pdc_90", "pdc_180"),
    "gaps": ("longest_gap", "early_share"),
    "history": ("fills", "therapy_age", "switches", "imputed_share", "gap_setting"),
    "complexity": ("concurrent_therapies", "pill_burden"),
    "clinical_control": ("hba1c", "systolic", "glucose"),
    "cost": ("copay_share", "affiliation", "ses_index"),
    "access": ("distance_km", "delivery"),
    "engagement": ("readings_per_week", "alerts_90d"),
    "demographics": ("age", "female"),
}
RISK_BANDS = ((0.30, "high"), (0.10, "medium"), (0.0, "low"))
# OpenMP threads for the trees. One: on a shared 2-core machine with other work running, more
# threads oversubscribe the cores (training 1.7 s with one thread vs 31 s with the default).
THREADS = 1


@dataclass
class AbandonmentModel:
    classifier: HistGradientBoostingClassifier
    calibrator: IsotonicRegression
    medians: np.ndarray  # per feature, training median (NaN for optional features)
    metadata: dict[str, Any] = field(default_factory=dict)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probability of discontinuation 28-42 days after as-of."""
        if not len(x):
            return np.empty(0)
        with threadpool_limits(limits=THREADS, user_api="openmp"):
            raw = self.classifier.predict_proba(x)[:, 1]
        return np.asarray(self.calibrator.predict(raw), dtype=np.float64)


def mask_optional(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Copy of x with optional features hidden: half the rows lose all of them (dispense-only
    sources), the rest lose each one with probability 0.3. Pill burden, unknown when a file has
    no quantities, is hidden in 30% of rows too (else "unknown" would only mean "insulin")."""
    out = x.copy()
    columns = [FEATURES.index(name) for name in OPTIONAL]
    all_gone = rng.random(len(x)) < 0.5
    for column in columns:
        out[all_gone | (rng.random(len(x)) < 0.3), column] = np.nan
    out[rng.random(len(x)) < 0.3, FEATURES.index("pill_burden")] = np.nan
    return out


def dispense_only(x: np.ndarray) -> np.ndarray:
    out = x.copy()
    out[:, [FEATURES.index(name) for name in OPTIONAL]] = np.nan
    return out


def temporal_split(as_of: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks for train (first 60% of as-of dates), validation (next 20%), test (last 20%)."""
    dates = np.unique(as_of)
    cut_validation = dates[int(len(dates) * 0.6)]
    cut_test = dates[int(len(dates) * 0.8)]
    return as_of < cut_validation, (as_of >= cut_validation) & (as_of < cut_test), as_of >= cut_test


def train(
    x: np.ndarray, y: np.ndarray, as_of: np.ndarray, seed: int = 0, max_iter: int = 250
) -> tuple[AbandonmentModel, dict[str, np.ndarray]]:
    """Fit on the early months, calibrate on the next; returns the model and the split masks."""
    rng = np.random.default_rng(seed)
    in_train, in_validation, in_test = temporal_split(as_of)
    classifier = HistGradientBoostingClassifier(
        max_iter=max_iter,
        learning_rate=0.08,
        max_leaf_nodes=31,
        min_samples_leaf=200,
        l2_regularization=1.0,
        categorical_features=[name in CATEGORICAL for name in FEATURES],
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=20,
        random_state=seed,
    )
    with threadpool_limits(limits=THREADS, user_api="openmp"):
        classifier.fit(mask_optional(x[in_train], rng), y[in_train])
        raw = classifier.predict_proba(mask_optional(x[in_validation], rng))[:, 1]
    calibrator = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    calibrator.fit(raw, y[in_validation])
    medians = np.nanmedian(x[in_train], axis=0)
    medians[[FEATURES.index(name) for name in OPTIONAL]] = np.nan
    model = AbandonmentModel(classifier, calibrator, medians.astype(np.float32))
    model.metadata = {
        "version": VERSION,
        "features": list(FEATURES),
        "horizon_days": list(HORIZON),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "iterations": int(classifier.n_iter_),
        "samples": {"train": int(in_train.sum()), "validation": int(in_validation.sum()),
                    "test": int(in_test.sum())},
    }  # fmt: skip
    return model, {"train": in_train, "validation": in_validation, "test": in_test}


def evaluate(model: AbandonmentModel, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """AUROC, average precision, Brier score, expected calibration error and the reliability
    table (10 equal-width bins: mean predicted, observed rate, count)."""
    p = model.predict(x)
    both = 0 < y.sum() < len(y)
    bins = np.minimum((p * 10).astype(int), 9)
    table, ece = [], 0.0
    for b in range(10):
        inside = bins == b
        if inside.any():
            predicted, observed = float(p[inside].mean()), float(y[inside].mean())
            ece += inside.mean() * abs(predicted - observed)
            table.append([b / 10, round(predicted, 4), round(observed, 4), int(inside.sum())])
    return {
        "n": len(y),
        "positives": int(y.sum()),
        "auroc": float(roc_auc_score(y, p)) if both else None,
        "average_precision": float(average_precision_score(y, p)) if both else None,
        "brier": float(brier_score_loss(y, p)) if len(y) else None,
        "ece": float(ece),
        "reliability": table,
    }


def explain(
    model: AbandonmentModel, x: np.ndarray, top: int = 3, at_least: float = 0.0
) -> list[list[tuple[str, float]]]:
    """Per row, up to `top` feature groups that raise the probability, with how much (the
    probability minus the probability with the group set to median / unknown). Rows below
    `at_least` get no reasons and cost nothing (11 re-predictions a row: ~115 s for 660,000
    rows on the shared 2-core machine, bench/adherence_model.py)."""
    reasons: list[list[tuple[str, float]]] = [[] for _ in range(len(x))]
    if not len(x):
        return reasons
    probability = model.predict(x)
    wanted = np.flatnonzero(probability >= at_least)
    for row, why in zip(wanted.tolist(), _explain(model, x[wanted], probability[wanted], top),
                        strict=True):  # fmt: skip
        reasons[row] = why
    return reasons


def _explain(
    model: AbandonmentModel, x: np.ndarray, base: np.ndarray, top: int
) -> list[list[tuple[str, float]]]:
    if not len(x):
        return []
    names = list(GROUPS)
    lift = np.empty((len(x), len(names)))
    for index, group in enumerate(names):
        columns = [FEATURES.index(name) for name in GROUPS[group]]
        changed = x.copy()
        changed[:, columns] = model.medians[columns]
        lift[:, index] = base - model.predict(changed)
    order = np.argsort(-lift, axis=1)[:, :top]
    return [
        [(names[j], float(lift[i, j])) for j in order[i] if lift[i, j] > 0.005]
        for i in range(len(x))
    ]


def risk_band(probability: float) -> str:
    return next(band for floor, band in RISK_BANDS if probability >= floor)


def save(model: AbandonmentModel, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, directory / MODEL_FILE)
    (directory / META_FILE).write_text(json.dumps(model.metadata, indent=2) + "\n")
    return directory


def load(directory: Path) -> AbandonmentModel:
    """The saved model; FileNotFoundError when there is none, ValueError when its feature list
    is not this code's."""
    model = joblib.load(directory / MODEL_FILE)
    if not isinstance(model, AbandonmentModel) or model.metadata.get("features") != list(FEATURES):
        raise ValueError(f"{directory / MODEL_FILE} was trained on other features: retrain it")
    return model


def default_directory(var_dir: Path) -> Path:
    return var_dir / "models"

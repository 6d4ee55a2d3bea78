"""The generator, a small train + score round trip, explanations, save/load; and the reminder
hook with its exact counterfactual (helper C measures uplift with it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from enlace.modules.adherence import features, model
from enlace.sim.refill_histories import RefillDue, generate
from enlace.sim.refill_training import training_set


@pytest.fixture(scope="module")
def small() -> tuple[model.AbandonmentModel, dict[str, np.ndarray], object]:
    data = training_set(generate(1_500, seed=5, cohort_size=500))
    fitted, split = model.train(data.x, data.y, data.as_of, seed=5, max_iter=60)
    return fitted, split, data


def test_generator_is_seeded_and_diverse():
    first, again = generate(300, seed=2, cohort_size=100), generate(300, seed=2, cohort_size=100)
    for a, b in zip(first.columns(), again.columns(), strict=True):
        assert np.array_equal(a, b)
    assert len(first.regimes) == 3  # one behaviour regime per cohort
    supplies = set(first.columns()[2].tolist())
    assert supplies & {28, 30, 60, 90}
    per_therapy = np.bincount(first.therapy_patient)
    assert per_therapy.min() >= 1 and per_therapy.max() <= 4


def test_features_never_include_the_generators_latent_variables():
    latent = {"propensity", "responsiveness", "stop_after", "regime", "hazard"}
    assert not latent & {name.split("_")[0] for name in features.FEATURES}
    assert not latent & set(features.FEATURES)


def test_train_calibrates_and_separates_on_the_later_months(small):
    fitted, split, data = small
    test = split["test"]
    assert split["train"].sum() and split["validation"].sum() and test.sum()
    assert data.as_of[split["train"]].max() < data.as_of[test].min()  # temporal split
    metrics = model.evaluate(fitted, data.x[test], data.y[test])
    assert metrics["auroc"] > 0.7
    assert 0 <= metrics["ece"] < 0.05
    assert sum(row[3] for row in metrics["reliability"]) == test.sum()
    p = fitted.predict(model.dispense_only(data.x[test]))
    assert ((p >= 0) & (p <= 1)).all()


def test_explanations_name_groups_that_raise_the_risk_and_round_trip_through_save(
    small, tmp_path: Path
):
    fitted, _, data = small
    risky = data.x[np.argsort(-fitted.predict(data.x))[:20]]
    reasons = model.explain(fitted, risky)
    assert all(reason for reason in reasons)  # the riskiest rows always have a reason
    assert all(group in model.GROUPS and lift > 0 for r in reasons for group, lift in r)
    model.save(fitted, tmp_path)
    again = model.load(tmp_path)
    assert np.array_equal(again.predict(risky), fitted.predict(risky))
    assert again.metadata["features"] == list(features.FEATURES)


def test_risk_bands():
    assert [model.risk_band(p) for p in (0.0, 0.099, 0.1, 0.3, 0.95)] == [
        "low", "low", "medium", "high", "high",
    ]  # fmt: skip


def test_reminders_change_refills_and_the_same_seed_without_them_is_the_counterfactual():
    seen: list[RefillDue] = []

    def remind_everyone(due: RefillDue) -> np.ndarray:
        seen.append(due)
        return np.ones(len(due.therapy))

    treated = generate(400, seed=9, cohort_size=200, interventions=remind_everyone)
    control = generate(400, seed=9, cohort_size=200)
    again = generate(400, seed=9, cohort_size=200)
    assert seen and (seen[0].due_day > 0).all()
    assert np.array_equal(control.columns()[1], again.columns()[1])
    # reminded patients refill sooner and stop less: more fills, less total lateness
    assert len(treated.columns()[0]) > len(control.columns()[0])
    assert np.array_equal(treated.covariates, control.covariates)


def test_explain_skips_rows_below_the_threshold(small):
    fitted, _, data = small
    rows = data.x[:200]
    p = fitted.predict(rows)
    full = model.explain(fitted, rows)
    partial = model.explain(fitted, rows, at_least=0.1)
    assert [r if q >= 0.1 else [] for r, q in zip(full, p, strict=True)] == partial


def test_generated_fills_stop_at_death_stay_in_the_window_and_switch_within_class():
    h = generate(2_000, seed=13, cohort_size=1_000)
    therapy, day, _, code = h.columns()
    assert (day < h.death_day[h.therapy_patient[therapy]]).all()
    assert day.min() >= h.first_day and day.max() <= h.last_day
    assert (h.death_day < h.last_day).any()  # some patients die within the window
    from enlace.sim.refill_process import CLASS_FIRST_CODE

    class_of_code = np.searchsorted(CLASS_FIRST_CODE, code, side="right") - 1
    assert (class_of_code == h.therapy_class[therapy]).all()  # a switch never leaves the class
    codes_per_therapy = {(t, c) for t, c in zip(therapy.tolist(), code.tolist(), strict=True)}
    assert len(codes_per_therapy) > len(set(therapy.tolist()))  # some therapies switched

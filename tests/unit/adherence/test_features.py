"""Features and labels on hand-made refill histories; every expected value computed by hand.

History A (metformin, 30-day fills): day 0, day 25 (early: supply shifts to 30..59), day 70
(10 days uncovered: covers 70..99). Covered-supply ends: 30, 60, 100.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from enlace.modules.adherence import features, fill_table, labels
from enlace.modules.adherence.domain import Fill

DAY0 = date(2024, 1, 1)
BASE = fill_table.day_number(DAY0)


def fill(n: int, day: int, supply: int = 30, therapy: str = "atc:A10BA", patient: str = "p1",
         quantity: float | None = None, medication: str = "atc|A10BA02") -> Fill:  # fmt: skip
    return Fill(f"d{n}", patient, medication, therapy, DAY0 + timedelta(day), supply, quantity)


def history_a() -> fill_table.FillTable:
    return fill_table.build(
        [
            fill(3, 70, quantity=60),
            fill(1, 0),
            fill(2, 25),
            fill(4, 90, therapy="atc:C09AA", quantity=30, medication="atc|C09AA02"),
        ]
    )


def column(x: np.ndarray, name: str) -> list[float]:
    return x[:, features.FEATURES.index(name)].tolist()


def test_refill_features_at_day_100_and_65():
    table = history_a()
    x = features.compute(table, np.array([0, 0]), BASE + np.array([100, 65]))
    assert column(x, "supply_left") == [0, 0]
    assert column(x, "uncovered_days") == [1, 6]  # day 100 is the first uncovered day
    assert column(x, "days_since_fill") == [30, 40]
    assert column(x, "fills") == [3, 2]
    # last 90 days at t=100 are 11..100: covered 11..29, 30..59, 70..99 = 19 + 30 + 30
    assert column(x, "pdc_90") == pytest.approx([79 / 90, 60 / 66], abs=1e-6)
    assert column(x, "pdc_180")[0] == pytest.approx(90 / 101, abs=1e-6)  # since day 0
    # refill intervals over previous supply: 25/30 - 1, 45/30 - 1
    assert column(x, "lateness_mean") == pytest.approx([(-1 / 6 + 0.5) / 2, -1 / 6], abs=1e-6)
    assert column(x, "lateness_last") == pytest.approx([0.5, -1 / 6], abs=1e-6)
    assert column(x, "longest_gap") == [10, 0]
    assert column(x, "early_share") == [0.5, 1.0]
    assert column(x, "therapy_age") == [101, 66]
    assert np.isnan(column(x, "hba1c")).all() and np.isnan(column(x, "copay_share")).all()


def test_concurrent_therapies_and_pill_burden_count_the_patients_active_therapies():
    table = history_a()
    x = features.compute(table, np.array([0, 1]), np.full(2, BASE + 100))
    assert column(x, "concurrent_therapies") == [2, 2]
    assert column(x, "pill_burden") == [3.0, 3.0]  # 60/30 metformin + 30/30 enalapril


def test_clinical_feature_is_the_latest_value_within_a_year():
    table = history_a()
    series = features.ClinicalSeries(
        np.array([0, 0, 0]), np.array([0, 0, 1]), BASE + np.array([10, 50, 20]),
        np.array([8.5, 7.2, 150.0]),
    ).sorted()  # fmt: skip
    x = features.compute(table, np.array([0, 0]), BASE + np.array([40, 100]), series)
    assert column(x, "hba1c") == pytest.approx([8.5, 7.2])
    assert column(x, "systolic") == [150.0, 150.0]


def test_active_and_labels_on_history_a():
    table = history_a()
    therapy = np.zeros(4, np.int64)
    as_of = BASE + np.array([50, 60, 65, 100])
    # discontinuation day is 100 (no supply after day 99, none follows): label iff 100 is in
    # [t+28, t+42], i.e. t in [58, 72]
    assert labels.labels(table, therapy, as_of).tolist() == [0, 1, 1, 0]
    # active while fewer than 60 uncovered days: day 100 + 59 - 1 = 158 is the last active day
    active = labels.active_at(table, np.zeros(3, np.int64), BASE + np.array([158, 159, -1]))
    assert active.tolist() == [True, False, False]


def test_a_gap_shorter_than_the_setting_is_not_discontinuation_and_a_switch_is_not_either():
    table = fill_table.build(
        [fill(1, 0), fill(2, 80, medication="atc|A10BA03"), fill(3, 300)]
    )  # 50 days uncovered before day 80 (< 60), then 190 days before day 300
    as_of = BASE + np.array([0, 75, 80])
    stop = labels.discontinuation_day(table, table.last_fill_at(np.zeros(3, np.int64), as_of))
    assert (stop - BASE).tolist() == [110, 110, 110]  # day 110: the end of the day-80 fill
    x = features.compute(table, np.array([0]), np.array([BASE + 80]))
    assert column(x, "switches") == [1]
    assert column(x, "longest_gap") == [50]


def test_monthly_samples_drop_unobservable_dates_and_patients_who_die():
    table = fill_table.build([fill(n, 30 * n) for n in range(20)] + [fill(99, 0, patient="p2")])
    data_end = BASE + 400
    samples = labels.monthly_samples(table, BASE, data_end, step=30)
    # outcome observable when t + 42 + 60 <= day 400: t <= 298, i.e. t = 0, 30, ..., 270
    assert sorted(set((samples.as_of - BASE).tolist())) == list(range(0, 271, 30))
    p2 = samples.therapy == 1
    assert (samples.as_of[p2] - BASE).tolist() == [0, 30, 60]  # p2 active while < 60 uncovered
    assert samples.label[p2].tolist() == [1, 0, 0]  # day 30 is in [28, 42]
    dead = labels.monthly_samples(table, BASE, data_end, np.array([1 << 22, BASE + 100]))
    assert (dead.therapy == 1).sum() == 0  # p2 dies before its horizon ends


def test_fills_of_one_day_count_once_with_the_longest_supply():
    table = fill_table.build([fill(1, 0, 30), fill(2, 0, 90), fill(3, 0, 30), fill(4, 100)])
    assert table.supply.tolist() == [90, 30] and table.end.tolist() == [BASE + 90, BASE + 130]

"""BP and weight summaries on hand-made series."""

from __future__ import annotations

import numpy as np

from enlace.modules.monitoring import summaries

DAY_US = summaries.DAY_US
HOUR_US = summaries.HOUR_US
# 2026-03-02 00:00 in Mexico City (UTC-6)
MIDNIGHT_US = 1_772_431_200_000_000
END_US = MIDNIGHT_US + 30 * DAY_US


def test_bp_summary_counts_means_target_and_time_of_day() -> None:
    # 14 days before END_US: a morning reading (07:00) of 150/95 and an evening one (20:00) 120/80.
    times, sys_, dia = [], [], []
    for day in range(16, 30):
        base = MIDNIGHT_US + day * DAY_US
        times += [base + 7 * HOUR_US, base + 20 * HOUR_US]
        sys_ += [150.0, 120.0]
        dia += [95.0, 80.0]
    s = summaries.bp_summary(np.array(times), np.array(sys_), np.array(dia), END_US, 14)
    assert s.count == 28 and s.systolic.mean == 135.0 and s.diastolic.mean == 87.5
    assert (s.systolic.low, s.systolic.high) == (120.0, 150.0)
    assert s.above_target_pct == 50.0
    assert s.morning == (150.0, 95.0) and s.evening == (120.0, 80.0)
    assert s.systolic.sd == round(float(np.std(sys_, ddof=1)), 1)


def test_bp_target_from_a_goal_and_diastolic_alone_counts() -> None:
    times = np.array([END_US - HOUR_US, END_US - 2 * HOUR_US])
    s = summaries.bp_summary(
        times, np.array([128.0, 125.0]), np.array([82.0, 70.0]), END_US, 14, (130.0, 80.0)
    )
    assert s.above_target_pct == 50.0 and s.target == (130.0, 80.0)


def test_bp_window_excludes_older_readings_and_empty_is_none() -> None:
    old = np.array([END_US - 20 * DAY_US])
    s = summaries.bp_summary(old, np.array([200.0]), np.array([120.0]), END_US, 14)
    assert s.count == 0 and s.systolic.mean is None and s.above_target_pct is None
    assert s.morning is None and s.evening is None
    assert summaries.bp_summary(old, np.array([200.0]), np.array([120.0]), END_US, 30).count == 1


def test_weight_trend_is_kg_per_week_and_change_is_last_minus_first() -> None:
    days = np.arange(28)
    times = END_US - 28 * DAY_US + days * DAY_US + 8 * HOUR_US
    kg = (80.0 + 0.1 * days).astype(np.float64)  # 0.7 kg a week
    s = summaries.weight_summary(times, kg, END_US, 30)
    assert s.count == 28 and s.trend_kg_per_week == 0.7 and s.change_kg == 2.7
    assert s.weight.low == 80.0 and s.weight.high == 82.7


def test_weight_with_one_reading_has_no_trend() -> None:
    s = summaries.weight_summary(np.array([END_US - DAY_US]), np.array([70.0]), END_US, 14)
    assert s.count == 1 and s.trend_kg_per_week is None and s.change_kg is None
    assert s.weight.sd == 0.0


def test_the_bp_care_target_ignores_alert_limit_goals() -> None:
    from enlace.modules.monitoring import reports, thresholds

    def systolic_goal(high: float, alert: bool) -> dict[str, object]:
        category = [
            {"coding": [{"system": thresholds.GOAL_CATEGORY_SYSTEM, "code": "alert-limits"}]}
        ]
        return {
            "resourceType": "Goal",
            "lifecycleStatus": "active",
            **({"category": category} if alert else {}),
            "target": [
                {
                    "measure": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
                    "detailRange": {"high": {"value": high, "unit": "mm[Hg]"}},
                }
            ],
        }

    assert reports.bp_target([systolic_goal(130, alert=False)]) == (130, 90.0)
    assert reports.bp_target([systolic_goal(170, alert=True)]) == (140.0, 90.0)

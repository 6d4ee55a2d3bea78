"""Uplift estimates against hand-computed values."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from enlace.modules.adherence.uplift import Outcome, stratified_effect, uplift_report

GROUPS = {
    ("A", "treated"): np.array([1.0, 0.0, 1.0, 1.0]),  # mean .75, s² .25
    ("A", "control"): np.array([0.0, 1.0]),  # mean .5, s² .5
    ("B", "treated"): np.array([0.9, 0.7]),  # mean .8, s² .02
    ("B", "control"): np.array([0.6, 0.4, 0.5]),  # mean .5, s² .01
}


def test_stratified_difference_and_normal_ci_by_hand() -> None:
    effect = stratified_effect("pdc", GROUPS, bootstrap=0)
    # w_A = 6/11, w_B = 5/11: Δ = 6/11·0.25 + 5/11·0.30 = 3/11
    assert effect.difference == pytest.approx(3 / 11)
    # Var = (6/11)²(.25/4 + .5/2) + (5/11)²(.02/2 + .01/3) = 11.58333/121
    se = math.sqrt((36 * 0.3125 + 25 * (0.01 + 0.01 / 3)) / 121)
    assert effect.se == pytest.approx(se)
    assert effect.normal_ci == pytest.approx((3 / 11 - 1.959964 * se, 3 / 11 + 1.959964 * se))
    assert [s.difference for s in effect.strata] == pytest.approx([0.25, 0.30])
    assert effect.bootstrap_ci is None and effect.left_out == ()


def test_stratum_with_one_arm_is_left_out() -> None:
    groups = {**GROUPS, ("high", "treated"): np.array([0.2, 0.3])}
    effect = stratified_effect("pdc", groups, bootstrap=0)
    assert effect.left_out == ("high",)
    assert effect.difference == pytest.approx(3 / 11)


def test_bootstrap_agrees_with_normal_on_a_large_sample() -> None:
    rng = np.random.default_rng(7)
    groups = {
        ("A", "treated"): rng.normal(0.80, 0.2, 4000),
        ("A", "control"): rng.normal(0.75, 0.2, 1000),
    }
    effect = stratified_effect("pdc", groups, bootstrap=400, seed=1)
    assert effect.normal_ci is not None and effect.bootstrap_ci is not None
    assert effect.bootstrap_ci[0] == pytest.approx(effect.normal_ci[0], abs=0.005)
    assert effect.bootstrap_ci[1] == pytest.approx(effect.normal_ci[1], abs=0.005)


def test_report_abandonment_rates_and_months() -> None:
    def o(arm: str, month: int, pdc: float, abandoned: bool) -> Outcome:
        return Outcome("p", "t", arm, "moderate", date(2026, month, 3), pdc, abandoned)

    rows = [
        o("treated", 1, 0.9, False),
        o("treated", 1, 0.5, True),
        o("control", 1, 0.4, True),
        o("treated", 2, 1.0, False),
        o("control", 2, 0.6, False),
        o("control", 2, 0.2, True),
    ]
    report = uplift_report(rows, bootstrap=0)
    # treated abandon 1/3, control 2/3
    assert report.abandonment.difference == pytest.approx(1 / 3 - 2 / 3)
    assert report.pdc.difference == pytest.approx(0.8 - 0.4)
    jan, feb = report.monthly
    assert (jan.month, jan.n_treated, jan.n_control) == ("2026-01", 2, 1)
    assert jan.pdc_treated == pytest.approx(0.7) and feb.abandonment_control == pytest.approx(0.5)

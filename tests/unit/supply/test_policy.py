"""Replenishment policy math on hand-computed cases (REFERENCE §5)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from enlace.modules.supply import policy


def test_z_for_cycle_service_levels() -> None:
    # Standard normal table: Phi(1.6449) = 0.95, Phi(2.3263) = 0.99
    assert policy.z_for_cycle_service(0.95) == pytest.approx(1.6449, abs=1e-4)
    assert policy.z_for_cycle_service(0.99) == pytest.approx(2.3263, abs=1e-4)
    assert policy.z_for_cycle_service(0.5) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        policy.z_for_cycle_service(1.0)


def test_loss_function_known_values() -> None:
    # G(0) = phi(0) = 1/sqrt(2 pi) = 0.39894; G(1) = 0.24197 - 1 x 0.15866 = 0.08332
    assert policy.loss(0.0) == pytest.approx(0.398942, abs=1e-6)
    assert policy.loss(1.0) == pytest.approx(0.083315, abs=1e-6)
    assert policy.loss_array(np.array([0.0, 1.0])) == pytest.approx([0.398942, 0.083315], abs=1e-6)


def test_order_up_to_level() -> None:
    # mu 100/month, sigma 20, R 1, L 3: S = 100 x 4 + 1.6449 x 20 x 2 = 465.80
    level = policy.order_up_to(np.array([100.0]), np.array([20.0]), 1, 3, np.array([1.6449]))
    assert level[0] == pytest.approx(465.796, abs=1e-3)
    assert policy.order_up_to(np.array([1.0]), np.array([5.0]), 1, 0, np.array([-2.0]))[0] == 0.0


def test_fill_rate_formula_and_its_inverse() -> None:
    # mu 100, sigma 20, R 1, L 3, z 1: beta = 1 - 20 x 2 x 0.083315 / 100 = 0.966674
    assert policy.fill_rate(100, 20, 1, 3, 1.0) == pytest.approx(0.966674, abs=1e-6)
    assert policy.z_for_fill_rate(0.966674, 100, 20, 1, 3) == pytest.approx(1.0, abs=1e-4)
    z = policy.z_for_fill_rates(0.966674, np.array([100.0, 0.0]), np.array([20.0, 3.0]), 1, 3)
    assert z == pytest.approx([1.0, 0.0], abs=1e-4)
    assert policy.fill_rate(0, 5, 1, 0, 1.0) == 1.0


def test_product_classes_and_their_service_levels() -> None:
    assert policy.product_class("J05AR03") == policy.LIFE_SUSTAINING  # tenofovir/emtricitabine
    assert policy.product_class("A10AE04") == policy.LIFE_SUSTAINING  # insulin glargine
    assert policy.product_class("A10BA02") == policy.ESSENTIAL  # metformin
    assert policy.SERVICE_LEVELS[policy.LIFE_SUSTAINING] == 0.99
    assert policy.SERVICE_LEVELS[policy.ESSENTIAL] == 0.95


def test_expiry_cap_is_what_demand_uses_before_expiry() -> None:
    # 30 a month, 4 usable months: at most 120 worth holding, whatever S says
    cap = policy.expiry_cap(np.array([30.0, 30.0]), np.array([4.0, -1.0]))
    assert cap.tolist() == [120.0, 0.0]


def test_budget_cuts_least_critical_lines_first() -> None:
    lines = [
        policy.Line("arv", 10, 1000, criticality=2),  # 10,000
        policy.Line("statin", 20, 200, criticality=1),  # 4,000
        policy.Line("aspirin", 20, 100, criticality=1),  # 2,000
    ]
    # Budget 13,000: 3,000 over; the essentials (6,000) are cut by half, the ARV untouched
    cut = policy.fit_budget(lines, 13_000)
    assert [line.quantity for line in cut] == [10, 10, 10]
    assert sum(line.cost for line in cut) == 13_000
    # Budget 5,000: essentials go to zero, then the ARV is cut to 5 packs
    assert [line.quantity for line in policy.fit_budget(lines, 5_000)] == [5, 0, 0]
    assert policy.fit_budget(lines, None) == lines
    with pytest.raises(ValueError):
        policy.fit_budget(lines, -1)


def test_route_checks() -> None:
    policy.check_route(1, 0)
    with pytest.raises(ValueError):
        policy.check_route(0, 1)
    assert math.isfinite(policy.z_for_fill_rate(0.95, 10, 0, 1, 0))

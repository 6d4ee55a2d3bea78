"""The lost-sales replay on tiny hand-made series (hand-computed fill rate, months of stock,
stock-out days and expiries)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from enlace.modules.supply import replay_policies
from enlace.modules.supply.replay import Levels, Panel, replay


def _panel(demand: list[list[float]], initial: list[float], life: int = 24) -> Panel:
    width = max(len(d) for d in demand)
    matrix = np.full((len(demand), width), np.nan)
    for row, values in enumerate(demand):
        matrix[row, : len(values)] = values
    keys = tuple((f"s{i}", "p") for i in range(len(demand)))
    return Panel(keys, matrix, np.array(initial, float), np.full(len(demand), life, np.int64))


def _fixed(level: float):  # order up to `level` every month
    return lambda history: Levels(
        np.full(history.shape[0], level), np.full(history.shape[0], level)
    )


def test_fill_rate_months_of_stock_and_stockout_days_by_hand() -> None:
    # Warm-up 1 month (10). Start 10 on hand, order up to 10 each month, arriving next month.
    # month 1: demand 10, serve 10, end 0 -> order 10; month 2: demand 20, serve 10 (lost 10,
    # 15 stock-out days), end 0 -> order 10; month 3: demand 5, serve 5, end 5 -> order 5.
    outcome = replay(_panel([[10, 10, 20, 5]], [10]), _fixed(10), warmup=1)
    assert outcome.demand == 35 and outcome.served == 25 and outcome.lost == 10
    assert outcome.fill_rate == pytest.approx(25 / 35)
    # end stocks 0, 0, 5 -> mean 5/3 over mean demand 35/3 = 0.142857 months
    assert outcome.months_of_stock == pytest.approx(5 / 35)
    assert outcome.stockout_days == pytest.approx(15.0)
    assert outcome.ordered == 25 and outcome.months == 3


def test_lead_time_delays_the_order_one_more_month() -> None:
    # Lead 1: the order of month 1's review arrives for month 3, not month 2.
    outcome = replay(_panel([[0, 10, 10, 10]], [10]), _fixed(10), warmup=1, lead_months=1)
    # m1 serve 10 end 0, position 0 -> order 10 (due m3); m2 nothing -> lost 10, position 10,
    # no order; m3 receives 10, serves 10
    assert outcome.served == 20 and outcome.lost == 10


def test_lots_expire_first_expiry_first_out() -> None:
    # Shelf life 2 months, 30 on hand at the start, demand 5 a month, never reorder.
    outcome = replay(_panel([[0, 5, 5, 5]], [30], life=2), _fixed(0), warmup=1)
    # m1: age (life 2 -> 1), serve 5 (25 left); m2: age (1 -> 0), serve 5 (20 left);
    # m3: the 20 with no life left expire, 5 demanded and lost
    assert outcome.expired == 20 and outcome.served == 10 and outcome.lost == 5


def test_series_of_different_lengths_replay_their_own_months() -> None:
    outcome = replay(_panel([[4, 4, 4], [4, 4]], [8, 8]), _fixed(4), warmup=1)
    assert outcome.months == 3 and outcome.demand == 12 and outcome.fill_rate == 1.0


def test_adjusted_demand_and_whole_month_outs() -> None:
    assert replay_policies.adjusted_demand(10, 15) == 20.0  # 10 x 30 / 15
    assert replay_policies.adjusted_demand(7, 0) == 7.0
    assert math.isnan(replay_policies.adjusted_demand(0, 30))


def test_max_min_orders_up_to_k_amc_below_min() -> None:
    history = np.array([[10.0, 20.0, 30.0], [3.0, 3.0, np.nan]])
    levels = replay_policies.max_min(3, 1)(history)
    assert levels.order_up_to.tolist() == [60.0, 9.0]  # 3 x AMC (20, 3)
    assert levels.reorder_point.tolist() == [20.0, 3.0]


def test_enlace_level_is_capped_by_shelf_life() -> None:
    history = np.array([[30.0] * 6])
    # mean 30, sigma floor sqrt(30); capped at 30 x 1 usable month
    levels = replay_policies.enlace(0.95, usable_months=1.0)(history)
    assert levels.order_up_to[0] == pytest.approx(30.0)


def _fixed_forecast(mean: list[float], sigma: list[float]) -> replay_policies.Forecaster:
    return lambda history: (np.array(mean), np.array(sigma))


def test_enlace_cycle_holds_the_same_fractile_for_every_series() -> None:
    history = np.zeros((2, 6))
    # Phi(1) = 0.841345: S = mu + 1 x sigma, R = 1, L = 0 -> 100 + 20 and 10 + 10
    forecast = _fixed_forecast([100.0, 10.0], [20.0, 10.0])
    levels = replay_policies.enlace_cycle(0.8413447461, forecast)(history)
    assert levels.order_up_to == pytest.approx([120.0, 20.0], abs=1e-6)
    assert levels.reorder_point == pytest.approx([120.0, 20.0], abs=1e-6)
    # Phi(1.959964) = 0.975: 100 + 39.199 and 10 + 19.600
    levels = replay_policies.enlace_cycle(0.975, forecast)(history)
    assert levels.order_up_to == pytest.approx([139.19928, 29.59964], abs=1e-4)


def test_enlace_cycle_review_lead_and_shelf_life() -> None:
    history = np.zeros((1, 6))
    forecast = _fixed_forecast([30.0], [10.0])
    # R + L = 4: S = 30 x 4 + 1 x 10 x 2 = 140; capped at 30 x 2 usable months = 60
    assert replay_policies.enlace_cycle(0.8413447461, forecast, review=1, lead=3)(
        history
    ).order_up_to == pytest.approx([140.0], abs=1e-6)
    capped = replay_policies.enlace_cycle(0.8413447461, forecast, lead=3, usable_months=2.0)
    assert capped(history).order_up_to == pytest.approx([60.0])
    with pytest.raises(ValueError):
        replay_policies.enlace_cycle(1.0, forecast)

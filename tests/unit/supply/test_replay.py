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

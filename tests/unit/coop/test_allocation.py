"""Largest-remainder splits, hand-computed."""

from __future__ import annotations

from enlace.modules.coop.allocation import largest_remainder, percent_half_up


def test_three_equal_weights_give_leftover_centavos_to_the_first_ids() -> None:
    # 890,000 / 3 = 296,666.67: floors sum to 889,998; the 2 left go to ana and beto.
    parts = largest_remainder(890_000, {"caro": 1, "ana": 1, "beto": 1})
    assert parts == {"ana": 296_667, "beto": 296_667, "caro": 296_666}


def test_largest_fraction_wins_the_leftover() -> None:
    # 100 by 1:2 -> 33.33 and 66.67: floors 33 + 66 = 99, the centavo goes to b (.67 > .33).
    assert largest_remainder(100, {"a": 1, "b": 2}) == {"a": 33, "b": 67}


def test_zero_weights_get_nothing() -> None:
    assert largest_remainder(500, {"a": 0, "b": 0}) == {"a": 0, "b": 0}
    assert largest_remainder(500, {"a": 0, "b": 3}) == {"a": 0, "b": 500}


def test_percent_rounds_half_up() -> None:
    assert percent_half_up(1_000_005, 10) == 100_001  # 100,000.5 -> 100,001
    assert percent_half_up(1_000_004, 10) == 100_000  # 100,000.4 -> 100,000

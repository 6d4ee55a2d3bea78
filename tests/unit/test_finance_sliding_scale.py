"""Sliding-scale fees: tiers against the income poverty line, per person in the household."""

from __future__ import annotations

import pytest

from enlace.kernel.errors import FhirError
from enlace.modules.finance.sliding_scale import (
    LPI_2025_07,
    PovertyLine,
    Tier,
    check_tiers,
    sliding_fee,
)

LINE = PovertyLine("test", urban=400_000, rural=300_000, source="round numbers")


def fee(income: int, size: int = 4, area: str = "urban", **kwargs: object) -> int:
    return sliding_fee(50_000, income, size, area, line=LINE, **kwargs).fee


def test_full_discount_at_or_below_the_line() -> None:
    assert fee(0) == 0
    assert fee(1_600_000) == 0  # exactly 100 % of 4 x 4,000.00


def test_graded_discounts() -> None:
    assert fee(1_600_001) == 10_000  # just above 100 %: 80 % off
    assert fee(2_000_000) == 10_000  # 125 % exactly: still 80 % off
    assert fee(2_400_000) == 20_000  # 150 %: 60 % off
    assert fee(2_800_000) == 30_000  # 175 %: 40 % off
    assert fee(3_200_000) == 40_000  # 200 %: 20 % off
    assert fee(3_200_001) == 50_000  # above 200 %: no discount


def test_household_size_and_area_matter() -> None:
    assert fee(1_600_000, size=2) == 40_000  # the same income for two people: 200 %, 20 % off
    assert sliding_fee(50_000, 1_600_000, 2, "urban", line=LINE).discount_percent == 20
    assert fee(1_200_000, size=4, area="rural") == 0  # 100 % of the rural line


def test_nominal_fee_floor() -> None:
    assert fee(0, nominal_fee=3_000) == 3_000


def test_rounding_half_up() -> None:
    assert sliding_fee(333, 2_000_000, 4, "urban", line=LINE).fee == 67  # 66.6 -> 67


def test_current_line_is_recorded_with_its_source() -> None:
    result = sliding_fee(50_000, 1_000_000, 3, "urban")
    assert result.line is LPI_2025_07 and "INEGI" in result.line.source
    assert result.percent_of_line == 70


@pytest.mark.parametrize(
    ("args", "where"),
    [
        ((50_000, -1, 4, "urban"), "household.income"),
        ((50_000, 10.5, 4, "urban"), "household.income"),
        ((-5, 100, 4, "urban"), "fee.full"),
        ((50_000, 100, 0, "urban"), "household.size"),
        ((50_000, 100, 4, "suburban"), "household.area"),
    ],
)
def test_bad_input(args: tuple[object, ...], where: str) -> None:
    with pytest.raises(FhirError) as exc:
        sliding_fee(*args)
    assert [issue.expression for issue in exc.value.issues] == [where]


@pytest.mark.parametrize(
    "tiers",
    [
        (Tier(100, 100),),
        (Tier(150, 100), Tier(100, 50), Tier(None, 0)),
        (Tier(100, 50), Tier(200, 80), Tier(None, 0)),
        (Tier(100, 120), Tier(None, 0)),
    ],
)
def test_bad_tiers(tiers: tuple[Tier, ...]) -> None:
    with pytest.raises(FhirError):
        check_tiers(tiers)

"""Demand signal: OpenLMIS adjusted consumption, lost units from unfilled prescriptions."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from enlace.modules.supply.demand import (
    adjusted,
    corrected_demand,
    lost_units,
    periods,
    share_lost,
)
from enlace.modules.supply_kpis import Prescribed


def test_adjusted_consumption_scales_issued_by_the_stocked_days() -> None:
    assert adjusted(10, 15, 30) == 20  # ceil(10 x 30 / 15)
    assert adjusted(7, 0, 30) == 7
    assert adjusted(10, 20, 90) == 13  # ceil(10 x 90 / 70) = ceil(12.86)
    assert math.isnan(adjusted(5, 30, 30))


def test_demand_is_the_larger_of_adjusted_and_issued_plus_lost() -> None:
    assert corrected_demand(10, 15, 30, lost=25) == 35  # 10 + 25 > 20
    assert corrected_demand(10, 15, 30, lost=2) == 20  # adjusted wins
    assert corrected_demand(0, 30, 30, lost=4) == 4  # whole month out: only the lost units


def test_weeks_start_on_monday_and_months_on_the_first() -> None:
    weeks = periods(date(2026, 11, 4), date(2026, 11, 20), "week")  # a Wednesday .. a Friday
    assert weeks == [
        (date(2026, 11, 2), date(2026, 11, 9)),
        (date(2026, 11, 9), date(2026, 11, 16)),
        (date(2026, 11, 16), date(2026, 11, 23)),
    ]
    months = periods(date(2026, 11, 15), date(2027, 1, 3), "month")
    assert [m[0] for m in months] == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]
    assert months[1][1] == date(2027, 1, 1)
    with pytest.raises(ValueError, match="grain"):
        periods(date(2026, 1, 1), date(2026, 2, 1), "day")


def test_lost_units_are_what_was_not_handed_over_within_72_hours() -> None:
    t0 = datetime(2026, 11, 3, 9, tzinfo=UTC)
    late = t0 + timedelta(hours=80)
    prescribed = [
        Prescribed("a", t0, 30, "farmacia-1", ((t0 + timedelta(hours=1), 10),)),  # 20 lost
        Prescribed("b", t0, 12, "farmacia-1", ((late, 12),)),  # handed too late: 12 lost
        Prescribed("c", t0, 5, "farmacia-1", ((t0, 5),)),  # filled
        Prescribed("d", t0, 9, "farmacia-2", ()),  # another pharmacy
        Prescribed("e", t0 - timedelta(days=10), 9, "farmacia-1", ()),  # another period
    ]
    assert lost_units(prescribed, "farmacia-1", date(2026, 11, 1), date(2026, 12, 1)) == 32


def test_lost_units_go_to_the_products_that_were_out() -> None:
    assert share_lost(10, {"a": 3, "b": 1, "c": 0}) == {"a": 7.5, "b": 2.5, "c": 0.0}
    assert share_lost(10, {"a": 0}) == {"a": 0.0}

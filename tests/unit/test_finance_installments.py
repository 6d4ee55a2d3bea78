"""Installment schedules and the CAT, against examples worked by hand."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from enlace.kernel.errors import FhirError
from enlace.modules.finance.installments import add_months, cat_percent, french_schedule, plan

START = date(2026, 1, 31)


def test_three_months_at_one_percent_a_month() -> None:
    # P = 1000 * 0.01 / (1 - 1.01^-3) = 340.0221... -> 340.02. Interest 10.00, 6.6998 -> 6.70,
    # 3.3666 -> 3.37; the last installment repays the 336.66 left plus 3.37.
    schedule = french_schedule(100_000, Decimal("0.12"), 3, START)
    assert [(i.payment, i.interest, i.principal, i.balance_after) for i in schedule] == [
        (34_002, 1_000, 33_002, 66_998),
        (34_002, 670, 33_332, 33_666),
        (34_003, 337, 33_666, 0),
    ]
    assert [i.due for i in schedule] == [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]


def test_zero_rate_last_installment_absorbs_rounding() -> None:
    schedule = french_schedule(10_000, Decimal(0), 3, START)
    assert [i.payment for i in schedule] == [3_333, 3_333, 3_334]
    assert sum(i.principal for i in schedule) == 10_000


def test_cat_of_a_plain_monthly_rate_is_its_effective_annual_rate() -> None:
    # Without fees, 1 % a month compounds to 1.01^12 - 1 = 12.68 % a year.
    exact = cat_percent([(0.0, 100_000)], [(k / 12, 8_885) for k in range(1, 13)])
    assert exact == Decimal("12.7")
    assert plan(100_000, Decimal("0.12"), 12, START).cat_percent == Decimal("12.7")


def test_cat_counts_the_opening_fee() -> None:
    # 1,000 lent, 20 fee paid on day 0, 1,010 repaid after a month:
    # 980 = 1010 / (1 + i)^(1/12)  =>  i = (1010 / 980)^12 - 1 = 43.6 %.
    by_hand = ((1010 / 980) ** 12 - 1) * 100
    assert math.isclose(by_hand, 43.6, abs_tol=0.05)
    monthly = plan(100_000, Decimal("0.12"), 1, START, opening_fee=2_000)
    assert monthly.installments[0].payment == 101_000
    assert monthly.cat_percent == Decimal("43.6")
    assert monthly.total_paid == 103_000


def test_zero_cost_credit_has_zero_cat() -> None:
    assert plan(120_000, Decimal(0), 12, START).cat_percent == Decimal("0.0")


def test_expensive_credit_still_solves() -> None:
    costly = plan(2_000_000, Decimal("0.58"), 12, START, opening_fee=100_000)
    assert costly.cat_percent > Decimal("90")  # a 58 % rate and 5 % fee: near 96 % a year


def test_totals() -> None:
    result = plan(100_000, Decimal("0.12"), 3, START)
    assert result.total_interest == 2_007 and result.total_paid == 102_007


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"amount_financed": -5}, "plan.amountFinanced"),
        ({"amount_financed": 10.5}, "plan.amountFinanced"),
        ({"annual_rate": 0.12}, "plan.annualRate"),
        ({"annual_rate": Decimal(-1)}, "plan.annualRate"),
        ({"months": 0}, "plan.months"),
        ({"months": 121}, "plan.months"),
        ({"opening_fee": 100_000}, "plan.openingFee"),
        ({"opening_fee": -1}, "plan.openingFee"),
    ],
)
def test_bad_plans(kwargs: dict[str, object], where: str) -> None:
    args: dict[str, object] = {
        "amount_financed": 100_000,
        "annual_rate": Decimal("0.12"),
        "months": 3,
        "start": START,
    }
    with pytest.raises(FhirError) as exc:
        plan(**{**args, **kwargs})
    assert exc.value.status == 400
    assert where in [issue.expression for issue in exc.value.issues]


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)

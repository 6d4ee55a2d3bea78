"""Installment plans for out-of-pocket treatment: a monthly French schedule and its CAT.

French amortization: equal monthly payments P = A * r / (1 - (1 + r)^-n), with r the nominal
annual rate / 12 and A the amount financed. Money is integer centavos, with these rounding rules:

- the level payment is rounded half up to the centavo;
- each month's interest is the outstanding balance times r, rounded half up to the centavo;
- principal repaid = payment - interest; the last installment repays whatever balance is left
  plus its interest, so it absorbs every rounding difference and the balance ends at exactly 0.

CAT (costo anual total), as Banco de México defines it in its "Disposiciones de carácter general
que establecen la metodología de cálculo, fórmula, componentes y supuestos del CAT" (Circular
21/2009 and its amendments): the annual rate i that solves

    sum_j A_j / (1 + i)^t_j  =  sum_k B_k / (1 + i)^s_k

with A_j the amounts disbursed to the borrower at t_j years from the contract date, and B_k every
payment the borrower makes (principal, interest, commissions such as the opening fee, and other
charges; without IVA) at s_k years. For monthly payments s_k = k / 12. An opening fee charged
on day 0 counts as a payment at s = 0 (equivalently, it reduces what was disbursed). The CAT is
disclosed as a percentage with one decimal (rounded half up here: a value to check against
Banxico's rounding rule). We solve for i by bisection on the net present value, which is
monotone in i when money first flows to the borrower and then back (Newton could overshoot).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from enlace.kernel.errors import FhirError, Issue
from enlace.modules.finance.ledger_model import amount_issues

MAX_MONTHS = 120
MAX_ANNUAL_RATE = Decimal(10)  # 1000 % a year: beyond that the input is surely wrong
CENTAVO = Decimal(1)


@dataclass(frozen=True, slots=True)
class Installment:
    number: int  # 1..n
    due: date
    payment: int  # centavos
    interest: int
    principal: int
    balance_after: int


@dataclass(frozen=True, slots=True)
class InstallmentPlan:
    amount_financed: int
    annual_rate: Decimal  # nominal, e.g. Decimal("0.24") for 24 %
    opening_fee: int
    installments: tuple[Installment, ...]
    cat_percent: Decimal  # e.g. Decimal("29.3")

    @property
    def total_paid(self) -> int:
        return self.opening_fee + sum(i.payment for i in self.installments)

    @property
    def total_interest(self) -> int:
        return sum(i.interest for i in self.installments)


def plan(
    amount_financed: int,
    annual_rate: Decimal,
    months: int,
    start: date,
    *,
    opening_fee: int = 0,
) -> InstallmentPlan:
    """The schedule, first installment due one month after `start`, and its CAT."""
    _check(amount_financed, annual_rate, months, opening_fee)
    schedule = french_schedule(amount_financed, annual_rate, months, start)
    payments = [(0.0, opening_fee)] if opening_fee else []
    payments += [(i.number / 12, i.payment) for i in schedule]
    return InstallmentPlan(
        amount_financed,
        annual_rate,
        opening_fee,
        tuple(schedule),
        cat_percent(disbursements=[(0.0, amount_financed)], payments=payments),
    )


def french_schedule(
    amount_financed: int, annual_rate: Decimal, months: int, start: date
) -> list[Installment]:
    monthly = annual_rate / 12
    payment = level_payment(amount_financed, monthly, months)
    balance = amount_financed
    schedule = []
    for number in range(1, months + 1):
        interest = _centavos(balance * monthly)
        principal = balance if number == months else payment - interest
        balance -= principal
        schedule.append(
            Installment(
                number,
                add_months(start, number),
                principal + interest,
                interest,
                principal,
                balance,
            )
        )
    return schedule


def level_payment(amount_financed: int, monthly_rate: Decimal, months: int) -> int:
    if monthly_rate == 0:
        return _centavos(Decimal(amount_financed) / months)
    factor = 1 - (1 + monthly_rate) ** -months
    return _centavos(amount_financed * monthly_rate / factor)


def cat_percent(
    disbursements: list[tuple[float, int]], payments: list[tuple[float, int]]
) -> Decimal:
    """Banxico's CAT in percent with one decimal, from (years, centavos) cash flows."""

    def net(rate: float) -> float:
        inflow = sum(amount / (1 + rate) ** years for years, amount in disbursements)
        outflow = sum(amount / (1 + rate) ** years for years, amount in payments)
        return outflow - inflow  # falls as the rate rises

    low, high = -0.99, 1.0
    while net(high) > 0:  # widen until the root is bracketed (very expensive credit)
        low, high = high, high * 2 + 1
        if high > 1e9:
            raise FhirError(422, [Issue("value", "The CAT is beyond any computable rate")])
    for _ in range(200):
        middle = (low + high) / 2
        if net(middle) > 0:
            low = middle
        else:
            high = middle
    percent = Decimal(repr((low + high) / 2 * 100))
    return percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def add_months(start: date, months: int) -> date:
    """Same day `months` later, or the month's last day when it is shorter (Jan 31 -> Feb 28)."""
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    month += 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def _centavos(value: Decimal | int) -> int:
    return int(Decimal(value).quantize(CENTAVO, rounding=ROUND_HALF_UP))


def _check(amount_financed: int, annual_rate: Decimal, months: int, opening_fee: int) -> None:
    issues = amount_issues(amount_financed, "plan.amountFinanced")
    if not issues and amount_financed < 0:
        issues.append(Issue("value", "Must be positive", "plan.amountFinanced"))
    if not isinstance(annual_rate, Decimal) or not 0 <= annual_rate <= MAX_ANNUAL_RATE:
        issues.append(Issue("value", "A Decimal between 0 and 10 (1000 %)", "plan.annualRate"))
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        issues.append(Issue("value", f"Whole months from 1 to {MAX_MONTHS}", "plan.months"))
    issues += amount_issues(opening_fee, "plan.openingFee", allow_zero=True)
    if not issues and not 0 <= opening_fee < amount_financed:
        issues.append(Issue("value", "From 0 to less than the amount", "plan.openingFee"))
    if issues:
        raise FhirError(400, issues)

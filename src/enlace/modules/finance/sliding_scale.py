"""Sliding-scale fees by household income and size, against Mexico's income poverty lines.

The practice (US community health centres): a full discount at or below 100 % of the poverty
line, graded discounts up to 200 %, none above, decided only by income and household size. In
Mexico the line is CONEVAL's línea de pobreza por ingresos (LPI: food plus non-food basket, per
person per month, urban or rural). Since July 2025 INEGI publishes it, with CONEVAL's method.

A household's ratio to the line is its monthly income per person (income / size, CONEVAL's
per-capita measure without equivalence scales; a simplification to check) over the line. The
tiers are configuration: each says up to which percentage of the line it applies and what
discount it gives; the first tier that covers the ratio wins. Fees are integer centavos, the
discounted fee rounded half up, and never below the nominal fee a clinic may keep charging.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from enlace.kernel.errors import FhirError, Issue
from enlace.modules.finance.ledger_model import amount_issues

Area = Literal["urban", "rural"]


@dataclass(frozen=True, slots=True)
class PovertyLine:
    """Monthly value per person, in centavos, of one published set of income lines."""

    as_of: str  # the month the values are for
    urban: int
    rural: int
    source: str

    def for_area(self, area: Area) -> int:
        return self.urban if area == "urban" else self.rural


# Values to check against the publisher's tables before production use: they were read from
# press reports of the monthly releases, not from the source files.
LPI_2025_07 = PovertyLine(
    "2025-07",
    urban=471_855,  # $4,718.55
    rural=339_671,  # $3,396.71
    source="INEGI, Líneas de Pobreza por Ingresos, July 2025 (first INEGI release, CONEVAL method)",
)
LPI_2024_12 = PovertyLine(
    "2024-12",
    urban=464_016,  # $4,640.16
    rural=333_424,  # $3,334.24
    source="CONEVAL, Líneas de Pobreza por Ingresos, December 2024",
)
CURRENT_LINE = LPI_2025_07


@dataclass(frozen=True, slots=True)
class Tier:
    up_to_percent: int | None  # of the poverty line, inclusive; None: no upper bound
    discount_percent: int  # 0..100


# Full discount to 100 %, then 20 points less per 25 points of the line, none above 200 %.
DEFAULT_TIERS = (
    Tier(100, 100),
    Tier(125, 80),
    Tier(150, 60),
    Tier(175, 40),
    Tier(200, 20),
    Tier(None, 0),
)


@dataclass(frozen=True, slots=True)
class SlidingFee:
    fee: int  # centavos to charge
    full_fee: int
    discount_percent: int
    percent_of_line: int  # household income per person as a whole percentage of the line
    line: PovertyLine


def sliding_fee(
    full_fee: int,
    household_income: int,
    household_size: int,
    area: Area,
    *,
    tiers: tuple[Tier, ...] = DEFAULT_TIERS,
    line: PovertyLine = CURRENT_LINE,
    nominal_fee: int = 0,
) -> SlidingFee:
    """The fee for a household with `household_income` centavos a month."""
    _check(full_fee, household_income, household_size, area, nominal_fee)
    check_tiers(tiers)
    monthly_line = line.for_area(area) * household_size
    # Integer arithmetic: a household exactly at a boundary falls in the lower tier.
    percent_of_line = household_income * 100 // monthly_line
    at_boundary = household_income * 100 % monthly_line == 0
    tier = next(
        t
        for t in tiers
        if t.up_to_percent is None
        or percent_of_line < t.up_to_percent
        or (percent_of_line == t.up_to_percent and at_boundary)
    )
    discounted = (full_fee * (100 - tier.discount_percent) * 2 + 100) // 200  # half up
    return SlidingFee(
        max(discounted, min(nominal_fee, full_fee)),
        full_fee,
        tier.discount_percent,
        percent_of_line,
        line,
    )


def check_tiers(tiers: tuple[Tier, ...]) -> None:
    """Tiers ascend, discounts lie in 0..100 and do not grow with income, the last is open."""
    issues = []
    bounds = [t.up_to_percent for t in tiers]
    if not tiers or bounds[-1] is not None or None in bounds[:-1]:
        issues.append(Issue("value", "Only the last tier is open-ended", "tiers"))
    closed = [b for b in bounds if b is not None]
    if closed != sorted(set(closed)) or any(b <= 0 for b in closed):
        issues.append(Issue("value", "Tier bounds must be positive and ascending", "tiers"))
    discounts = [t.discount_percent for t in tiers]
    if any(not 0 <= d <= 100 for d in discounts) or discounts != sorted(discounts, reverse=True):
        issues.append(Issue("value", "Discounts in 0..100, falling as income rises", "tiers"))
    if issues:
        raise FhirError(400, issues)


def _check(full_fee: int, income: int, size: int, area: str, nominal_fee: int) -> None:
    issues = []
    for value, where in (
        (full_fee, "fee.full"),
        (income, "household.income"),
        (nominal_fee, "fee.nominal"),
    ):
        found = amount_issues(value, where, allow_zero=True)
        if not found and value < 0:
            found = [Issue("value", f"Must not be negative, got {value}", where)]
        issues += found
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 50:
        issues.append(Issue("value", "Household size is a whole number from 1", "household.size"))
    if area not in ("urban", "rural"):
        issues.append(Issue("code-invalid", "Area is urban or rural", "household.area"))
    if issues:
        raise FhirError(400, issues)

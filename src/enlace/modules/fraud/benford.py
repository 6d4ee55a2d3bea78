"""Benford's first-digit test on a provider's unrounded claimed amounts.

Invented amounts rarely follow Benford's law (first digit d with probability log10(1 + 1/d)).
The test only speaks where it can: amounts that are not whole pesos (list prices are whole
pesos, so rounded amounts say nothing about invention) and at least MIN_AMOUNTS of them.
Verdict as Nigrini (2012) for first digits: mean absolute deviation (MAD) of the digit shares
<= 0.006 close conformity, <= 0.012 acceptable, <= 0.015 marginal, above: nonconformity; the
flag also needs the chi-square (8 degrees of freedom) above 20.09 (p < 0.01).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .columns import IntArray

EXPECTED = np.log10(1 + 1 / np.arange(1, 10))
MIN_AMOUNTS = 100
UNROUNDED_SHARE = 0.5  # the test runs when at least half the amounts are not whole pesos
CHI2_CRITICAL = 20.09  # 8 degrees of freedom, p = 0.01
NIGRINI = ((0.006, "close conformity"), (0.012, "acceptable conformity"), (0.015, "marginal"))


@dataclass(frozen=True)
class BenfordResult:
    amounts: int  # unrounded amounts tested
    observed: tuple[float, ...]  # shares of first digits 1..9
    chi2: float
    mad: float

    @property
    def conformity(self) -> str:
        return next((label for limit, label in NIGRINI if self.mad <= limit), "nonconformity")

    @property
    def flagged(self) -> bool:
        return self.mad > NIGRINI[-1][0] and self.chi2 > CHI2_CRITICAL


def first_digits(amounts: IntArray) -> IntArray:
    positive = amounts[amounts > 0]
    magnitude = np.floor(np.log10(positive)).astype(np.int64)
    digits = positive // (10**magnitude)
    # float log10 can be one off just below a power of ten: correct both ways
    digits = np.where(digits >= 10, digits // 10, digits)
    return np.where(digits == 0, positive * 10 // (10**magnitude), digits)


def benford(amounts: IntArray) -> BenfordResult | None:
    """The test on one provider's claimed centavos; None when it cannot speak."""
    if amounts.size == 0:
        return None
    unrounded = amounts[(amounts % 100) != 0]
    if unrounded.size < MIN_AMOUNTS or unrounded.size < UNROUNDED_SHARE * amounts.size:
        return None
    counts = np.bincount(first_digits(unrounded), minlength=10)[1:10]
    n = int(counts.sum())
    observed = counts / n
    chi2 = float(n * (((observed - EXPECTED) ** 2) / EXPECTED).sum())
    mad = float(np.abs(observed - EXPECTED).mean())
    return BenfordResult(n, tuple(float(x) for x in observed), chi2, mad)


def by_provider(provider: IntArray, amounts: IntArray, n: int) -> list[BenfordResult | None]:
    order = np.argsort(provider, kind="stable")
    bounds = np.searchsorted(provider[order], np.arange(n + 1))
    sorted_amounts = amounts[order]
    return [benford(sorted_amounts[bounds[i] : bounds[i + 1]]) for i in range(n)]

"""Replenishment policy math (issue 12 part 4; REFERENCE §5), pure and vectorized.

Periodic review, order-up-to: every R months the position (on hand + on order) is raised to
    S = mu (R + L) + z sigma sqrt(R + L)
with mu, sigma the forecast mean and standard deviation of monthly demand and L the lead time in
months. z is set from the service-level target of the product's class: cycle service Phi(z), or
the fill rate beta = 1 - sigma sqrt(R + L) G(z) / (mu R), G(z) = phi(z) - z (1 - Phi(z)), the
standard normal loss function. Then two caps and one constraint:
- expiry: never hold more than the facility can use before the lot expires, mu x usable months;
- budget: when the lines cost more than the budget, the least critical lines are cut first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

Floats = NDArray[np.float64]
_NORMAL = NormalDist()

LIFE_SUSTAINING = "life-sustaining"  # antiretrovirals and insulins: a gap harms within days
ESSENTIAL = "essential"
SERVICE_LEVELS = {LIFE_SUSTAINING: 0.99, ESSENTIAL: 0.95}
CRITICALITY = {LIFE_SUSTAINING: 2, ESSENTIAL: 1}  # higher is cut last under a budget
_LIFE_SUSTAINING_ATC = ("J05A", "A10A")  # direct-acting antivirals incl. ARVs; insulins
# Usable shelf life on receipt, months (a conservative, class-level default: docs/supply.md).
SHELF_LIFE_MONTHS = {LIFE_SUSTAINING: 18, ESSENTIAL: 24}


def product_class(atc: str) -> str:
    """The service class of a medicine from its ATC code."""
    return LIFE_SUSTAINING if atc.upper().startswith(_LIFE_SUSTAINING_ATC) else ESSENTIAL


def z_for_cycle_service(level: float) -> float:
    """z with Phi(z) = level (probability of no stock-out in a replenishment cycle)."""
    _check_level(level)
    return _NORMAL.inv_cdf(level)


def loss(z: float) -> float:
    """Standard normal loss G(z) = phi(z) - z (1 - Phi(z)): expected shortfall per sigma."""
    return _NORMAL.pdf(z) - z * (1.0 - _NORMAL.cdf(z))


def fill_rate(mu: float, sigma: float, review: float, lead: float, z: float) -> float:
    """beta = 1 - sigma sqrt(R + L) G(z) / (mu R); 1 when nothing is demanded."""
    if mu <= 0:
        return 1.0
    return 1.0 - sigma * math.sqrt(review + lead) * loss(z) / (mu * review)


def z_for_fill_rate(beta: float, mu: float, sigma: float, review: float, lead: float) -> float:
    """The smallest z whose fill rate reaches beta (bisection; G falls monotonically in z)."""
    _check_level(beta)
    if mu <= 0 or sigma <= 0:
        return 0.0
    target_loss = (1.0 - beta) * mu * review / (sigma * math.sqrt(review + lead))
    low, high = -4.0, 6.0
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if loss(middle) > target_loss else (low, middle)
    return high


def loss_array(z: Floats) -> Floats:
    """G(z) for an array of z."""
    return np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) - z * (1.0 - ndtr(z))


def z_for_fill_rates(beta: float, mu: Floats, sigma: Floats, review: float, lead: float) -> Floats:
    """z_for_fill_rate for arrays of mu and sigma at once (0 where there is nothing to cover)."""
    _check_level(beta)
    spread = sigma * math.sqrt(review + lead)
    with np.errstate(divide="ignore", invalid="ignore"):
        target_loss = np.where(spread > 0, (1.0 - beta) * mu * review / spread, np.inf)
    low, high = np.full(mu.shape, -4.0), np.full(mu.shape, 6.0)
    for _ in range(40):
        middle = (low + high) / 2
        above = loss_array(middle) > target_loss
        low, high = np.where(above, middle, low), np.where(above, high, middle)
    return np.where((mu > 0) & (spread > 0), high, 0.0)


def order_up_to(mu: Floats, sigma: Floats, review: float, lead: float, z: Floats) -> Floats:
    """S = mu (R + L) + z sigma sqrt(R + L), never below zero."""
    cover = review + lead
    return np.maximum(mu * cover + z * sigma * math.sqrt(cover), 0.0)


def expiry_cap(mu: Floats, usable_months: Floats) -> Floats:
    """The most stock worth holding: what demand uses before the lot expires."""
    return np.maximum(mu, 0.0) * np.maximum(usable_months, 0.0)


def check_route(review: float, lead: float) -> None:
    if not 0 < review <= 12 or not 0 <= lead <= 12:
        raise ValueError("review period is over 0 and at most 12 months; lead time 0 to 12")


def _check_level(level: float) -> None:
    if not 0.5 <= level < 1.0:
        raise ValueError(f"a service level is at least 0.5 and below 1, got {level}")


@dataclass(frozen=True, slots=True)
class Line:
    """One suggested order line before the budget: units wanted and what they cost."""

    key: str
    quantity: int
    unit_cost_centavos: int
    criticality: int

    @property
    def cost(self) -> int:
        return self.quantity * self.unit_cost_centavos


def fit_budget(lines: Sequence[Line], budget_centavos: int | None) -> list[Line]:
    """Cut quantities to fit the budget, least critical lines first and, within a criticality,
    in proportion to their cost (so no one line of the class is zeroed before the others).
    A budget of None means unconstrained. Lines keep their order."""
    if budget_centavos is None or sum(line.cost for line in lines) <= budget_centavos:
        return list(lines)
    if budget_centavos < 0:
        raise ValueError("the budget is not negative")
    keep = {line.key: line.quantity for line in lines}
    excess = sum(line.cost for line in lines) - budget_centavos
    for level in sorted({line.criticality for line in lines}):
        tier = [line for line in lines if line.criticality == level and line.cost > 0]
        tier_cost = sum(line.cost for line in tier)
        if excess <= 0 or not tier_cost:
            continue
        share = min(1.0, excess / tier_cost)
        for line in tier:
            keep[line.key] = math.floor(line.quantity * (1.0 - share))
        excess -= sum((line.quantity - keep[line.key]) * line.unit_cost_centavos for line in tier)
    return [replace(line, quantity=keep[line.key]) for line in lines]

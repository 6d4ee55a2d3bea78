"""Splitting centavos so the parts sum exactly: largest remainder (Hamilton's method).

Each part gets the floor of its exact share; the centavos left over go one each to the parts
with the largest fractional remainders, ties to the earlier key. Pure: no database.
"""

from __future__ import annotations

from collections.abc import Mapping


def largest_remainder(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """`total` centavos split in proportion to non-negative integer `weights`, summing exactly."""
    if total < 0 or any(w < 0 for w in weights.values()):
        raise ValueError("total and weights must be non-negative")
    whole = sum(weights.values())
    if whole == 0:
        return {key: 0 for key in weights}
    keys = sorted(weights)
    parts = {key: total * weights[key] // whole for key in keys}
    left = total - sum(parts.values())
    # Remainder numerators are comparable (same denominator); sort descending, key ascending.
    by_remainder = sorted(keys, key=lambda k: (-(total * weights[k] % whole), k))
    for key in by_remainder[:left]:
        parts[key] += 1
    return parts


def percent_half_up(amount: int, percent: int) -> int:
    """`percent` % of `amount` centavos, rounded half up."""
    return (amount * percent * 2 + 100) // 200

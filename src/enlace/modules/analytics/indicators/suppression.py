"""Small-cell suppression for aggregates shown to roles without identity rights.

Primary: a cell whose numerator or denominator is under the threshold (11) shows neither
numerator, denominator nor value. Complementary: within one breakdown (the sibling cells of one
indicator, whose parent total is published elsewhere), a single suppressed cell could be
recovered by subtracting the others from the total, so the smallest other cell with a
denominator is suppressed too. Totals (TOTAL-unit indicators such as quantities) are checked on
their count of rows, which compute.py carries in the denominator.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from enlace.modules.analytics.indicators.compute import Cell

THRESHOLD = 11
PRIMARY = "suppressed: fewer than 11 (small cell)"
COMPLEMENTARY = "suppressed: would reveal a small cell by subtraction from the total"


def is_small(count: float | None, threshold: int = THRESHOLD) -> bool:
    return count is not None and count < threshold


def suppress(cells: list[Cell], threshold: int = THRESHOLD) -> list[Cell]:
    """The same cells, those too small (and their complements) with counts and value hidden."""
    counted = [c for c in cells if c.denominator]  # empty cells reveal nothing: no one there
    small = {id(c) for c in counted if is_small(c.numerator, threshold)
             or is_small(c.denominator, threshold)}  # fmt: skip
    if len(small) == 1 and len(counted) > 1:
        others = sorted((c for c in counted if id(c) not in small),
                        key=lambda c: (c.denominator or 0, c.unit))  # fmt: skip
        small.add(id(others[0]))
    out = []
    for cell in cells:
        if id(cell) not in small:
            out.append(cell)
            continue
        primary = is_small(cell.numerator, threshold) or is_small(cell.denominator, threshold)
        out.append(replace(cell, numerator=None, denominator=None, value=None, suppressed=True,
                           reason=PRIMARY if primary else COMPLEMENTARY))  # fmt: skip
    return out

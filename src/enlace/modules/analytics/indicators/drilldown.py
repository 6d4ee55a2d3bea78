"""Drill-down on top of compute: national → state → institution → network → clinic →
physician → patient list; a month-by-month series; this period against the previous one.

Each takes a DuckDB connection holding the views (`service.views_connection(services)`), the
same arguments as `compute_on` and returns cells (suppressed for roles without identity rights).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from enlace.modules.analytics.indicators.compute import LEVELS, Cell, ClinicRows, compute_on
from enlace.modules.analytics.indicators.definitions import LOWER
from enlace.modules.analytics.indicators.library import BY_ID, pick
from enlace.modules.analytics.indicators.periods import Period


@dataclass(frozen=True, slots=True)
class Comparison:
    indicator: str
    unit: str
    name: str
    current: Cell
    previous: Cell

    @property
    def change(self) -> float | None:
        """Current minus previous value; None when either is not shown."""
        if self.current.value is None or self.previous.value is None:
            return None
        return round(self.current.value - self.previous.value, 3)

    @property
    def improved(self) -> bool | None:
        change = self.change
        if change is None or change == 0:
            return None
        better_lower = BY_ID[self.indicator].direction == LOWER
        return (change < 0) if better_lower else (change > 0)


def child_level(level: str) -> str | None:
    """The next level down, None below the physician's patient list."""
    index = LEVELS.index(level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


def series(
    con: duckdb.DuckDBPyConnection,
    indicator_ids: Sequence[str] | None,
    period: Period,
    level: str = "national",
    within: tuple[str, str] | None = None,
    identities: bool = False,
    external: dict[str, ClinicRows] | None = None,
) -> list[Cell]:
    """The cells of each month of `period`, oldest first (a month's outcome indicators look
    back 12 months from that month's end)."""
    chosen = pick(list(indicator_ids) if indicator_ids else None)
    out: list[Cell] = []
    for month in period.month_list():
        out.extend(compute_on(con, chosen, month, level, within, identities, external))
    return out


def compare(
    con: duckdb.DuckDBPyConnection,
    indicator_ids: Sequence[str] | None,
    period: Period,
    level: str = "national",
    within: tuple[str, str] | None = None,
    identities: bool = False,
) -> list[Comparison]:
    """Each unit's cell in `period` next to its cell in the previous period of equal length."""
    chosen = pick(list(indicator_ids) if indicator_ids else None)
    now = compute_on(con, chosen, period, level, within, identities)
    before = {(c.indicator, c.unit): c for c in
              compute_on(con, chosen, period.previous(), level, within, identities)}  # fmt: skip
    return [
        Comparison(c.indicator, c.unit, c.name, c,
                   before.get((c.indicator, c.unit)) or _absent(c, period.previous()))
        for c in now
    ]  # fmt: skip


def _absent(cell: Cell, period: Period) -> Cell:
    return Cell(cell.indicator, period.label, cell.level, cell.unit, cell.name, None, None, None,
                "not computable: unit absent in the previous period")  # fmt: skip


def patient_list(
    con: duckdb.DuckDBPyConnection,
    indicator_id: str,
    period: Period,
    within: tuple[str, str],
    identities: bool,
) -> list[Cell]:
    """The denominator patients of one unit (usually a physician or clinic) with their
    numerator: only for roles allowed to see identities (403 otherwise)."""
    return compute_on(con, pick([indicator_id]), period, "patient", within, identities)

"""PDC and MPR of many therapies at once, as numpy columns (pure; docs/adherence.md, "Measures").

The same PQA arithmetic as `measures.measure` — fills inside the period only, same-day fills
taken together (longest supply), overlap shifting, covered days capped at the period's end, >= 2
fill dates — for a million therapies without a Python loop: the network-wide figures and the
benchmark use it. Hospital stays are not modelled here: a therapy with stays goes through
`measures.measure` (the daily job measures each therapy there; this is for bulk analytics).

Days are integers (any epoch, e.g. `fill_table.day_number`). The shifting recursion
end_j = max(end_{j-1}, day_j) + supply_j is solved in closed form as
end_j = cum_j + max_{i<=j}(day_i - cum_{i-1}) with cum the running supply of the therapy, one
`np.maximum.accumulate` over all therapies, offset per therapy so the running max restarts (the
same device as fill_table.prepare).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_OFFSET = np.int64(1 << 40)  # per-therapy offset of the running max: far above any day number


@dataclass(frozen=True, slots=True)
class PdcColumns:
    """One entry per therapy (0 .. therapies-1)."""

    pdc: np.ndarray  # float64; NaN when not computable (< 2 fill dates in the period)
    covered: np.ndarray  # int64 covered days in the period
    days: np.ndarray  # int64 days from the index date to the period's end (0: no fill)
    mpr: np.ndarray  # float64 supplied days / days; NaN when no fill in the period
    fill_dates: np.ndarray  # int64 distinct fill dates in the period


def pdc_columns(
    therapy: np.ndarray,
    day: np.ndarray,
    supply: np.ndarray,
    *,
    therapies: int,
    period_end: int | np.ndarray,
    period_start: int | np.ndarray | None = None,
) -> PdcColumns:
    """PDC of `therapies` therapies from per-fill columns in any order; `period_end` (inclusive)
    and `period_start` a day number for all or an array per therapy."""
    therapy = np.asarray(therapy, np.int64)
    day = np.asarray(day, np.int64)
    supply = np.asarray(supply, np.int64)
    last_day = np.broadcast_to(np.asarray(period_end, np.int64), (therapies,))
    keep = day <= last_day[therapy]
    if period_start is not None:
        first_day = np.broadcast_to(np.asarray(period_start, np.int64), (therapies,))
        keep &= day >= first_day[therapy]
    therapy, day, supply = therapy[keep], day[keep], supply[keep]
    supplied = np.bincount(therapy, weights=supply, minlength=therapies)

    if not _sorted(therapy, day):  # the fill table's columns already are: no sort then
        order = _order(therapy, day)
        therapy, day, supply = therapy[order], day[order], supply[order]
    # fills of one day are taken together: one row per day with the longest supply
    first_of_day = np.ones(therapy.size, bool)
    first_of_day[1:] = (therapy[1:] != therapy[:-1]) | (day[1:] != day[:-1])
    rows = np.flatnonzero(first_of_day)
    supply = np.maximum.reduceat(supply, rows) if rows.size else supply
    therapy, day = therapy[rows], day[rows]

    starts, ends = _shifted(therapy, day, supply)
    high = last_day[therapy] + 1
    covered_each = np.clip(np.minimum(ends, high) - starts, 0, None)
    covered = np.bincount(therapy, weights=covered_each, minlength=therapies).astype(np.int64)
    fill_dates = np.bincount(therapy, minlength=therapies).astype(np.int64)
    index_day = np.zeros(therapies, np.int64)
    first_row = np.ones(therapy.size, bool)
    first_row[1:] = therapy[1:] != therapy[:-1]
    index_day[therapy[first_row]] = day[first_row]
    days = np.where(fill_dates > 0, last_day + 1 - index_day, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pdc = np.where((fill_dates >= 2) & (days > 0), covered / days, np.nan)
        mpr = np.where(days > 0, supplied / days, np.nan)
    return PdcColumns(pdc, covered, days, mpr, fill_dates)


def _sorted(therapy: np.ndarray, day: np.ndarray) -> bool:
    same = therapy[1:] == therapy[:-1]
    return bool(np.all((therapy[1:] > therapy[:-1]) | (same & (day[1:] >= day[:-1]))))


def _order(therapy: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Rows by (therapy, day): one argsort of a combined key (several times faster than a
    two-key lexsort) when it fits in 62 bits."""
    if day.size == 0:
        return np.arange(0)
    low = int(day.min())
    span = int(day.max()) - low + 1
    if (int(therapy.max()) + 1) * span >= 1 << 62:
        return np.lexsort((day, therapy))
    return np.argsort(therapy * span + (day - low), kind="stable")


def _shifted(
    therapy: np.ndarray, day: np.ndarray, supply: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Start and exclusive end of each fill's supply after overlap shifting; rows sorted by
    (therapy, day), one per day."""
    total = np.cumsum(supply)
    first_row = np.ones(therapy.size, bool)
    first_row[1:] = therapy[1:] != therapy[:-1]
    segment = np.cumsum(first_row) - 1  # 0, 1, 2... per therapy present, increasing
    before = (total - supply)[first_row][segment]  # supply of earlier therapies' fills
    cum = total - before  # running supply within the therapy, inclusive
    offset = segment * _OFFSET
    ends = cum + np.maximum.accumulate(day - (cum - supply) + offset) - offset
    return ends - supply, ends

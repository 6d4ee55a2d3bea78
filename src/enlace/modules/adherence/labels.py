"""Who is at risk at an as-of date, and the label the model learns (docs/adherence-model-card.md).

A therapy is *active* at as-of day t when its first fill is on or before t and it is not
discontinued by t: the days since its covered supply ended (counting t) are fewer than its gap
(AdherenceSettings.gap_for: 60 days, 90 for ARVs and insulins). Its *discontinuation day* is the
first uncovered day after the last fill of the episode t is in — the first later fill followed by
an uncovered stretch of at least the gap (or by no fill at all). The label is 1 iff that day falls
in [t+28, t+42] (domain.HORIZON). Samples: one per active therapy per monthly as-of date whose
outcome is observable (t + 42 + gap within the data) and whose patient is alive through it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from enlace.modules.adherence.domain import HORIZON
from enlace.modules.adherence.fill_table import FillTable


@dataclass(frozen=True)
class Samples:
    therapy: np.ndarray  # int64 index into the table's therapies
    as_of: np.ndarray  # int64 day number
    label: np.ndarray  # int8


def active_at(table: FillTable, therapy: np.ndarray, as_of: np.ndarray) -> np.ndarray:
    """Which (therapy, as-of) pairs are active (see the module docstring)."""
    last = table.last_fill_at(therapy, as_of)
    uncovered = as_of - table.end[np.maximum(last, 0)] + 1
    return (last >= 0) & (uncovered < table.gap[therapy])


def discontinuation_day(table: FillTable, last: np.ndarray) -> np.ndarray:
    """For fill index `last`, the first uncovered day of its episode: end of the first fill k >=
    last that is followed by a gap of at least the therapy's gap, or by nothing."""
    following = np.r_[table.day[1:], 0]
    same = np.r_[table.therapy[1:] == table.therapy[:-1], False]
    breaks = ~same | (following - table.end >= table.gap[table.therapy])
    index = np.where(breaks, np.arange(len(breaks)), len(breaks))
    next_break = np.minimum.accumulate(index[::-1])[::-1]
    return table.end[next_break[np.maximum(last, 0)]]


def labels(table: FillTable, therapy: np.ndarray, as_of: np.ndarray) -> np.ndarray:
    """1 iff the therapy's discontinuation day falls HORIZON days after as-of (inclusive)."""
    last = table.last_fill_at(therapy, as_of)
    stop = discontinuation_day(table, last)
    return ((stop >= as_of + HORIZON[0]) & (stop <= as_of + HORIZON[1])).astype(np.int8)


def monthly_samples(
    table: FillTable,
    first_day: int,
    data_end: int,
    death_day: np.ndarray | None = None,
    step: int = 30,
) -> Samples:
    """Every active therapy at as-of dates first_day, first_day+step, ... whose outcome is
    observable by `data_end` (the last day with data) and whose patient lives through it.
    `death_day` is per patient (a large number when alive)."""
    dates = np.arange(first_day, data_end + 1, step, dtype=np.int64)
    therapy = np.repeat(np.arange(table.therapies, dtype=np.int64), len(dates))
    as_of = np.tile(dates, table.therapies)
    horizon_end = as_of + HORIZON[1] + table.gap[therapy]
    keep = horizon_end <= data_end
    if death_day is not None:
        keep &= death_day[table.patient_of[therapy]] > horizon_end
    therapy, as_of = therapy[keep], as_of[keep]
    active = active_at(table, therapy, as_of)
    therapy, as_of = therapy[active], as_of[active]
    return Samples(therapy, as_of, labels(table, therapy, as_of))

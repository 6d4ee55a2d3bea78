"""Fills as columns: the one representation features, labels and the model share.

A million therapies do not fit Python loops, so a refill history is a set of numpy arrays sorted by
(therapy, day) with, per fill, the covered-supply interval after overlap shifting (PQA: a fill
that arrives while supply is left starts the day after the earlier supply ends). Everything else —
supply left at an as-of date, PDC over a window, discontinuation — is a searchsorted and a prefix
sum over these arrays.

Days are integers: days since 1970-01-01. A fill on day d with supply s, not overlapping, covers
d .. d+s-1 and `end` = d+s is the first day it does not cover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from enlace.modules.adherence.domain import AdherenceSettings, Fill

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
SEGMENT = np.int64(1 << 24)  # > any day number: therapy * SEGMENT + day orders fills by therapy
HUGE = np.int64(1 << 40)  # offsets a running max so it restarts at each therapy


def day_number(day: date) -> int:
    return day.toordinal() - EPOCH_ORDINAL


def from_day_number(number: int) -> date:
    return date.fromordinal(int(number) + EPOCH_ORDINAL)


@dataclass
class FillTable:
    """Fills sorted by (therapy, day), plus one row per therapy."""

    therapy: np.ndarray  # int64 per fill: index into the therapy rows
    day: np.ndarray  # int64 per fill
    supply: np.ndarray  # int64 per fill, > 0
    medication: np.ndarray  # int64 per fill: index into `medications`
    pills_per_day: np.ndarray  # float64 per fill (quantity / supply), NaN when unknown
    imputed: np.ndarray  # bool per fill
    patient_of: np.ndarray  # int64 per therapy: index into `patients`
    therapy_keys: list[str]  # per therapy
    patients: list[str]
    medications: list[str]
    gap: np.ndarray  # int64 per therapy: discontinuation gap (AdherenceSettings.gap_for)
    # derived by `prepare`
    start: np.ndarray = field(
        default_factory=lambda: np.empty(0, np.int64)
    )  # index of each therapy's first fill
    count: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # fills per therapy
    end: np.ndarray = field(
        default_factory=lambda: np.empty(0, np.int64)
    )  # covered-supply end after each fill (exclusive)
    cum_supply: np.ndarray = field(
        default_factory=lambda: np.empty(0, np.int64)
    )  # supply of fills 0..j within the therapy
    lateness: np.ndarray = field(
        default_factory=lambda: np.empty(0, np.float64)
    )  # (interval / previous supply) - 1; 0 first
    gap_days: np.ndarray = field(
        default_factory=lambda: np.empty(0, np.int64)
    )  # uncovered days before each fill
    early: np.ndarray = field(
        default_factory=lambda: np.empty(0, np.int64)
    )  # 1 when a fill came while supply was left
    switch: np.ndarray = field(
        default_factory=lambda: np.empty(0, np.int64)
    )  # 1 when the medication changed within the class

    @property
    def therapies(self) -> int:
        return len(self.therapy_keys)

    def key(self) -> np.ndarray:
        return self.therapy * SEGMENT + self.day

    def last_fill_at(self, therapy: np.ndarray, as_of: np.ndarray) -> np.ndarray:
        """Index of each therapy's last fill on or before `as_of`, or -1 when none."""
        position = np.searchsorted(self.key(), therapy * SEGMENT + as_of, side="right") - 1
        valid = (position >= 0) & (position >= self.start[therapy])
        return np.where(valid, position, -1)


def build(fills: Sequence[Fill], settings: AdherenceSettings | None = None) -> FillTable:
    """A FillTable from the reader's fills (any order)."""
    settings = settings or AdherenceSettings()
    keys: dict[tuple[str, str], int] = {}
    patients: dict[str, int] = {}
    medications: dict[str, int] = {}
    n = len(fills)
    therapy = np.empty(n, np.int64)
    day = np.empty(n, np.int64)
    supply = np.empty(n, np.int64)
    medication = np.empty(n, np.int64)
    pills = np.full(n, np.nan)
    imputed = np.zeros(n, bool)
    for i, fill in enumerate(fills):
        therapy[i] = keys.setdefault((fill.patient, fill.therapy), len(keys))
        patients.setdefault(fill.patient, len(patients))
        medication[i] = medications.setdefault(fill.medication, len(medications))
        day[i] = day_number(fill.day)
        supply[i] = fill.days_supply
        imputed[i] = fill.imputed_supply
        if fill.quantity:
            pills[i] = fill.quantity / fill.days_supply
    therapy_keys = [key for _, key in keys]
    patient_of = np.array([patients[p] for p, _ in keys], np.int64)
    gaps = {key: settings.gap_for(key) for key in set(therapy_keys)}
    gap = np.array([gaps[key] for key in therapy_keys], np.int64)
    table = FillTable(
        therapy, day, supply, medication, pills, imputed, patient_of, therapy_keys,
        list(patients), list(medications), gap,
    )  # fmt: skip
    return prepare(table)


def prepare(table: FillTable) -> FillTable:
    """Sort by (therapy, day) and derive the covered-supply arrays, all vectorized. Fills of one
    therapy on one day count once, with the longest supply (as measures.py and CMS do)."""
    key = table.therapy * SEGMENT + table.day
    order = np.lexsort((table.supply, key))
    sorted_key = key[order]
    order = order[np.r_[sorted_key[1:] != sorted_key[:-1], True]] if len(key) else order
    for name in ("therapy", "day", "supply", "medication", "pills_per_day", "imputed"):
        setattr(table, name, getattr(table, name)[order])
    therapy, day, supply = table.therapy, table.day, table.supply
    table.start = np.searchsorted(therapy, np.arange(table.therapies), side="left")
    table.count = np.bincount(therapy, minlength=table.therapies)
    total = np.cumsum(supply)
    cum = total - (total - supply)[table.start][therapy]
    # end_j = cum_j + max_{i<=j}(day_i - cum_{i-1}): the overlap-shifting recursion
    # end_j = max(end_{j-1}, day_j) + supply_j, as one running max per therapy.
    offset = therapy * HUGE
    table.end = cum + np.maximum.accumulate(day - (cum - supply) + offset) - offset
    table.cum_supply = cum
    first = np.r_[True, therapy[1:] != therapy[:-1]] if len(day) else np.ones(0, bool)
    previous_end = np.r_[0, table.end[:-1]]
    previous_day = np.r_[0, day[:-1]]
    previous_supply = np.r_[1, supply[:-1]]
    table.gap_days = np.where(first, 0, np.maximum(day - previous_end, 0))
    table.early = np.where(first, 0, (day < previous_end).astype(np.int64))
    table.lateness = np.where(first, 0.0, (day - previous_day) / previous_supply - 1.0)
    previous_medication = np.r_[-1, table.medication[:-1]]
    table.switch = np.where(first, 0, (table.medication != previous_medication).astype(np.int64))
    return table


def segment_sum(values: np.ndarray, last: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Sum of per-fill `values` over fill indices first..last (inclusive; empty when last < first)."""
    total = np.cumsum(values, dtype=np.float64)
    before = np.where(first > 0, total[np.maximum(first - 1, 0)], 0.0)
    return np.where(last >= first, total[np.maximum(last, 0)] - before, 0.0)


def running_max(values: np.ndarray, table: FillTable) -> np.ndarray:
    """Per fill, the max of `values` (>= 0) over the therapy's fills so far."""
    offset = table.therapy * HUGE
    return np.maximum.accumulate(values + offset) - offset


def covered_before(
    table: FillTable, therapy: np.ndarray, last: np.ndarray, x: np.ndarray
) -> np.ndarray:
    """Covered days before day `x` from the therapy's fills up to index `last`."""
    covered_from = table.end - table.supply  # nondecreasing within a therapy
    key = table.therapy * SEGMENT + covered_from
    m = np.minimum(np.searchsorted(key, therapy * SEGMENT + x, side="left") - 1, last)
    valid = (m >= table.start[therapy]) & (last >= 0)
    m = np.maximum(m, 0)
    partial = np.minimum(table.end[m], x) - covered_from[m]
    return np.where(valid, table.cum_supply[m] - table.supply[m] + partial, 0)

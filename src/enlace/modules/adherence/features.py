"""The model's features at an as-of date, vectorized over (therapy, as-of) pairs.

Only what a pharmacy record shows (refill timing, supply, PDC, complexity) plus OPTIONAL
covariates — clinical control from Observations, and patient covariates (copay, distance,
delivery, device readings, alerts, age, sex, affiliation, a socioeconomic proxy) when a source
provides them — NaN when absent, so the same model scores a dispense-only file. Never anything a
simulator keeps hidden (docs/adherence-model-card.md lists each feature).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from enlace.modules.adherence.fill_table import (
    SEGMENT,
    FillTable,
    covered_before,
    running_max,
    segment_sum,
)

REFILL_FEATURES = (
    "supply_left",  # covered days from as-of on
    "uncovered_days",  # days since covered supply ended (0 while covered)
    "days_since_fill",
    "fills",
    "pdc_90",
    "pdc_180",
    "lateness_mean",  # mean of (interval / previous supply - 1) over refills
    "lateness_last",
    "lateness_trend",  # mean of the last 3 refills minus the therapy's mean
    "longest_gap",
    "early_share",
    "therapy_age",
    "last_supply",
    "switches",
    "imputed_share",
    "gap_setting",
    "concurrent_therapies",
    "pill_burden",
)
CLINICAL = ("hba1c", "systolic", "glucose")
CLINICAL_FEATURES = CLINICAL
COVARIATES = (
    "age",
    "female",
    "affiliation",  # categorical code: see AFFILIATIONS
    "copay_share",
    "distance_km",
    "delivery",
    "readings_per_week",
    "alerts_90d",
    "ses_index",
)
AFFILIATIONS = ("imss", "issste", "imss-bienestar", "private", "none")
FEATURES = REFILL_FEATURES + CLINICAL_FEATURES + COVARIATES
CATEGORICAL = ("affiliation",)
OPTIONAL = CLINICAL_FEATURES + COVARIATES


@dataclass
class ClinicalSeries:
    """Clinical measurements sorted by (patient, measure, day); patient indexes the FillTable's
    patients, measure indexes CLINICAL."""

    patient: np.ndarray
    measure: np.ndarray
    day: np.ndarray
    value: np.ndarray

    @classmethod
    def empty(cls) -> ClinicalSeries:
        nothing = np.empty(0, np.int64)
        return cls(nothing, nothing, nothing, np.empty(0))

    def sorted(self) -> ClinicalSeries:
        order = np.lexsort((self.day, self.measure, self.patient))
        return ClinicalSeries(
            self.patient[order], self.measure[order], self.day[order], self.value[order]
        )

    def latest(self, patient: np.ndarray, measure: int, as_of: np.ndarray) -> np.ndarray:
        """The latest value on or before as-of (within 365 days), else NaN."""
        if not len(self.day):
            return np.full(len(patient), np.nan)
        group = self.patient * len(CLINICAL) + self.measure
        key = group * SEGMENT + self.day
        wanted = patient * len(CLINICAL) + measure
        position = np.searchsorted(key, wanted * SEGMENT + as_of, side="right") - 1
        safe = np.maximum(position, 0)
        found = (position >= 0) & (group[safe] == wanted) & (self.day[safe] > as_of - 365)
        return np.where(found, self.value[safe], np.nan)


def compute(
    table: FillTable,
    therapy: np.ndarray,
    as_of: np.ndarray,
    clinical: ClinicalSeries | None = None,
    covariates: np.ndarray | None = None,
) -> np.ndarray:
    """One float32 row per (therapy, as-of) with FEATURES' columns. `covariates` is a
    (patients x COVARIATES) matrix (NaN where unknown); every pair must have a fill by as-of."""
    out = np.full((len(therapy), len(FEATURES)), np.nan, np.float32)
    columns = _refill_columns(table, therapy, as_of)
    patient = table.patient_of[therapy]
    series = clinical or ClinicalSeries.empty()
    for index, name in enumerate(CLINICAL):
        columns[name] = series.latest(patient, index, as_of)
    if covariates is not None:
        for index, name in enumerate(COVARIATES):
            columns[name] = covariates[patient, index]
    for index, name in enumerate(FEATURES):
        if name in columns:
            out[:, index] = columns[name]
    return out


def _refill_columns(
    table: FillTable, therapy: np.ndarray, as_of: np.ndarray
) -> dict[str, np.ndarray]:
    last = table.last_fill_at(therapy, as_of)
    if np.any(last < 0):
        raise ValueError("every (therapy, as-of) pair needs a fill on or before as-of")
    first = table.start[therapy]
    fills = last - first + 1
    refills = np.maximum(fills - 1, 1)
    end = table.end[last]
    age = as_of - table.day[first] + 1
    lateness_sum = segment_sum(table.lateness, last, first + 1)
    recent_first = np.maximum(first + 1, last - 2)
    recent_count = np.maximum(last - recent_first + 1, 1)
    lateness_mean = np.where(fills > 1, lateness_sum / refills, np.nan)
    recent = segment_sum(table.lateness, last, recent_first) / recent_count
    columns = {
        "supply_left": np.maximum(end - as_of, 0),
        "uncovered_days": np.maximum(as_of - end + 1, 0),
        "days_since_fill": as_of - table.day[last],
        "fills": fills,
        "pdc_90": _pdc(table, therapy, last, as_of, age, 90),
        "pdc_180": _pdc(table, therapy, last, as_of, age, 180),
        "lateness_mean": lateness_mean,
        "lateness_last": np.where(fills > 1, table.lateness[last], np.nan),
        "lateness_trend": np.where(fills > 2, recent - lateness_mean, np.nan),
        "longest_gap": running_max(table.gap_days, table)[last],
        "early_share": np.where(fills > 1, segment_sum(table.early, last, first) / refills, np.nan),
        "therapy_age": age,
        "last_supply": table.supply[last],
        "switches": segment_sum(table.switch, last, first),
        "imputed_share": segment_sum(table.imputed.astype(np.int64), last, first) / fills,
        "gap_setting": table.gap[therapy],
    }
    columns.update(_concurrency(table, therapy, as_of, last))
    return columns


def _pdc(
    table: FillTable,
    therapy: np.ndarray,
    last: np.ndarray,
    as_of: np.ndarray,
    age: np.ndarray,
    window: int,
) -> np.ndarray:
    """Share of the last `window` days (or of the therapy's age, when shorter) covered."""
    days = np.minimum(age, window)
    covered = covered_before(table, therapy, last, as_of + 1) - covered_before(
        table, therapy, last, as_of + 1 - days
    )
    return covered / days


def _concurrency(
    table: FillTable, therapy: np.ndarray, as_of: np.ndarray, last: np.ndarray
) -> dict[str, np.ndarray]:
    """Therapies the patient has in the same batch at the same as-of, and their pills a day."""
    group_key = table.patient_of[therapy] * SEGMENT + as_of
    _, group, counts = np.unique(group_key, return_inverse=True, return_counts=True)
    pills = table.pills_per_day[last]
    known = ~np.isnan(pills)
    burden = np.bincount(group, weights=np.where(known, pills, 0.0), minlength=len(counts))
    any_known = np.bincount(group, weights=known, minlength=len(counts)) > 0
    return {
        "concurrent_therapies": counts[group],
        "pill_burden": np.where(any_known[group], burden[group], np.nan),
    }

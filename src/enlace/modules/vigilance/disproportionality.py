"""Disproportionality analysis over spontaneous reports (../shared/REFERENCE.md §9).

For each drug-event pair the 2x2 table counts reports (a report is one drug-event pair of a case):

    a = this drug & this event      b = this drug, other events
    c = other drugs, this event     d = other drugs, other events

- PRR = [a/(a+b)] / [c/(c+d)]; signal when PRR ≥ 2, Yates χ² ≥ 4 and a ≥ 3.
- ROR = ad/bc with 95% CI exp(ln ROR ± 1.96 √(1/a+1/b+1/c+1/d)); signal when the lower bound > 1
  and a ≥ 3. §9 gives the bound alone, but on sparse data a single report passes it (ROR = ad/bc
  is huge when b and c are small): in bench/signals.py half of 49,000 pairs did, nearly all with
  a = 1. The a ≥ 3 floor is the one PRR uses (and EudraVigilance's screening uses; check).
- IC = log2((a+0.5)/(E+0.5)), E = (a+b)(a+c)/N (the shrunk BCPNN information component); its
  2.5% quantile IC025 by the Norén et al. (2013) closed form IC ± 3.3(a+0.5)^-½ - 2(a+0.5)^-3/2;
  signal when IC025 > 0.

Why numpy and not a library: the Python package for this (`vigipy`) is not among the pinned
dependencies (adding one goes through the lead), and the arithmetic is a few vectorized lines:
every pair's table is computed at once from the marginal counts (bench/signals.py: 1 M reports).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

PRR_MIN = 2.0
CHI2_MIN = 4.0
A_MIN = 3
Z95 = 1.959964

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class PairStats:
    """One drug-event pair's table and figures (NaN where a figure is undefined, e.g. b = 0)."""

    drug: str
    event: str
    a: int
    b: int
    c: int
    d: int
    prr: float
    chi2: float
    ror: float
    ror_lower: float
    ror_upper: float
    ic: float
    ic025: float

    @property
    def prr_signal(self) -> bool:
        return self.prr >= PRR_MIN and self.chi2 >= CHI2_MIN and self.a >= A_MIN

    @property
    def ror_signal(self) -> bool:
        return bool(self.ror_lower > 1.0) and self.a >= A_MIN

    @property
    def ic_signal(self) -> bool:
        return bool(self.ic025 > 0.0)

    @property
    def methods(self) -> tuple[str, ...]:
        """The methods that flag this pair, in a fixed order."""
        flags = (("PRR", self.prr_signal), ("ROR", self.ror_signal), ("IC", self.ic_signal))
        return tuple(name for name, flagged in flags if flagged)


@dataclass(frozen=True, slots=True)
class Figures:
    """Vectorized figures for many tables (arrays aligned with a, b, c, d)."""

    prr: FloatArray
    chi2: FloatArray
    ror: FloatArray
    ror_lower: FloatArray
    ror_upper: FloatArray
    ic: FloatArray
    ic025: FloatArray


def figures(a: IntArray, b: IntArray, c: IntArray, d: IntArray) -> Figures:
    """PRR, Yates χ², ROR with 95% CI, IC and IC025 for each table (element-wise)."""
    af, bf, cf, df = (np.asarray(x, dtype=np.float64) for x in (a, b, c, d))
    n = af + bf + cf + df
    with np.errstate(divide="ignore", invalid="ignore"):
        prr = (af / (af + bf)) / (cf / (cf + df))
        chi2 = yates_chi2(af, bf, cf, df)
        log_ror = np.log(af * df) - np.log(bf * cf)
        se = np.sqrt(1 / af + 1 / bf + 1 / cf + 1 / df)
        expected = (af + bf) * (af + cf) / n
        ic = np.log2((af + 0.5) / (expected + 0.5))
        shrunk = af + 0.5
        ic025 = ic - 3.3 * shrunk**-0.5 - 2.0 * shrunk**-1.5
        undefined = ~np.isfinite(se)  # a zero cell: no Woolf interval
        ror = np.where(undefined, np.nan, np.exp(log_ror))
        lower = np.where(undefined, np.nan, np.exp(log_ror - Z95 * se))
        upper = np.where(undefined, np.nan, np.exp(log_ror + Z95 * se))
    return Figures(prr, chi2, ror, lower, upper, ic, ic025)


def yates_chi2(a: FloatArray, b: FloatArray, c: FloatArray, d: FloatArray) -> FloatArray:
    """Pearson χ² with Yates' continuity correction, one degree of freedom:
    N(|ad - bc| - N/2)² / ((a+b)(c+d)(a+c)(b+d)), the |ad-bc| - N/2 term floored at 0."""
    n = a + b + c + d
    excess = np.maximum(np.abs(a * d - b * c) - n / 2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return n * excess**2 / ((a + b) * (c + d) * (a + c) * (b + d))


def tables(
    drug_codes: IntArray, event_codes: IntArray, n_drugs: int, n_events: int
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Every observed pair's 2x2 table from integer-coded report rows, in one pass.
    Returns (pair drug code, pair event code, a, b, c, d)."""
    pair_keys = drug_codes.astype(np.int64) * n_events + event_codes.astype(np.int64)
    keys, a = np.unique(pair_keys, return_counts=True)
    return tables_from_counts(keys // n_events, keys % n_events, a, n_drugs, n_events)


def tables_from_counts(
    pair_drug: IntArray, pair_event: IntArray, a: IntArray, n_drugs: int, n_events: int
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
    """The same from per-pair counts (each pair once, e.g. a database GROUP BY): the drug and
    event margins are sums of the pair counts."""
    a = np.asarray(a, dtype=np.int64)
    drug_totals = np.bincount(pair_drug, weights=a, minlength=n_drugs).astype(np.int64)
    event_totals = np.bincount(pair_event, weights=a, minlength=n_events).astype(np.int64)
    total = int(a.sum())
    b = drug_totals[pair_drug] - a
    c = event_totals[pair_event] - a
    d = total - a - b - c
    return pair_drug, pair_event, a, b, c, d


def analyse(pairs: Iterable[tuple[str, str]], min_count: int = 1) -> list[PairStats]:
    """Figures for every drug-event pair seen at least `min_count` times among `pairs`
    (one (drug, event) per report row), strongest first (IC025 descending)."""
    rows = list(pairs)
    if not rows:
        return []
    drugs, drug_codes = np.unique(np.array([r[0] for r in rows], dtype=object), return_inverse=True)
    events, event_codes = np.unique(
        np.array([r[1] for r in rows], dtype=object), return_inverse=True
    )
    return analyse_codes(drug_codes, event_codes, list(drugs), list(events), min_count)


def analyse_codes(
    drug_codes: IntArray,
    event_codes: IntArray,
    drugs: list[str],
    events: list[str],
    min_count: int = 1,
    flagged_only: bool = False,
) -> list[PairStats]:
    """`analyse` over integer-coded rows (codes index `drugs` and `events`); with
    `flagged_only`, only the pairs at least one method flags (no Python object per pair)."""
    return stats_of(tables(drug_codes, event_codes, len(drugs), len(events)), drugs, events,
                    min_count, flagged_only)  # fmt: skip


def stats_of(
    table: tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray],
    drugs: list[str],
    events: list[str],
    min_count: int = 1,
    flagged_only: bool = False,
) -> list[PairStats]:
    """PairStats for the tables (`tables` or `tables_from_counts`), strongest first."""
    pd_, pe, a, b, c, d = table
    keep = a >= min_count
    if flagged_only:
        prr, ror, ic = signal_mask(figures(a, b, c, d), a)
        keep &= prr | ror | ic
    pd_, pe, a, b, c, d = pd_[keep], pe[keep], a[keep], b[keep], c[keep], d[keep]
    f = figures(a, b, c, d)
    order = np.argsort(-np.nan_to_num(f.ic025, nan=-np.inf), kind="stable")
    return [
        PairStats(
            drugs[int(pd_[i])],
            events[int(pe[i])],
            int(a[i]),
            int(b[i]),
            int(c[i]),
            int(d[i]),
            float(f.prr[i]),
            float(f.chi2[i]),
            float(f.ror[i]),
            float(f.ror_lower[i]),
            float(f.ror_upper[i]),
            float(f.ic[i]),
            float(f.ic025[i]),
        )
        for i in order
    ]


def signal_mask(f: Figures, a: IntArray) -> tuple[npt.NDArray[np.bool_], ...]:
    """(PRR, ROR, IC) signal flags per table, vectorized (NaN compares as no signal)."""
    with np.errstate(invalid="ignore"):
        prr = (f.prr >= PRR_MIN) & (f.chi2 >= CHI2_MIN) & (a >= A_MIN)
        ror = (f.ror_lower > 1.0) & (a >= A_MIN)
        ic = f.ic025 > 0.0
    return prr, ror, ic

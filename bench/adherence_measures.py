"""PDC of a million therapies (issue 11: aim >= 100k therapies/s on the 2-core machine).

.venv/bin/python bench/adherence_measures.py [--therapies 1000000] [--repeats 3] [--pure 20000]

Synthetic refill histories, seeded: 1-12 fills per therapy (mean 6.5), supplies of 30/60/90 days,
refill intervals of supply x lognormal(0, 0.35) with a 10% chance of a 30-150-day break, the
measurement period the trailing 365 days of a 2-year window. Figures:

- `vectorized_therapies_per_s`: median over `--repeats` of `measures_batch.pdc_columns` on all
  therapies, from columns sorted by (therapy, day) as the fill table holds them;
- `shuffled_therapies_per_s`: the same from the rows in random order (a sort first);
- `pure_therapies_per_s`: `therapies.assemble` + `measures.measure_all` (every measure, not just
  PDC) on the first `--pure` therapies, from Fill objects already built — the path the daily job
  takes per therapy; same run, so the two compare;
- the check that both give the same PDC on those therapies (`mismatches` must be 0).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from datetime import date

import numpy as np

from common import emit
from enlace.modules.adherence.domain import Fill
from enlace.modules.adherence.measures import measure_all
from enlace.modules.adherence.measures_batch import pdc_columns
from enlace.modules.adherence.therapies import assemble

EPOCH = date(2025, 1, 1).toordinal()
WINDOW = 730
PERIOD_START, PERIOD_END = WINDOW - 365, WINDOW - 1


def histories(therapies: int, seed: int = 11) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 13, therapies)
    therapy = np.repeat(np.arange(therapies, dtype=np.int64), counts)
    supply = rng.choice(np.array([30, 60, 90]), therapy.size, p=[0.7, 0.2, 0.1])
    interval = supply * rng.lognormal(0.0, 0.35, therapy.size)
    interval += np.where(rng.random(therapy.size) < 0.1, rng.integers(30, 150, therapy.size), 0)
    step = np.round(interval).astype(np.int64)
    first = np.ones(therapy.size, bool)
    first[1:] = therapy[1:] != therapy[:-1]
    start = rng.integers(0, 400, therapies)
    step[first] = 0  # a therapy's first fill is on its start day
    total = np.cumsum(step)
    day = start[therapy] + total - total[first][therapy]
    return therapy, day, supply


def vectorized(therapy: np.ndarray, day: np.ndarray, supply: np.ndarray, n: int) -> float:
    began = time.perf_counter()
    pdc_columns(therapy, day, supply, therapies=n, period_end=PERIOD_END, period_start=PERIOD_START)
    return time.perf_counter() - began


def pure_check(
    therapy: np.ndarray, day: np.ndarray, supply: np.ndarray, n: int, pure: int
) -> tuple[float, int, int]:
    """Seconds of assemble + measure_all on the first `pure` therapies, how many were measured,
    and how many PDCs differ from the vectorized ones."""
    rows = int(np.searchsorted(therapy, pure))
    fills = [
        Fill(f"d{i}", f"p{int(t):07d}", "m", "atc:C09AA", date.fromordinal(EPOCH + int(d)), int(s))
        for i, (t, d, s) in enumerate(zip(therapy[:rows], day[:rows], supply[:rows], strict=True))
    ]
    as_of = date.fromordinal(EPOCH + PERIOD_END)
    began = time.perf_counter()
    measured = measure_all(
        assemble(fills, as_of=as_of),
        as_of=as_of,
        period_start=date.fromordinal(EPOCH + PERIOD_START),
    )
    seconds = time.perf_counter() - began
    cols = pdc_columns(
        therapy, day, supply, therapies=n, period_end=PERIOD_END, period_start=PERIOD_START
    )
    mismatches = 0
    for m in measured:
        expected = cols.pdc[int(m.patient[1:])]
        same = math.isnan(expected) if m.pdc is None else abs(m.pdc - expected) < 1e-9
        mismatches += not same
    return seconds, len(measured), mismatches


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--therapies", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pure", type=int, default=20_000)
    args = parser.parse_args()
    therapy, day, supply = histories(args.therapies)
    runs = [vectorized(therapy, day, supply, args.therapies) for _ in range(args.repeats)]
    median = statistics.median(runs)
    mixed = np.random.default_rng(3).permutation(therapy.size)
    shuffled = statistics.median(
        vectorized(therapy[mixed], day[mixed], supply[mixed], args.therapies)
        for _ in range(args.repeats)
    )
    del mixed
    pure_seconds, pure_measured, mismatches = pure_check(
        therapy, day, supply, args.therapies, min(args.pure, args.therapies)
    )
    emit(
        {
            "bench": "adherence_measures",
            "therapies": args.therapies,
            "fills": int(therapy.size),
            "vectorized_seconds_median": round(median, 3),
            "vectorized_seconds_runs": [round(r, 3) for r in runs],
            "vectorized_therapies_per_s": round(args.therapies / median),
            "shuffled_seconds_median": round(shuffled, 3),
            "shuffled_therapies_per_s": round(args.therapies / shuffled),
            "pure_therapies": pure_measured,
            "pure_seconds": round(pure_seconds, 3),
            "pure_therapies_per_s": round(pure_measured / pure_seconds),
            "mismatches": mismatches,
        }
    )


if __name__ == "__main__":
    main()

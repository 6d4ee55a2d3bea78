"""The vectorized PDC (measures_batch) on a hand-computed case and against measures.measure on
random histories (same arithmetic, no hospital stays)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from enlace.modules.adherence.domain import Fill
from enlace.modules.adherence.measures import measure_all
from enlace.modules.adherence.measures_batch import pdc_columns
from enlace.modules.adherence.therapies import assemble


def test_hand_computed_columns() -> None:
    """Therapy 0: days 0 +30, 20 +30 (shifted to 30..59), 40 +30 (shifted to 60..89); period
    0..119: covered 90 / 120 = 0.75, MPR 90/120. Therapy 1: day 5 +30 twice the same day and
    day 5 +60 (taken together: 5..64) -> one date only: no PDC; MPR (30+30+60)/(119-5+1) =
    120/115. Therapy 2: no fill. Therapy 3: day 100 +90 and day 110 +30 (shifted to
    190..219): covered 100..119 = 20 of 20 -> PDC 1.0, MPR 120/20 = 6."""
    therapy = np.array([0, 0, 0, 1, 1, 1, 3, 3])
    day = np.array([40, 0, 20, 5, 5, 5, 110, 100])
    supply = np.array([30, 30, 30, 30, 30, 60, 30, 90])
    cols = pdc_columns(therapy, day, supply, therapies=4, period_end=119)
    assert cols.pdc[0] == 0.75 and math.isnan(cols.pdc[1]) and math.isnan(cols.pdc[2])
    assert cols.pdc[3] == 1.0
    assert cols.covered.tolist() == [90, 60, 0, 20]
    assert cols.days.tolist() == [120, 115, 0, 20]
    assert cols.fill_dates.tolist() == [3, 1, 0, 2]
    assert cols.mpr[0] == 0.75 and cols.mpr[1] == pytest.approx(120 / 115)
    assert cols.mpr[3] == 6.0 and math.isnan(cols.mpr[2])


def test_period_start_drops_earlier_fills() -> None:
    """Fills on days 0 +30 and 40 +30, 70 +30; period 35..99: index day 40, covered 40..99 =
    60 of 60 (the day-0 fill does not carry in)."""
    cols = pdc_columns(
        np.zeros(3, np.int64), np.array([0, 40, 70]), np.array([30, 30, 30]),
        therapies=1, period_end=99, period_start=35,
    )  # fmt: skip
    assert (cols.covered[0], cols.days[0], cols.pdc[0]) == (60, 60, 1.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_figures_as_the_pure_measures(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    therapy = np.repeat(np.arange(n), rng.integers(1, 9, n))
    day = rng.integers(0, 400, therapy.size)
    supply = rng.choice([7, 30, 60, 90], therapy.size)
    epoch = date(2025, 1, 1).toordinal()
    cols = pdc_columns(therapy, day, supply, therapies=n, period_end=380, period_start=50)
    fills = [
        Fill(f"f{i}", f"p{t:04d}", "m", "x", date.fromordinal(epoch + int(d)), int(s), float(i))
        for i, (t, d, s) in enumerate(zip(therapy, day, supply, strict=True))
    ]
    measured = measure_all(
        assemble(fills),
        as_of=date.fromordinal(epoch + 380),
        period_start=date.fromordinal(epoch + 50),
    )
    assert len(measured) > n * 0.9
    for m in measured:
        t = int(m.patient[1:])
        assert (m.days_in_period, m.days_covered) == (cols.days[t], cols.covered[t])
        if m.pdc is None:
            assert math.isnan(cols.pdc[t])
        else:
            assert m.pdc == pytest.approx(cols.pdc[t])
        if m.mpr is not None:
            assert m.mpr == pytest.approx(cols.mpr[t])


def test_row_order_does_not_matter() -> None:
    """Columns sorted by (therapy, day) skip the sort; shuffled ones are sorted first: same
    figures, same-day fills still counted once with the longest supply."""
    rng = np.random.default_rng(5)
    therapy = np.repeat(np.arange(200), 6)
    day = np.sort(rng.integers(0, 300, therapy.size).reshape(200, 6), axis=1).ravel()
    supply = rng.choice([30, 60, 90], therapy.size)
    ordered = pdc_columns(therapy, day, supply, therapies=200, period_end=299)
    shuffle = rng.permutation(therapy.size)
    mixed = pdc_columns(
        therapy[shuffle], day[shuffle], supply[shuffle], therapies=200, period_end=299
    )
    assert np.array_equal(ordered.covered, mixed.covered)
    assert np.array_equal(ordered.fill_dates, mixed.fill_dates)
    assert np.allclose(ordered.mpr, mixed.mpr, equal_nan=True)

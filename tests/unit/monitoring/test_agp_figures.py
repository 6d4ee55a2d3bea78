"""The AGP figures' geometry (shared by the page and the PDF): bar segments stack to the bar's
height in range order, the bands stay inside the plot, gaps in the curves are left out."""

from __future__ import annotations

import itertools

import numpy as np

from enlace.entrypoints.web import agp_figures as fig
from enlace.modules.monitoring import agp

T0 = 1_772_431_200_000_000


def report(values: np.ndarray) -> agp.AgpReport:
    times = T0 + np.arange(values.size, dtype=np.int64) * 300_000_000
    return agp.agp(times, values, T0, 14)


def test_tir_bar_stacks_the_ranges_top_to_bottom() -> None:
    m = agp.metrics(np.array([40.0] * 5 + [60.0] * 5 + [120.0] * 80 + [200.0] * 5 + [300.0] * 5))
    bar = fig.tir_bar(m)
    assert [s.key for s in bar] == ["very_high", "high", "in_range", "low", "very_low"]
    assert [s.pct for s in bar] == [5.0, 5.0, 80.0, 5.0, 5.0]
    assert abs(sum(s.height for s in bar) - fig.BAR_H) < 0.5
    assert all(b.y == round(a.y + a.height, 1) for a, b in itertools.pairwise(bar))


def test_profile_stays_inside_the_plot_and_skips_empty_bins() -> None:
    values = np.full(14 * 288, 120.0)
    values[::7] = 600.0  # above the axis: clipped to the top, not drawn off the figure
    shape = fig.profile(report(values))
    points = [tuple(map(float, p.split(","))) for p in shape.outer.split()]
    assert len(points) == 2 * agp.BINS
    assert all(fig.PROFILE_PAD <= y <= fig.PROFILE_H - fig.PROFILE_PAD for _, y in points)
    high, low = shape.target
    assert high < low  # 180 above 70 (y grows downwards)
    night_only = np.full(14 * 288, np.nan)
    night_only[np.arange(14 * 288) % 288 < 72] = 110.0
    kept = night_only[~np.isnan(night_only)]
    times = T0 + np.flatnonzero(~np.isnan(night_only)).astype(np.int64) * 300_000_000
    sparse = fig.profile(agp.agp(times, kept, T0, 14))
    assert len(sparse.median.split()) == 24  # 6 hours of 15-minute bins


def test_daily_profiles_are_the_newest_days() -> None:
    days = fig.days(report(np.full(14 * 288, 100.0)), most=3)
    assert [d.label for d in days] == ["2026-03-13", "2026-03-14", "2026-03-15"]
    assert all(len(d.line.split()) == agp.BINS for d in days)

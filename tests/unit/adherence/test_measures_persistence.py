"""Kaplan-Meier persistence on a tiny cohort, computed by hand, and rollups."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest

from enlace.modules.adherence.domain import Fill
from enlace.modules.adherence.measures import TherapyMeasures, measure_all
from enlace.modules.adherence.persistence import from_measures, kaplan_meier
from enlace.modules.adherence.rollups import histogram, rollup, summarize
from enlace.modules.adherence.therapies import assemble

# (days, discontinued): events at 30, 60, 90; censored at 60 and 120
COHORT = [(30, True), (60, False), (60, True), (90, True), (120, False)]


def test_kaplan_meier_by_hand() -> None:
    """t=30: 5 at risk, 1 event: S = 4/5 = 0.8; Greenwood sum 1/(5*4) = 0.05.
    t=60: 4 at risk (the one censored at 60 is still at risk), 1 event: S = 0.8 * 3/4 = 0.6;
    sum 0.05 + 1/(4*3) = 0.13333. t=90: 2 at risk, 1 event: S = 0.6 * 1/2 = 0.3; sum
    0.13333 + 1/(2*1) = 0.63333. Median: first S <= 0.5 -> day 90.
    Linear 95% band at 30: SE = 0.8*sqrt(0.05) = 0.178885, 0.8 -/+ 1.96*0.178885 = 0.44939 ..
    1 (clipped); at 60: SE = 0.6*sqrt(0.13333) = 0.219089 -> 0.17059 .. 1; at 90: SE =
    0.3*sqrt(0.63333) = 0.238747 -> 0 .. 0.76793. Median interval: the lower band reaches 0.5
    at day 30, the upper band never -> (30, None)."""
    curve = kaplan_meier(COHORT, ci="linear")
    steps = [(s.day, s.at_risk, s.events, s.censored) for s in curve.steps]
    assert steps == [(30, 5, 1, 0), (60, 4, 1, 1), (90, 2, 1, 0), (120, 1, 0, 1)]
    assert [s.survival for s in curve.steps] == pytest.approx([0.8, 0.6, 0.3, 0.3])
    assert [s.variance for s in curve.steps[:3]] == pytest.approx(
        [0.64 * 0.05, 0.36 * (0.05 + 1 / 12), 0.09 * (0.05 + 1 / 12 + 0.5)]
    )
    assert [s.lower for s in curve.steps[:3]] == pytest.approx([0.44939, 0.17059, 0.0], abs=1e-5)
    assert [s.upper for s in curve.steps[:3]] == pytest.approx([1.0, 1.0, 0.76793], abs=1e-5)
    assert (curve.median, curve.median_lower, curve.median_upper) == (90, 30, None)
    assert (curve.therapies, curve.events) == (5, 3)
    assert curve.survival_at(29) == 1.0 and curve.survival_at(75) == pytest.approx(0.6)


def test_log_log_band_by_hand() -> None:
    """At t=30: log S = log 0.8 = -0.223144; spread = 1.96*sqrt(0.05)/0.223144 = 1.964048;
    centre log(0.223144) = -1.499940; lower = exp(-exp(-1.49994 + 1.964048)) = exp(-1.590580)
    = 0.203809; upper = exp(-exp(-3.463988)) = exp(-0.031312) = 0.969178."""
    step = kaplan_meier(COHORT).steps[0]
    assert (step.lower, step.upper) == pytest.approx((0.203809, 0.969178), abs=1e-5)


def test_everyone_discontinues() -> None:
    """Two therapies, events at 10 and 20: S = 1/2 then 0; median 10."""
    curve = kaplan_meier([(10, True), (20, True)])
    assert [s.survival for s in curve.steps] == [0.5, 0.0] and curve.median == 10


def test_no_event_no_median() -> None:
    curve = kaplan_meier([(10, False), (20, False)])
    assert curve.median is None and curve.survival_at(100) == 1.0
    assert kaplan_meier([]).steps == ()


def test_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        kaplan_meier([(-1, True)])


def cohort_measures() -> list[TherapyMeasures]:
    """p1 refills on time (persisting, censored); p2 one fill Jan 1 +30 (discontinued Jan 31,
    30 days) as of Mar 31."""
    fills = [
        Fill("a", "p1", "m", "atc:C09AA", date(2026, 1, 1), 30),
        Fill("b", "p1", "m", "atc:C09AA", date(2026, 1, 31), 30),
        Fill("c", "p1", "m", "atc:C09AA", date(2026, 3, 2), 30),
        Fill("d", "p2", "m", "atc:C09AA", date(2026, 1, 1), 30),
    ]
    return measure_all(assemble(fills), as_of=date(2026, 3, 31))


def test_curve_from_measures() -> None:
    """p2: event at 30 days; p1: censored the day after as_of: Apr 1 - Jan 1 = 90 days.
    S(30) = 1/2, median 30."""
    curve = from_measures(cohort_measures())
    assert [(s.day, s.events, s.censored) for s in curve.steps] == [(30, 1, 0), (90, 0, 1)]
    assert curve.median == 30


def test_histogram_bins() -> None:
    """Bins of 0.1, the last one closed: 0 and 0.05 -> bin 0; 0.1 -> 1; 0.3 -> 3 (not 2
    through float error); 0.799 -> 7; 0.9 and 1.0 -> 9."""
    assert histogram([0.0, 0.05, 0.1, 0.3, 0.799, 0.9, 1.0]) == (2, 1, 0, 1, 0, 0, 0, 1, 0, 2)


def test_rollup_by_key_with_suppression() -> None:
    """Clinic A: 11 copies of p1 (PDC 1.0) and 11 of p2 (no PDC, discontinued): 22 therapies,
    11 with a PDC, 11 adherent (11/11 = 1.0), 11 discontinued (11/22 = 0.5), mean and median
    PDC 1.0. Clinic B: one therapy: suppressed. Unknown clinic (None): left out."""
    p1, p2 = cohort_measures()
    assert p1.pdc == 1.0 and p2.pdc is None and p2.discontinued
    measures = [p1] * 11 + [p2] * 11 + [replace(p1, patient="p3"), replace(p1, patient="p4")]
    clinics = {"p1": "A", "p2": "A", "p3": "B", "p4": None}
    groups = rollup(measures, lambda m: clinics[m.patient])
    assert list(groups) == ["A", "B"]
    a = groups["A"]
    assert (a.therapies, a.with_pdc, a.adherent, a.discontinued) == (22, 11, 11, 11)
    assert (a.share_adherent, a.share_discontinued, a.mean_pdc, a.median_pdc) == (
        1.0,
        0.5,
        1.0,
        1.0,
    )
    assert a.histogram[9] == 11 and sum(a.histogram) == 11 and not a.suppressed
    assert groups["B"].suppressed and groups["B"].therapies == 1
    everyone = summarize(measures)
    assert everyone.therapies == 24 and everyone.mean_pdc == 1.0
    empty = summarize([])
    assert (empty.mean_pdc, empty.share_adherent, empty.share_discontinued) == (None, None, None)
    assert math.isclose(sum(everyone.histogram), everyone.with_pdc)

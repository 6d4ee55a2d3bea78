"""Follow-up outcomes of one therapy, by hand."""

from __future__ import annotations

from datetime import date

import pytest

from enlace.modules.adherence.experiment import shifted_intervals, study_outcomes, window_outcome
from enlace.modules.adherence.randomization import Assignment


def test_overlap_shifts_later_fill() -> None:
    assert shifted_intervals([0, 20], [30, 30]) == [(0, 30), (30, 60)]


def test_pdc_in_window_by_hand() -> None:
    # fills day 0 (30 d), day 50 (30 d), day 120 (30 d); window [10, 100): covered 10..30 (20)
    # + 50..80 (30) = 50 of 90
    result = window_outcome([0, 50, 120], [30, 30, 30], 10, 90, 60, 400)
    assert result.pdc == pytest.approx(50 / 90)
    assert result.abandoned is False  # the gaps are 20 and 40 days


def test_gap_of_sixty_in_window_is_abandonment() -> None:
    # supply ends day 30, next fill day 95: a 65-day gap starting in the window [0, 90)
    assert window_outcome([0, 95], [30, 30], 0, 90, 60, 400).abandoned is True
    # with a 90-day gap setting (insulins, ARVs) it is not
    assert window_outcome([0, 95], [30, 30], 0, 90, 90, 400).abandoned is False


def test_no_fill_after_counts_to_observed_until() -> None:
    assert window_outcome([0], [30], 0, 90, 60, 89).abandoned is False  # only 59 days seen
    assert window_outcome([0], [30], 0, 90, 60, 200).abandoned is True


def test_study_outcomes_skip_unfinished_follow_up() -> None:
    done = Assignment("p1", "t", "treated", "moderate", 0.4, "2026-01-01")
    pending = Assignment("p2", "t", "control", "moderate", 0.4, "2026-03-01")
    start = date(2026, 1, 1).toordinal()

    def fills_of(patient: str, therapy: str) -> tuple[list[int], list[int], int]:
        return [start], [90], 0

    [only] = study_outcomes([done, pending], fills_of, date(2026, 4, 15), lambda t: 60)
    assert (only.patient, only.pdc, only.abandoned) == ("p1", 1.0, False)

"""The outcomes uplift compares, from one therapy's fills: PDC over the follow-up window after
assignment and whether a discontinuation began in it. Pure; used by the report on the store
(`study_outcomes`) and by the simulation experiment (bench/uplift_experiment.py).

Coverage follows PQA: fills sorted by day, a fill that starts while earlier supply lasts starts
the day after it ends. The therapy counts as abandoned in the window when a gap of at least `gap_days`
(ending in a later fill, or running to `observed_until` with no fill after) overlaps it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .randomization import Assignment
from .uplift import FOLLOW_UP_DAYS, Outcome


@dataclass(frozen=True, slots=True)
class WindowOutcome:
    pdc: float
    abandoned: bool


def shifted_intervals(days: Sequence[int], supplies: Sequence[int]) -> list[tuple[int, int]]:
    """[start, end) covered by each fill after PQA shifting, in day order."""
    intervals = []
    cursor = -(1 << 62)
    for day, supply in sorted(zip(days, supplies, strict=True)):
        start = max(day, cursor)
        cursor = start + supply
        intervals.append((start, cursor))
    return intervals


def window_outcome(
    days: Sequence[int],
    supplies: Sequence[int],
    start: int,
    length: int,
    gap_days: int,
    observed_until: int,
) -> WindowOutcome:
    """PDC over [start, start + length) and whether a gap of `gap_days` began in it."""
    end = start + length
    intervals = shifted_intervals(days, supplies)
    covered = sum(max(0, min(b, end) - max(a, start)) for a, b in intervals)
    abandoned = False
    for i, (_, stop) in enumerate(intervals):
        following = intervals[i + 1][0] if i + 1 < len(intervals) else observed_until
        if stop < end and following > start and following - stop >= gap_days:
            abandoned = True
            break
    return WindowOutcome(covered / length, abandoned)


FillsOf = Callable[[str, str], tuple[Sequence[int], Sequence[int], int]]


def study_outcomes(
    assignments: Iterable[Assignment],
    fills_of: FillsOf,
    observed_until: date,
    gap_for: Callable[[str], int],
) -> list[Outcome]:
    """Outcomes of the assignments whose follow-up is over by `observed_until`. `fills_of`
    gives a (patient, therapy)'s fill days and supplies as day ordinals, plus how many of them
    were imputed (ignored here)."""
    out = []
    until = observed_until.toordinal()
    for a in assignments:
        assigned = date.fromisoformat(a.day)
        if assigned + timedelta(days=FOLLOW_UP_DAYS) > observed_until:
            continue
        days, supplies, _ = fills_of(a.patient, a.therapy)
        result = window_outcome(
            days, supplies, assigned.toordinal(), FOLLOW_UP_DAYS, gap_for(a.therapy), until
        )
        out.append(
            Outcome(a.patient, a.therapy, a.arm, a.stratum, assigned, result.pdc, result.abandoned)
        )
    return out

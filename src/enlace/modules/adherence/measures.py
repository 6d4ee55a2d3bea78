"""Adherence measures of one therapy (pure; docs/adherence.md, "Measures").

- **PDC** (Pharmacy Quality Alliance): the period runs from the first fill inside the measurement
  period (the index date) to the period's end, cut at `as_of` and at death; only fills dated inside
  the period count, and it needs at least 2 of them on different dates (else `pdc` is None with
  `pdc_reason`). Fills are laid end to end: a fill that starts while earlier supply remains starts
  the day after that supply ends. Fills of the same day are taken together (the longest supply
  counts, as CMS does for same-day claims). Covered days are capped at the period's end. Hospital
  stays are taken out of the period (timeline.py). Hospice and ESRD patients are excluded: the
  caller passes them in `excluded`, their `pdc` is None. `min_days` (0 by default; CMS Star
  Ratings use 91) leaves PDC out when the period from the index date is shorter.
- **MPR**: the sum of days' supply of the period's fills over the same days; it can exceed 1.
- **Refill gaps** in the period: each stretch of days without supply, with its first day and
  length in days outside hospital; the last one may run to the period's end (`open`).
- **Discontinuation**, over the whole history up to `as_of` (or death): the first day after covered
  supply when no supply follows for `settings.gap_for(therapy)` days. `discontinued_on` is set
  once the gap is that long by `as_of`; `supply_runs_out` is the day it would be dated otherwise.
  A gap cut short by death is never a discontinuation (the therapy is censored).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from enlace.modules.adherence.domain import AdherenceSettings, Fill
from enlace.modules.adherence.therapies import Therapy
from enlace.modules.adherence.timeline import Timeline

FEWER_THAN_TWO_FILLS = "fewer than 2 fills on different dates in the period"
EXCLUDED = "patient excluded (hospice or ESRD)"
TOO_SHORT = "treatment period shorter than the minimum"
NO_DAYS_OUT_OF_HOSPITAL = "no day of the period outside a hospital stay"


@dataclass(frozen=True, slots=True)
class Gap:
    start: date  # first day without supply
    length: int  # days without supply, hospital days not counted
    open: bool = False  # runs to the end of the window: no fill after it yet


@dataclass(frozen=True, slots=True)
class Discontinuation:
    on: date  # the first day after covered supply
    observed: bool  # the gap has lasted gap_for(therapy) days by as_of (else: it would be `on`)


@dataclass(frozen=True, slots=True)
class TherapyMeasures:
    patient: str
    therapy: str
    first_fill: date  # first fill of the therapy's whole history (up to as_of)
    last_fill: date  # last fill up to as_of
    fills: int  # fills up to as_of (after duplicates were dropped)
    period_start: date | None  # the index date: first fill in the measurement period
    period_end: date  # last day measured: min(period end, as_of, death)
    days_in_period: int  # PDC/MPR denominator (hospital days taken out)
    days_covered: int  # PDC numerator
    pdc: float | None
    pdc_reason: str | None  # why pdc is None
    mpr: float | None
    gaps: tuple[Gap, ...]
    max_gap: int
    days_supply_left: int  # covered days from as_of (inclusive) on; 0 once dead
    supply_runs_out: date  # the first day after the covered supply (whole history)
    discontinued_on: date | None  # observed discontinuation (gap >= gap_for) by as_of
    censored_on: date | None  # death
    switched: bool
    imputed_supply: bool  # some fill's days' supply was imputed
    adherent: bool | None  # pdc >= settings.threshold_for(therapy); None when pdc is None
    persistence_days: int  # first fill -> discontinuation, or -> censoring
    discontinued: bool  # the persistence event (= discontinued_on is not None)


def measure_all(
    therapies: Iterable[Therapy],
    *,
    as_of: date,
    settings: AdherenceSettings | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    excluded: Collection[str] = frozenset(),
    min_days: int = 0,
) -> list[TherapyMeasures]:
    """Measures of every therapy with at least one fill up to `as_of`."""
    settings = settings or AdherenceSettings()
    out = []
    for therapy in therapies:
        if any(fill.day <= as_of for fill in therapy.fills):
            out.append(
                measure(
                    therapy,
                    as_of=as_of,
                    settings=settings,
                    period_start=period_start,
                    period_end=period_end,
                    excluded=excluded,
                    min_days=min_days,
                )
            )
    return out


def measure(
    therapy: Therapy,
    *,
    as_of: date,
    settings: AdherenceSettings | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    excluded: Collection[str] = frozenset(),
    min_days: int = 0,
) -> TherapyMeasures:
    """All measures of one therapy as of `as_of`; the measurement period defaults to the whole
    history (`period_start` None) up to `as_of` (`period_end` None)."""
    settings = settings or AdherenceSettings()
    fills = [fill for fill in therapy.fills if fill.day <= as_of]
    if not fills:
        raise ValueError(f"therapy {therapy.therapy} of {therapy.patient} has no fill by {as_of}")
    timeline = Timeline(therapy.interruptions)
    end = min(d for d in (period_end, as_of, therapy.death) if d is not None)
    in_period = [
        f for f in fills if (period_start is None or f.day >= period_start) and f.day <= end
    ]
    history = covered_intervals(fills, timeline)
    # the period's fills are usually the whole history: shift them once
    shifted = history if len(in_period) == len(fills) else covered_intervals(in_period, timeline)
    period = _period_measures(in_period, shifted, timeline, end)
    history_end = as_of if therapy.death is None else min(as_of, therapy.death)
    stop = _discontinuation(history, timeline, history_end, settings.gap_for(therapy.therapy))
    reason = period.reason
    if reason is None and therapy.patient in excluded:
        reason = EXCLUDED
    elif reason is None and period.days < min_days:
        reason = TOO_SHORT
    pdc = period.pdc if reason is None else None
    return TherapyMeasures(
        patient=therapy.patient,
        therapy=therapy.therapy,
        first_fill=fills[0].day,
        last_fill=fills[-1].day,
        fills=len(fills),
        period_start=in_period[0].day if in_period else None,
        period_end=end,
        days_in_period=period.days,
        days_covered=period.covered,
        pdc=pdc,
        pdc_reason=reason,
        mpr=period.mpr,
        gaps=period.gaps,
        max_gap=max((gap.length for gap in period.gaps), default=0),
        days_supply_left=_supply_left(stop.cursor, timeline, as_of, therapy.death),
        supply_runs_out=timeline.day(stop.cursor),
        discontinued_on=stop.observed,
        censored_on=therapy.death,
        switched=therapy.switched,
        imputed_supply=any(fill.imputed_supply for fill in fills),
        adherent=None if pdc is None else pdc >= settings.threshold_for(therapy.therapy),
        persistence_days=_persistence_days(fills[0].day, stop, timeline, as_of, therapy.death),
        discontinued=stop.observed is not None,
    )


def discontinuation(
    therapy: Therapy, *, as_of: date, settings: AdherenceSettings | None = None
) -> Discontinuation:
    """The therapy's discontinuation date as of `as_of` and whether it is observed yet: the
    first gap of gap_for(therapy) days, else the day the covered supply runs out."""
    fills = [fill for fill in therapy.fills if fill.day <= as_of]
    if not fills:
        raise ValueError(f"therapy {therapy.therapy} of {therapy.patient} has no fill by {as_of}")
    settings = settings or AdherenceSettings()
    timeline = Timeline(therapy.interruptions)
    end = as_of if therapy.death is None else min(as_of, therapy.death)
    stop = _discontinuation(
        covered_intervals(fills, timeline), timeline, end, settings.gap_for(therapy.therapy)
    )
    if stop.observed is not None:
        return Discontinuation(stop.observed, True)
    return Discontinuation(timeline.day(stop.cursor), False)


def covered_intervals(fills: list[Fill], timeline: Timeline) -> list[tuple[int, int]]:
    """Half-open timeline-index intervals of supply, each fill shifted to start the day after the
    earlier supply ends; fills of one day count once, with the longest supply."""
    intervals: list[tuple[int, int]] = []
    cursor = -(10**9)
    previous_day = None
    for fill in fills:  # sorted by day
        if fill.day == previous_day:
            start, stop = intervals[-1]
            stop = max(stop, start + fill.days_supply)  # taken together: the longest counts
            intervals[-1] = (start, stop)
            cursor = stop
            continue
        start = max(timeline.index(fill.day), cursor)
        cursor = start + fill.days_supply
        intervals.append((start, cursor))
        previous_day = fill.day
    return intervals


@dataclass(frozen=True, slots=True)
class _Period:
    days: int
    covered: int
    pdc: float | None
    reason: str | None
    mpr: float | None
    gaps: tuple[Gap, ...]


def _period_measures(
    fills: list[Fill], intervals: list[tuple[int, int]], timeline: Timeline, end: date
) -> _Period:
    if not fills:
        return _Period(0, 0, None, FEWER_THAN_TWO_FILLS, None, ())
    low = timeline.index(fills[0].day)
    high = timeline.end_index(end)
    days = high - low
    if days <= 0:
        return _Period(0, 0, None, NO_DAYS_OUT_OF_HOSPITAL, None, ())
    covered = sum(max(0, min(stop, high) - start) for start, stop in intervals if start < high)
    gaps = _gaps(intervals, timeline, high)
    mpr = sum(fill.days_supply for fill in fills) / days
    if len({fill.day for fill in fills}) < 2:
        return _Period(days, covered, None, FEWER_THAN_TWO_FILLS, mpr, gaps)
    return _Period(days, covered, covered / days, None, mpr, gaps)


def _gaps(intervals: list[tuple[int, int]], timeline: Timeline, high: int) -> tuple[Gap, ...]:
    gaps = []
    cursor = intervals[0][0]
    for start, stop in intervals:
        if start >= high:
            break
        if start > cursor:
            gaps.append(Gap(timeline.day(cursor), start - cursor))
        cursor = max(cursor, stop)
    if cursor < high:
        gaps.append(Gap(timeline.day(cursor), high - cursor, open=True))
    return tuple(gaps)


@dataclass(frozen=True, slots=True)
class _Stop:
    cursor: int  # index of the first day after the last covered supply
    observed: date | None  # discontinuation date once the gap reached gap_days


def _discontinuation(
    intervals: list[tuple[int, int]], timeline: Timeline, end: date, gap_days: int
) -> _Stop:
    cursor = intervals[0][0]
    for start, stop in intervals:
        if start - cursor >= gap_days:
            return _Stop(_final_cursor(intervals), timeline.day(cursor))
        cursor = max(cursor, stop)
    if timeline.end_index(end) - cursor >= gap_days:
        return _Stop(cursor, timeline.day(cursor))
    return _Stop(cursor, None)


def _final_cursor(intervals: list[tuple[int, int]]) -> int:
    return max(stop for _, stop in intervals)


def _supply_left(cursor: int, timeline: Timeline, as_of: date, death: date | None) -> int:
    if death is not None and death <= as_of:
        return 0
    return max(0, cursor - timeline.index(as_of))


def _persistence_days(
    first: date, stop: _Stop, timeline: Timeline, as_of: date, death: date | None
) -> int:
    """Days persisted: to the discontinuation date, else to the censoring date — the end of the
    covered supply when it is before as_of (persistence is known up to there, a discontinuation
    could still be dated on it), else the day after as_of or after death."""
    if stop.observed is not None:
        return (stop.observed - first).days
    censored = min(timeline.day(stop.cursor), as_of + timedelta(days=1))
    if death is not None:
        censored = min(censored, death + timedelta(days=1))
    return (censored - first).days

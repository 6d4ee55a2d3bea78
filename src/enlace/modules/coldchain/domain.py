"""Cold-chain rules on a logger's temperature series (pure; no I/O). docs/coldchain.md.

A series is a logger's readings in °C, oldest first. Each reading holds until the next one
(sample and hold), so a run of readings above 8 °C from 01:00 to 11:00 is 10 hours above 8 °C.
Two readings further apart than MAX_GAP_US are not joined: nobody knows what happened between
them, so the time is counted neither inside nor outside the range, and the gap is a logger
fault, not an excursion.

- Storage range 2-8 °C (catalog.ColdChain of the insulins and biologics).
- WHO 30-day temperature recorder alarms (REFERENCE.md §5; WHO PQS E006 30-DTR, as Fridge-tag
  and similar recorders implement them): **heat** — above +8 °C for 10 hours *continuously*
  (one run; two 6-hour runs are 12 hours outside the range but no alarm); **freeze** — at or
  below -0.5 °C for 1 hour continuously. An alarm is an `Excursion`; it quarantines the lots.
- Time outside the range (below 2 or above 8) is cumulative, per logger and per lot.
- Mean kinetic temperature (USP <1079.2>, REFERENCE.md §5):
  MKT = (ΔH/R) / -ln(Σ tᵢ e^(-ΔH/(R Tᵢ)) / Σ tᵢ), ΔH/R = 83,144 J/mol / 8.3144 J/(mol·K)
  = 10,000 K, Tᵢ in kelvin, tᵢ the time each reading held.
- Logger faults, never excursions: a **stuck sensor** (the same value for STUCK_US or more:
  a real fridge's compressor cycle moves a 0.1 °C sensor within minutes), a **clock jump back**
  (a message whose times go backwards) and a **gap** (more than MAX_GAP_US between readings).
  A stuck run's readings are left out of the alarms: a sensor frozen at 9.0 °C is a broken
  sensor, not a warm fridge.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

RANGE_LOW_C = 2.0
RANGE_HIGH_C = 8.0
HEAT_ALARM_C = 8.0  # strictly above
HEAT_ALARM_US = 10 * 3_600_000_000
FREEZE_ALARM_C = -0.5  # at or below
FREEZE_ALARM_US = 1 * 3_600_000_000
MAX_GAP_US = 2 * 3_600_000_000  # loggers record every 1-15 minutes; 2 h of silence is a fault
STUCK_US = 12 * 3_600_000_000
STUCK_MIN_READINGS = 4
DELTA_H_OVER_R_K = 83_144.0 / 8.3144  # = 10,000 K
KELVIN = 273.15
HEAT, FREEZE = "heat", "freeze"
STUCK, CLOCK_BACK, GAP = "stuck-sensor", "clock-jump", "gap"


@dataclass(frozen=True, slots=True)
class Point:
    t_us: int
    celsius: float


@dataclass(frozen=True, slots=True)
class Excursion:
    kind: str  # HEAT | FREEZE
    start_us: int
    end_us: int | None  # the first reading back inside; None: still outside at the last reading
    last_us: int  # the last reading of the run
    peak_c: float  # hottest (heat) or coldest (freeze) reading

    @property
    def duration_us(self) -> int:
        return (self.end_us if self.end_us is not None else self.last_us) - self.start_us


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str  # STUCK | CLOCK_BACK | GAP
    start_us: int
    end_us: int
    detail: str


@dataclass(frozen=True, slots=True)
class Held:
    """One reading's value and how long it held (µs) until the next reading of its run."""

    celsius: float
    duration_us: int


def held(points: Sequence[Point], max_gap_us: int = MAX_GAP_US) -> list[Held]:
    """Sample and hold: each reading lasts until the next, unless a gap separates them."""
    out = []
    for here, after in pairwise(points):
        span = after.t_us - here.t_us
        if 0 < span <= max_gap_us:
            out.append(Held(here.celsius, span))
    return out


def outside_range_us(points: Sequence[Point]) -> int:
    """Cumulative time below 2 °C or above 8 °C."""
    return sum(h.duration_us for h in held(points) if not RANGE_LOW_C <= h.celsius <= RANGE_HIGH_C)


def mkt_celsius(spans: Iterable[Held]) -> float | None:
    """Mean kinetic temperature of the held values (°C); None when no time is covered."""
    weight = total = 0.0
    for span in spans:
        kelvin = span.celsius + KELVIN
        weight += span.duration_us * math.exp(-DELTA_H_OVER_R_K / kelvin)
        total += span.duration_us
    if total <= 0:
        return None
    return DELTA_H_OVER_R_K / -math.log(weight / total) - KELVIN


def excursions(points: Sequence[Point]) -> list[Excursion]:
    """The WHO heat and freeze alarms in the series (stuck runs already left out)."""
    heat = _runs(points, lambda c: c > HEAT_ALARM_C, HEAT, max)
    freeze = _runs(points, lambda c: c <= FREEZE_ALARM_C, FREEZE, min)
    found = [r for r in heat if r.duration_us >= HEAT_ALARM_US]
    found += [r for r in freeze if r.duration_us >= FREEZE_ALARM_US]
    return sorted(found, key=lambda e: (e.start_us, e.kind))


def _runs(
    points: Sequence[Point],
    outside: Callable[[float], bool],
    kind: str,
    worst: Callable[[float, float], float],
) -> list[Excursion]:
    """Maximal runs of readings meeting `outside`, broken by a reading back inside or a gap."""
    runs: list[Excursion] = []
    start: Point | None = None
    last: Point | None = None
    peak = 0.0
    for point in points:
        gap = last is not None and point.t_us - last.t_us > MAX_GAP_US
        if start is not None and last is not None and (gap or not outside(point.celsius)):
            end = None if gap else point.t_us  # after a gap, when it came back is unknown
            runs.append(Excursion(kind, start.t_us, end, last.t_us, peak))
            start = None
        if start is None and outside(point.celsius):
            start, peak = point, point.celsius
        elif start is not None:
            peak = worst(peak, point.celsius)
        last = point
    if start is not None and last is not None:
        runs.append(Excursion(kind, start.t_us, None, last.t_us, peak))
    return runs


def stuck_runs(points: Sequence[Point]) -> list[Fault]:
    """Runs of identical values lasting STUCK_US or more (at least STUCK_MIN_READINGS)."""
    faults = []
    first = 0
    for index in range(1, len(points) + 1):
        if index < len(points) and points[index].celsius == points[first].celsius:
            continue
        run = points[first:index]
        if len(run) >= STUCK_MIN_READINGS and run[-1].t_us - run[0].t_us >= STUCK_US:
            detail = f"{len(run)} readings of exactly {run[0].celsius:g} °C"
            faults.append(Fault(STUCK, run[0].t_us, run[-1].t_us, detail))
        first = index
    return faults


def gaps(points: Sequence[Point]) -> list[Fault]:
    return [
        Fault(GAP, a.t_us, b.t_us, f"no reading for {(b.t_us - a.t_us) / 3.6e9:.1f} h")
        for a, b in pairwise(points)
        if b.t_us - a.t_us > MAX_GAP_US
    ]


def clock_jumps(sent: Sequence[Point]) -> list[Fault]:
    """Times going backwards within one message, in the order the logger sent them."""
    return [
        Fault(CLOCK_BACK, b.t_us, a.t_us, f"time went back {(a.t_us - b.t_us) / 6e7:.0f} min")
        for a, b in pairwise(sent)
        if b.t_us < a.t_us
    ]


def without_stuck(points: Sequence[Point], stuck: Sequence[Fault]) -> list[Point]:
    """The series with the readings of stuck runs taken out (they become a gap)."""
    return [p for p in points if not any(f.start_us <= p.t_us <= f.end_us for f in stuck)]

"""Persistence curves: Kaplan-Meier over therapies (pure; docs/adherence.md, "Measures").

Time is days from the first fill to discontinuation (the event), or to censoring at `as_of` or
death (measures.TherapyMeasures.persistence_days / .discontinued). The curve steps at every day
with an event; each step carries its number at risk, its events and the Greenwood variance
S(t)² Σ d/(n(n-d)), from which the pointwise 95% interval is drawn — `linear` (S ± 1.96·SE,
clipped to [0, 1]) or `log-log` (exp(-exp(log(-log S) ± 1.96·SE/(S·|log S|))), which stays
inside [0, 1] and behaves better in the tails). Median persistence is the first day the curve is
at or below 0.5 (None when it never gets there); its interval is Brookmeyer-Crowley's: the first
days the lower and the upper bands reach 0.5.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from enlace.modules.adherence.measures import TherapyMeasures

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Step:
    day: int  # days since first fill
    at_risk: int
    events: int
    censored: int  # censored on this day (they stay at risk for its events)
    survival: float
    variance: float  # Greenwood
    lower: float
    upper: float


@dataclass(frozen=True, slots=True)
class PersistenceCurve:
    therapies: int
    events: int
    steps: tuple[Step, ...]  # one per day with an event or a censoring
    median: int | None  # first day with survival <= 0.5
    median_lower: int | None
    median_upper: int | None

    def survival_at(self, day: int) -> float:
        """S(day): the curve's value at the end of `day`."""
        value = 1.0
        for step in self.steps:
            if step.day > day:
                break
            value = step.survival
        return value


def from_measures(
    measures: Iterable[TherapyMeasures], ci: Literal["linear", "log-log"] = "log-log"
) -> PersistenceCurve:
    return kaplan_meier(((m.persistence_days, m.discontinued) for m in measures), ci=ci)


def kaplan_meier(
    observations: Iterable[tuple[int, bool]], ci: Literal["linear", "log-log"] = "log-log"
) -> PersistenceCurve:
    """The KM curve of (duration in days, event happened) pairs."""
    events: Counter[int] = Counter()
    censored: Counter[int] = Counter()
    total = 0
    for duration, event in observations:
        if duration < 0:
            raise ValueError(f"negative duration {duration}")
        (events if event else censored)[duration] += 1
        total += 1
    at_risk = total
    survival, greenwood = 1.0, 0.0
    steps = []
    for day in sorted(events.keys() | censored.keys()):
        d = events[day]
        if d:
            survival *= 1 - d / at_risk
            greenwood = greenwood + d / (at_risk * (at_risk - d)) if at_risk > d else math.inf
        lower, upper = _band(survival, greenwood, ci)
        variance = survival * survival * greenwood if math.isfinite(greenwood) else 0.0
        steps.append(Step(day, at_risk, d, censored[day], survival, variance, lower, upper))
        at_risk -= d + censored[day]
    event_steps = [s for s in steps if s.events]
    return PersistenceCurve(
        therapies=total,
        events=sum(events.values()),
        steps=tuple(steps),
        median=_first(event_steps, lambda s: s.survival),
        median_lower=_first(event_steps, lambda s: s.lower),
        median_upper=_first(event_steps, lambda s: s.upper),
    )


def _band(survival: float, greenwood: float, ci: str) -> tuple[float, float]:
    if survival <= 0.0 or not math.isfinite(greenwood):
        return 0.0, 0.0 if survival <= 0.0 else 1.0
    if greenwood == 0.0 or survival >= 1.0:
        return survival, survival
    if ci == "linear":
        half = Z95 * survival * math.sqrt(greenwood)
        return max(0.0, survival - half), min(1.0, survival + half)
    log_s = math.log(survival)
    spread = Z95 * math.sqrt(greenwood) / abs(log_s)
    center = math.log(-log_s)
    return math.exp(-math.exp(center + spread)), math.exp(-math.exp(center - spread))


def _first(steps: list[Step], value: Callable[[Step], float]) -> int | None:
    for step in steps:
        if value(step) <= 0.5:
            return step.day
    return None

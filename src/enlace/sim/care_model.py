"""How a treated person's care unfolds over simulated days: visit schedule and clinical course.

Pure functions of (person, day) and the person's random stream, so any day can be computed
without the days before it (the driver may run 180 days at once or in pieces and write the same
resources). All shapes and rates are assumptions, written down in docs/simulation.md:

- Visits: every `cadence` days (60 in public institutions, whose prescriptions are refillable
  for two months; 90 private or uninsured), ± 5 days; the first within one cadence of the
  scenario's start, or 7-21 days after a diagnosis made during the run. A visit is attended with
  probability 0.45 + 0.5 * adherence propensity; a person stops coming after the day their
  abandonment hazard (per 30 days) strikes, and does not return within the run.
- Course: HbA1c and blood pressure move exponentially (τ 90 and 60 days) from the baseline
  toward a target that adherence sets (adherent people reach control, poor adherers stay high)
  and drift back toward baseline after abandonment; each measurement adds noise.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from enlace.sim.population import Person

TREATED = ("diabetes", "hypertension", "copd", "hiv", "ra")
CADENCE = {"imss": 60, "issste": 60, "imss-bienestar": 60, "private": 90, "none": 90}
JITTER_DAYS = 5
HBA1C_TAU, BP_TAU, RELAPSE_TAU = 90.0, 60.0, 120.0


@dataclass(frozen=True)
class CarePlan:
    """When a person with a treated condition is due, from the scenario's start (day 0)."""

    since: int  # the first day under care: 0, or the day of a diagnosis made during the run
    first_visit: int
    cadence: int
    attendance: float  # probability a due visit happens
    abandon_day: int | None  # no visit on or after this day

    def visits(self, key: str, until: int) -> list[int]:
        """Days of attended visits before `until`. Visit n draws from its own stream
        (`key:visit:n`), so a longer horizon extends a shorter one."""
        days = []
        number = 0
        due = self.first_visit
        while due - JITTER_DAYS < until and (self.abandon_day is None or due < self.abandon_day):
            draw = random.Random(f"{key}:visit:{number}")
            day = max(self.since, due + draw.randint(-JITTER_DAYS, JITTER_DAYS))
            if draw.random() < self.attendance and day < until:
                days.append(day)
            number += 1
            due = self.first_visit + number * self.cadence
        return days


def care_plan(person: Person, rng: random.Random, since: int) -> CarePlan:
    latent = person.latent
    cadence = CADENCE[person.affiliation]
    first = rng.randrange(cadence) if since == 0 else since + rng.randint(7, 21)
    # abandonment hazard is per 30 days: the day it strikes is exponential with that rate
    rate = -math.log(1.0 - latent.abandonment_hazard) / 30.0
    abandon = since + int(rng.expovariate(rate)) if rate > 0 else None
    attendance = min(0.45 + 0.5 * latent.adherence_propensity, 0.98)
    return CarePlan(since, first, cadence, attendance, abandon)


def _approach(start: float, target: float, elapsed: float, tau: float) -> float:
    return target + (start - target) * math.exp(-max(elapsed, 0.0) / tau)


def course(
    baseline: float, target: float, tau: float, plan: CarePlan, treated_from: int, day: int
) -> float:
    """The true value on `day`: toward `target` once treatment starts, back toward the
    baseline after abandonment."""
    if day < treated_from:
        return baseline
    stop = plan.abandon_day if plan.abandon_day is not None else day
    reached = _approach(baseline, target, min(day, stop) - treated_from, tau)
    if day <= stop:
        return reached
    return _approach(reached, baseline, day - stop, RELAPSE_TAU)


def hba1c_target(person: Person) -> float:
    return 6.8 + 2.6 * (1.0 - person.latent.adherence_propensity)


def systolic_target(person: Person) -> float:
    return 124.0 + 30.0 * (1.0 - person.latent.adherence_propensity)


def diastolic_target(person: Person) -> float:
    return 78.0 + 14.0 * (1.0 - person.latent.adherence_propensity)


def glucose_from_hba1c(hba1c: float, noise: float) -> int:
    """Fasting glucose consistent with an HbA1c (ADAG: mean glucose = 28.7·A1c - 46.7; fasting
    values sit a little below the mean)."""
    return max(round(28.7 * hba1c - 46.7 - 10 + noise), 60)

"""COPD at home: a pulse oximeter (SpO2, pulse, and respiratory rate as PPG oximeters estimate it)
and a thermometer, a spot check ≈08:00 and ≈20:00 local (each missed on 20% of days).

Stable values: SpO2 95% (day SD 0.5, reading SD 0.8: mild-moderate COPD in primary care, above
the 88-92% target band), pulse 80 ± 8 by patient (reading SD 4), respiratory rate 17 ± 1 by
patient (reading SD 1.5), temperature 36.6 °C (reading SD 0.2). An exacerbation (p = 0.15 a
month; 1-2 a year is typical of moderate COPD) has a 1-3 day prodrome in which SpO2 falls by 3-7
points, pulse rises by up to 15, respiratory rate by up to 6 and, when infectious (60%),
temperature by up to 1.2 °C; the clinical event (the visit or admission) is at the prodrome's end,
the worst values last 2 days more and recover over 4.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from enlace.modules.monitoring.domain import HEART_RATE, RESPIRATORY_RATE, SPO2, TEMPERATURE
from enlace.sim.devices.common import (
    DAY_US,
    MINUTE_US,
    Episode,
    Sample,
    block_of,
    local_midnight_us,
    onset_day,
    stream,
)

COPD_SPO2_THRESHOLD = 92.0  # REFERENCE.md §3: resting SpO2 ≤ 92% → assess


@dataclass(frozen=True)
class CopdProfile:
    key: str
    patient: str


@dataclass(frozen=True)
class Exacerbation:
    onset_us: int
    event_us: int
    spo2_drop: float
    infectious: bool

    def severity_at(self, at_us: int) -> float:
        """0 (stable) to 1 (worst) at a moment: ramp, plateau of 2 days, recovery of 4."""
        if at_us < self.onset_us:
            return 0.0
        if at_us <= self.event_us:
            return (at_us - self.onset_us) / (self.event_us - self.onset_us)
        after = (at_us - self.event_us) / DAY_US
        return 1.0 if after <= 2 else max(0.0, 1.0 - (after - 2) / 4)


def exacerbation_of(profile: CopdProfile, start: date, block: int) -> Exacerbation | None:
    rng = stream(profile.key, "copd", block)
    happens = rng.random() < 0.15
    day = onset_day(rng, block)
    onset = local_midnight_us(start, day) + round(rng.uniform(0, 1440) * MINUTE_US)
    event = onset + round(rng.uniform(1, 3) * DAY_US)
    drop, infectious = rng.uniform(3, 7), rng.random() < 0.6
    return Exacerbation(onset, event, drop, infectious) if happens else None


def copd_day(profile: CopdProfile, start: date, day: int) -> list[Sample]:
    base = stream(profile.key, "copd-baseline")
    pulse0, rr0 = base.gauss(80, 8), base.gauss(17, 1)
    rng = stream(profile.key, "copd-day", day)
    spo2_day = rng.gauss(0, 0.5)
    episode = exacerbation_of(profile, start, block_of(day))
    midnight = local_midnight_us(start, day)
    out: list[Sample] = []
    for centre in (8 * 60, 20 * 60):
        at = midnight + round((centre + rng.gauss(0, 30)) * MINUTE_US)
        missed = rng.random() < 0.2
        f = episode.severity_at(at) if episode else 0.0
        drop = episode.spo2_drop if episode else 0.0
        fever = 1.2 if episode and episode.infectious else 0.0
        spo2 = min(round(95 + spo2_day + rng.gauss(0, 0.8) - drop * f), 99)
        pulse = round(pulse0 + rng.gauss(0, 4) + 15 * f)
        rr = round(rr0 + rng.gauss(0, 1.5) + 6 * f)
        temperature = round(36.6 + rng.gauss(0, 0.2) + fever * f, 1)
        if missed:
            continue
        out += [
            Sample(SPO2, at, float(spo2)),
            Sample(HEART_RATE, at, float(pulse)),
            Sample(RESPIRATORY_RATE, at, float(rr)),
            Sample(TEMPERATURE, at + MINUTE_US, float(temperature)),
        ]
    return out


def copd_episodes(profile: CopdProfile, start: date, day: int) -> list[Episode]:
    """The exacerbation that begins on `day`, if any (observed: an SpO2 <= 92 was sent between
    its onset and its event)."""
    episode = exacerbation_of(profile, start, block_of(day))
    midnight = local_midnight_us(start, day)
    if episode is None or not midnight <= episode.onset_us < midnight + DAY_US:
        return []
    days = range(day, day + int((episode.event_us - midnight) // DAY_US) + 1)
    seen = any(
        s.code == SPO2
        and s.value <= COPD_SPO2_THRESHOLD
        and episode.onset_us <= s.time_us <= episode.event_us
        for d in days
        for s in copd_day(profile, start, d)
    )
    severity = "severe" if episode.spo2_drop >= 5 else "moderate"
    kind = "copd-exacerbation"
    return [Episode(profile.patient, kind, episode.onset_us, episode.event_us, severity, seen)]

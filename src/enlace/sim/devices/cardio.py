"""Home blood pressure (twice a day) with hypertensive crises, and daily weight of people with
heart failure with decompensations preceded by fluid gain.

Blood pressure: the patient's usual level plus a day effect (SD 7/4 mmHg: home day-to-day
variability, Stergiou 2009) and a reading error (SD 5/3), 4/2 mmHg higher in the morning; taken
≈07:00 and ≈21:00 local, each missed on 15% of days. Outside a crisis the readings stay below
179/119: every reading over the crisis threshold (> 180 and/or > 120, REFERENCE.md §3) belongs to a
labelled episode. A crisis (p = 0.06 a month when the usual systolic is ≥ 150, else 0.02) begins
between 05:00 and 18:00 and lasts 12-36 h at 185-215/100-125; half the patients take an extra
reading 0.5-3 h after it begins (headache).

Weight: dry weight with a day-to-day fluctuation (SD 0.2 kg, never beyond ±0.5 kg, so normal
life never gains 2 kg in 3 days), weighed ≈07:15 local, missed on 10% of days. A decompensation
(p = 0.2 a month) gains G kg from the midnight of its first day to the weighing of day D (3-7
days later) along a convex curve G·(t/D)² (fluid accumulates faster as congestion builds;
Chaudhry 2007 saw gains rise over the week before admission), with G in 2.5-4 kg and at least
2.6 kg of it in the last 3 days. The clinical event (the admission an alert should prevent) is
later that day, 10:00-22:00; the patient is then 3-6 days in hospital (no readings) and comes
home at dry weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from enlace.modules.monitoring.domain import BP_PANEL, WEIGHT
from enlace.sim.devices.common import (
    BLOCK,
    DAY_US,
    HOUR_US,
    LATEST_ONSET,
    MINUTE_US,
    Episode,
    Sample,
    block_of,
    local_midnight_us,
    onset_day,
    stream,
)

CRISIS_SYSTOLIC, CRISIS_DIASTOLIC = 180.0, 120.0
CAP_SYSTOLIC, CAP_DIASTOLIC = 178.0, 118.0
MAX_FLUCTUATION = 0.5
WEIGH_MINUTE = 7 * 60 + 15  # local time of the morning weighing
LAST_THREE_DAYS_KG = 2.6  # least true gain in the 3 days before the event day's weighing


@dataclass(frozen=True)
class BpProfile:
    key: str
    patient: str
    systolic: float  # usual home level
    diastolic: float

    @property
    def crisis_rate(self) -> float:
        return 0.06 if self.systolic >= 150 else 0.02


@dataclass(frozen=True)
class Crisis:
    onset_us: int
    end_us: int
    systolic: float
    diastolic: float
    extra_reading: bool


def crisis_of(profile: BpProfile, start: date, block: int) -> Crisis | None:
    rng = stream(profile.key, "bp-crisis", block)
    happens = rng.random() < profile.crisis_rate
    day = onset_day(rng, block)
    begin = local_midnight_us(start, day) + round(rng.uniform(5 * 60, 18 * 60) * MINUTE_US)
    hours = rng.uniform(12, 36)
    systolic, diastolic = rng.uniform(185, 215), rng.uniform(100, 125)
    extra = rng.random() < 0.5
    if not happens:
        return None
    return Crisis(begin, begin + round(hours * HOUR_US), systolic, diastolic, extra)


def bp_day(profile: BpProfile, start: date, day: int) -> list[Sample]:
    rng = stream(profile.key, "bp", day)
    crisis = crisis_of(profile, start, block_of(day))
    midnight = local_midnight_us(start, day)
    day_s, day_d = rng.gauss(0, 7), rng.gauss(0, 4)
    times = []
    for centre, surge in ((7 * 60, 1.0), (21 * 60, 0.0)):
        at = midnight + round((centre + rng.gauss(0, 30)) * MINUTE_US)
        if rng.random() >= 0.15:
            times.append((at, surge))
    if crisis and crisis.extra_reading and midnight <= crisis.onset_us < midnight + DAY_US:
        extra = crisis.onset_us + round(stream(profile.key, "extra", day).uniform(0.5, 3) * HOUR_US)
        if extra < midnight + DAY_US:
            times.append((extra, 0.0))
    out = []
    for at, surge in sorted(times):
        noise_s, noise_d = rng.gauss(0, 5), rng.gauss(0, 3)
        if crisis and crisis.onset_us <= at < crisis.end_us:
            systolic = max(crisis.systolic + noise_s, CRISIS_SYSTOLIC + 2)
            diastolic = min(max(crisis.diastolic + noise_d, 70.0), systolic - 30)
        else:
            systolic = min(profile.systolic + day_s + 4 * surge + noise_s, CAP_SYSTOLIC)
            diastolic = min(profile.diastolic + day_d + 2 * surge + noise_d, CAP_DIASTOLIC)
            systolic, diastolic = max(systolic, 85.0), min(max(diastolic, 45.0), systolic - 20)
        out.append(Sample(BP_PANEL, at, float(round(systolic)), float(round(diastolic))))
    return out


def crisis_episodes(profile: BpProfile, start: date, day: int) -> list[Episode]:
    """The crisis that begins on `day`, if any (observed: a crisis reading was sent)."""
    crisis = crisis_of(profile, start, block_of(day))
    midnight = local_midnight_us(start, day)
    if crisis is None or not midnight <= crisis.onset_us < midnight + DAY_US:
        return []
    last = (crisis.end_us - midnight) // DAY_US
    sent = [s for d in range(day, day + last + 1) for s in bp_day(profile, start, d)]
    seen = any(crisis.onset_us <= s.time_us < crisis.end_us for s in sent)
    severity = "severe" if crisis.systolic >= 200 or crisis.diastolic >= 120 else "moderate"
    return [Episode(profile.patient, "bp-crisis", crisis.onset_us, crisis.end_us, severity, seen)]


@dataclass(frozen=True)
class WeightProfile:
    key: str
    patient: str
    dry_kg: float


@dataclass(frozen=True)
class Decompensation:
    onset_day: int
    days: int  # D: from the first day of gain to the clinical event
    gain_kg: float  # G
    event_minute: float  # local minute of the event on day onset_day + days
    hospital_days: int

    @property
    def span_days(self) -> float:
        """From the first day of gain (its midnight) to the weighing on the event's day."""
        return self.days + WEIGH_MINUTE / 1440.0

    def gain_at(self, day_float: float) -> float:
        """Fluid gained at a (fractional) scenario day: all G by the event day's weighing."""
        elapsed = day_float - self.onset_day
        if elapsed <= 0:
            return 0.0
        return self.gain_kg * min(elapsed / self.span_days, 1.0) ** 2

    @property
    def event_day(self) -> int:
        return self.onset_day + self.days

    def in_hospital(self, day: int) -> bool:
        return self.event_day < day <= self.event_day + self.hospital_days


def last_three_days_share(span: float) -> float:
    """Share of the gain put on in the last 3 days of a convex gain over `span` days."""
    return 1.0 - (max(span - 3, 0) / span) ** 2


def decompensation_of(
    profile: WeightProfile, block: int, rate: float = 0.2
) -> Decompensation | None:
    rng = stream(profile.key, "hf", block)
    happens = rng.random() < rate
    first = onset_day(rng, block)
    days = rng.randint(3, 7)
    event_minute, hospital = rng.uniform(10 * 60, 22 * 60), rng.randint(3, 6)
    least = max(2.5, LAST_THREE_DAYS_KG / last_three_days_share(days + WEIGH_MINUTE / 1440.0))
    gain = rng.uniform(least, max(least, 4.0))
    return Decompensation(first, days, gain, event_minute, hospital) if happens else None


def demo_decompensation(block: int) -> Decompensation:
    """The demo patient's decompensation of every block: gain from block day 16 (4 kg, 2.6 of it
    in the last 3 days), admission on block day 23 at 18:00, in hospital to block day 29."""
    return Decompensation(block * BLOCK + LATEST_ONSET, 7, 4.0, 18 * 60.0, 6)


def weight_day(
    profile: WeightProfile, start: date, day: int, episode: Decompensation | None
) -> list[Sample]:
    rng = stream(profile.key, "weight", day)
    at_minute = WEIGH_MINUTE + rng.gauss(0, 20)
    missed = rng.random() < 0.1
    fluctuation = min(max(rng.gauss(0, 0.2), -MAX_FLUCTUATION), MAX_FLUCTUATION)
    if missed:
        return []
    gain = 0.0
    if episode is not None:
        if episode.in_hospital(day):
            return []
        if day <= episode.event_day:
            gain = episode.gain_at(day + at_minute / 1440.0)
    value = round(profile.dry_kg + gain + fluctuation, 1)
    at = local_midnight_us(start, day) + round(at_minute * MINUTE_US)
    return [Sample(WEIGHT, at, float(value))]


def hf_episode(
    profile: WeightProfile, start: date, episode: Decompensation, sent: list[Sample]
) -> Episode:
    """Ground truth of a decompensation; observed when at least two weights were sent in the 4
    days before the event (what a 72-hour comparison needs)."""
    onset = local_midnight_us(start, episode.onset_day)
    event = local_midnight_us(start, episode.event_day) + round(episode.event_minute * MINUTE_US)
    recent = [s for s in sent if event - 4 * DAY_US <= s.time_us <= event]
    severity = "severe" if episode.gain_kg >= 3.5 else "moderate"
    return Episode(profile.patient, "hf-decompensation", onset, event, severity, len(recent) >= 2)

"""Glucose of people with type 2 diabetes on insulin or a sulfonylurea: a CGM every 5 minutes or a
glucometer a few times a day, with the hypoglycaemias that alerts should catch.

The true curve (mg/dL) is a patient's level set by HbA1c (ADAG: mean glucose = 28.7·A1c - 46.7,
Nathan 2008), a dawn rise (≈8% of the mean around 06:30 local), three meals a day with jittered
times (breakfast ≈08:00, the Mexican main meal ≈14:30, supper ≈20:30) whose excursion peaks an hour
after eating and fades over ≈4 h, and a slow wandering (three sinusoids of 5, 11 and 27 h, each
10% of the mean, of patient-fixed phase, so the curve is continuous across midnight). Outside a
hypo episode the true value stays ≥ 75 mg/dL, so every true low belongs to a labelled episode.
Calibration: published T2D CGM cohorts relate TIR 70-180 to HbA1c as ≈70% at 7%, ≈50% at 8% and
≈30% at 9% with a CV of 25-35% (Beck 2019, J Diabetes Sci Technol; Vigersky & McMahon 2019,
Diabetes Technol Ther); these shapes give 79%, 53% and 29% at A1c 7, 8 and 9 with CV 22-24%
(a little smoother than real sensors; tests/unit/sim/test_physiology_glucose.py checks the bands).

Hypos: a hypo-prone patient has up to two a month (each p = 0.35), mostly nocturnal (75%,
01:00-05:00 local) otherwise before lunch; the nadir is level 2 (< 54) with p = 0.3, else level 1
(56-66); the time below 70 lasts 40-120 min. The sensor reads the true value with a correlated
multiplicative error (AR(1), φ = 0.6, SD 12% → MARD ≈ 10%, like current factory-calibrated
sensors), from 40 to 400 mg/dL. Gaps: a new sensor every 14 days with a 1-hour warm-up, a signal
dropout of 15-120 min on 30% of days. A glucometer (ISO 15197 accuracy, SD ≈ 5%) is used fasting
≈07:00 and before supper ≈19:30 (each missed 20% of days) and during 80% of hypos, 5-25 min after
they begin (symptoms).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np

from enlace.modules.monitoring.domain import CAPILLARY_GLUCOSE, CGM_GLUCOSE
from enlace.sim.devices.common import (
    BLOCK,
    MINUTE_US,
    Episode,
    Sample,
    block_of,
    local_midnight_us,
    np_stream,
    stream,
)

CGM_STEP_MIN = 5
CGM_PER_DAY = 24 * 60 // CGM_STEP_MIN  # 288
MEAL_PEAK_MIN = 60.0
HYPO_THRESHOLD = 70.0
BACKGROUND_FLOOR = 75.0
SENSOR_DAYS = 14
WARMUP_MIN = 60
_WANDER_PERIODS_MIN = (5 * 60.0, 11 * 60.0, 27 * 60.0)


@dataclass(frozen=True)
class GlucoseProfile:
    key: str  # seed:patient, the root of the patient's random streams
    patient: str
    hba1c: float
    cgm: bool  # a CGM, else a glucometer
    hypo_prone: bool = True

    @property
    def mean(self) -> float:
        return 28.7 * self.hba1c - 46.7

    @property
    def meal_amplitude(self) -> float:
        return min(45.0 + 18.0 * max(self.hba1c - 6.0, 0.0), 130.0)

    @property
    def level(self) -> float:
        """The fasting level: the mean less the average meal and dawn contributions."""
        meals = 3 * self.meal_amplitude * MEAL_PEAK_MIN * math.e / 1440.0
        dawn = 0.08 * self.mean * 90.0 * math.sqrt(2 * math.pi) / 1440.0
        return self.mean - meals - dawn


def _meal(minutes: np.ndarray, at: float, amplitude: float) -> np.ndarray:
    t = np.clip(minutes - at, 0.0, None) / MEAL_PEAK_MIN
    return amplitude * t * np.exp(1.0 - t)


def _meals_of(profile: GlucoseProfile, day: int) -> list[tuple[float, float]]:
    """(local minute, amplitude) of the day's three meals."""
    rng = stream(profile.key, "meals", day)
    out = []
    for centre in (8 * 60, 14 * 60 + 30, 20 * 60 + 30):
        out.append((centre + rng.gauss(0, 40), profile.meal_amplitude * rng.uniform(0.7, 1.3)))
    return out


def background(profile: GlucoseProfile, day: int, minutes: np.ndarray) -> np.ndarray:
    """The true glucose without hypo episodes at local `minutes` of `day` (may exceed 1440)."""
    mean = profile.mean
    curve = np.full(minutes.shape, profile.level)
    curve += 0.08 * mean * np.exp(-(((minutes - 390.0) / 90.0) ** 2) / 2)
    for offset, meal_day in ((-1440.0, day - 1), (0.0, day)):
        for at, amplitude in _meals_of(profile, meal_day):
            curve += _meal(minutes, at + offset, amplitude)
    phases = stream(profile.key, "wander")
    absolute = minutes + day * 1440.0
    for period in _WANDER_PERIODS_MIN:
        curve += 0.10 * mean * np.sin(2 * math.pi * absolute / period + phases.uniform(0, 6.3))
    return np.maximum(curve, BACKGROUND_FLOOR)


@dataclass(frozen=True)
class Hypo:
    centre_min: float  # local minute of the nadir on its day
    nadir: float
    half_min: float  # minutes from crossing 70 to the nadir

    def curve(self, minutes: np.ndarray) -> np.ndarray:
        slope = (HYPO_THRESHOLD - self.nadir) / self.half_min
        return self.nadir + slope * np.abs(minutes - self.centre_min)


def hypos(profile: GlucoseProfile, day: int) -> list[Hypo]:
    """The hypos whose nadir falls on `day` (planned per block, drawn once per block)."""
    if not profile.hypo_prone:
        return []
    block = block_of(day)
    rng = stream(profile.key, "hypo", block)
    found = []
    for _ in range(2):
        happens = rng.random() < 0.35
        on = block * BLOCK + rng.randrange(BLOCK)
        nocturnal = rng.random() < 0.75
        centre = rng.uniform(60, 300) if nocturnal else rng.uniform(660, 810)
        nadir = rng.uniform(40, 52) if rng.random() < 0.3 else rng.uniform(56, 66)
        half = rng.uniform(20, 60)
        if happens and on == day:
            found.append(Hypo(centre, nadir, half))
    return found


def true_glucose(profile: GlucoseProfile, day: int, minutes: np.ndarray) -> np.ndarray:
    curve = background(profile, day, minutes)
    for hypo in hypos(profile, day):
        curve = np.minimum(curve, hypo.curve(minutes))
    return curve


def hypo_episodes(profile: GlucoseProfile, start: date, day: int) -> list[Episode]:
    """Ground truth for the day's hypos: onset when the true value first drops below 70, event
    when it is back at 70; `observed` from what the device sent."""
    midnight = local_midnight_us(start, day)
    sent = readings(profile, start, day)
    out = []
    for hypo in hypos(profile, day):
        onset = midnight + round((hypo.centre_min - hypo.half_min) * MINUTE_US)
        event = midnight + round((hypo.centre_min + hypo.half_min) * MINUTE_US)
        seen = any(s.value < HYPO_THRESHOLD and onset <= s.time_us <= event for s in sent)
        level = "level2" if hypo.nadir < 54 else "level1"
        out.append(Episode(profile.patient, "hypo", onset, event, level, seen))
    return out


def readings(profile: GlucoseProfile, start: date, day: int) -> list[Sample]:
    return cgm_day(profile, start, day) if profile.cgm else glucometer_day(profile, start, day)


def cgm_gaps(profile: GlucoseProfile, day: int) -> list[tuple[float, float]]:
    """Local (from, to) minutes of the day without readings: sensor warm-up and dropouts."""
    rng = stream(profile.key, "cgm-gaps", day)
    phase = stream(profile.key, "sensor").randrange(SENSOR_DAYS)
    gaps = []
    if (day + phase) % SENSOR_DAYS == 0:
        change = rng.uniform(8 * 60, 21 * 60)
        gaps.append((change, change + WARMUP_MIN))
    if rng.random() < 0.3:
        begin = rng.uniform(0, 1440)
        gaps.append((begin, begin + rng.uniform(15, 120)))
    return gaps


def cgm_day(profile: GlucoseProfile, start: date, day: int) -> list[Sample]:
    """The day's CGM readings (288 less the gaps), oldest first."""
    first = stream(profile.key, "sensor-minute").uniform(0, CGM_STEP_MIN)
    minutes = first + CGM_STEP_MIN * np.arange(CGM_PER_DAY, dtype=float)
    true = true_glucose(profile, day, minutes)
    rng = np_stream(profile.key, "cgm-noise", day)
    shocks = rng.normal(0.0, 0.12 * math.sqrt(1 - 0.6**2), CGM_PER_DAY)
    error = np.empty(CGM_PER_DAY)
    error[0] = rng.normal(0.0, 0.12)
    for i in range(1, CGM_PER_DAY):
        error[i] = 0.6 * error[i - 1] + shocks[i]
    sensed = np.clip(np.rint(true * (1.0 + error)), 40, 400)
    keep = np.ones(CGM_PER_DAY, dtype=bool)
    for begin, end in cgm_gaps(profile, day):
        keep &= ~((minutes >= begin) & (minutes < end))
    midnight = local_midnight_us(start, day)
    return [
        Sample(CGM_GLUCOSE, midnight + round(m * MINUTE_US), float(v))
        for m, v in zip(minutes[keep], sensed[keep], strict=True)
    ]


def glucometer_day(profile: GlucoseProfile, start: date, day: int) -> list[Sample]:
    rng = stream(profile.key, "glucometer", day)
    times = []
    for centre, spread in ((7 * 60, 20), (19 * 60 + 30, 30)):
        at = centre + rng.gauss(0, spread)
        if rng.random() >= 0.2:
            times.append(at)
    for hypo in hypos(profile, day):
        checked = rng.random() < 0.8
        at = hypo.centre_min - hypo.half_min + rng.uniform(5, 25)
        if checked:
            times.append(at)
    if not times:
        return []
    minutes = np.array(sorted(times))
    true = true_glucose(profile, day, minutes)
    noise = np.array([rng.gauss(0, 0.05) for _ in times])
    values = np.clip(np.rint(true * (1 + noise)), 20, 600)
    midnight = local_midnight_us(start, day)
    return [
        Sample(CAPILLARY_GLUCOSE, midnight + round(m * MINUTE_US), float(v))
        for m, v in zip(minutes, values, strict=True)
    ]

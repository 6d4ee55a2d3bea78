"""What every generator shares: samples, ground-truth episodes, time of day and random streams.

Pure by (seed, patient, kind, day): episodes are planned per block of BLOCK days from their own
stream and end inside their block, so any day can be generated without the days before it and a
run of 90 days gives the same readings as three runs of 30.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import orjson

from enlace.kernel.clock import epoch_us

MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US
# Patients live in central Mexico: UTC-6 all year (no daylight saving time since 2022).
UTC_OFFSET_HOURS = -6
BLOCK = 30  # days per episode-planning block
LATEST_ONSET = 16  # an episode starts on block day 0..16 and is over by block day 30

EPISODE_KINDS = ("hypo", "bp-crisis", "hf-decompensation", "copd-exacerbation")


@dataclass(frozen=True, slots=True)
class Sample:
    """One reading as a device takes it: canonical LOINC code and unit (domain.CODES)."""

    code: str
    time_us: int  # effective time, microseconds since the epoch UTC
    value: float
    value2: float | None = None  # diastolic of a blood-pressure panel


@dataclass(frozen=True, slots=True)
class Episode:
    """A true deterioration: what alerts should find.

    `onset_us` is when the physiology starts to deviate (first true glucose < 70, first crisis
    value, the first day of fluid weight gain, the first day of an exacerbation's prodrome);
    `event_us` is the clinical event an alert should precede (end of the hypo, end of the crisis,
    the decompensation that would bring the patient to hospital, the exacerbation's visit)."""

    patient: str
    kind: str  # EPISODE_KINDS
    onset_us: int
    event_us: int
    severity: str  # e.g. level1 / level2 for hypos, moderate / severe otherwise
    observed: bool = True  # the device sent at least one reading that shows it

    def line(self) -> bytes:
        return orjson.dumps(asdict(self)) + b"\n"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Episode:
        return cls(**data)


def local_midnight_us(start: date, day: int) -> int:
    """Microseconds of local midnight of scenario day `day` (UTC-6)."""
    moment = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(days=day)
    return epoch_us(moment) - UTC_OFFSET_HOURS * HOUR_US


def stream(*key: object) -> random.Random:
    return random.Random(":".join(str(k) for k in key))


def np_stream(*key: object) -> np.random.Generator:
    """A numpy generator private to `key` (SHA-256 of the key: the same on every platform)."""
    digest = hashlib.sha256(":".join(str(k) for k in key).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def block_of(day: int) -> int:
    return day // BLOCK


def onset_day(rng: random.Random, block: int) -> int:
    return block * BLOCK + rng.randint(0, LATEST_ONSET)

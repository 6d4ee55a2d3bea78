"""How a day's readings reach the server: compact JSON batches (docs/monitoring.md, Ingestion)
at the times a phone or hub would upload them.

A CGM's app uploads every hour what the sensor read in that hour; on 8% of days the phone is
offline from some hour on and uploads the rest of the day in one batch at its end (a missed
upload, late but not lost). The other devices upload each measurement 1-10 minutes after it is
taken (the cuff, scale or oximeter syncs over Bluetooth when the app is opened).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta, timezone
from itertools import groupby

import orjson

from enlace.kernel.clock import from_epoch_us
from enlace.modules.monitoring.domain import BP_PANEL, CODES, DIASTOLIC, SYSTOLIC
from enlace.sim.devices.common import HOUR_US, MINUTE_US, UTC_OFFSET_HOURS, Sample, stream

LOCAL = timezone(timedelta(hours=UTC_OFFSET_HOURS))
MISSED_UPLOAD_SHARE = 0.08


@dataclass(frozen=True)
class Upload:
    at_us: int  # when the server receives it
    samples: tuple[Sample, ...]

    def body(self) -> bytes:
        return orjson.dumps({"readings": [_compact(s) for s in self.samples]})


def _compact(sample: Sample) -> dict[str, object]:
    time = from_epoch_us(sample.time_us).astimezone(LOCAL).isoformat(timespec="seconds")
    unit = CODES[sample.code].unit
    if sample.code == BP_PANEL:
        components = {SYSTOLIC: sample.value, DIASTOLIC: sample.value2}
        return {"code": BP_PANEL, "unit": unit, "components": components, "time": time}
    return {"code": sample.code, "value": sample.value, "unit": unit, "time": time}


def uploads(kind: str, samples: list[Sample], midnight_us: int, *key: object) -> list[Upload]:
    """The day's uploads of one device, in the order they arrive."""
    if not samples:
        return []
    rng = stream(*key, "uploads")
    if kind == "cgm":
        offline_from = rng.randrange(24) if rng.random() < MISSED_UPLOAD_SHARE else 24
        groups: dict[int, list[Sample]] = {}
        for s in samples:
            hour = min((s.time_us - midnight_us) // HOUR_US, offline_from)
            groups.setdefault(hour, []).append(s)
        out = [
            Upload(group[-1].time_us + rng.randint(1, 4) * MINUTE_US, tuple(group))
            for _, group in sorted(groups.items())
        ]
    else:
        out = [
            Upload(time + rng.randint(1, 10) * MINUTE_US, tuple(group))
            for time, group in ((t, list(g)) for t, g in groupby(samples, key=_minute))
        ]
    return sorted(out, key=lambda u: u.at_us)


def _minute(sample: Sample) -> int:
    """Readings taken within the same minute (an oximeter's SpO2, pulse and rate) go together."""
    return sample.time_us // MINUTE_US * MINUTE_US

"""The history the rules ask for during one batch, fetched in one query per kind (CGM runs, the
NEWS2 window, 72 h of weight) for every patient that needs it, merged with the batch itself (so
rules see the batch's readings whether or not the caller stored them first)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from enum import Enum

from sqlalchemy import Connection, select

from enlace.modules.monitoring import domain as d
from enlace.modules.monitoring import news2
from enlace.modules.monitoring.tables import readings as table
from enlace.modules.monitoring.thresholds import (
    CAPILLARY_REPEAT_US,
    HYPER_SUSTAINED_US,
    NEWS2_WINDOW_US,
    WEIGHT_WINDOW_US,
)

CGM_LOOKBACK_US = 25 * 60_000_000  # the 15-minute run plus two missed samples
HYPER_LOOKBACK_US = HYPER_SUSTAINED_US + 10 * 60_000_000


class Need(Enum):
    CGM = (d.CGM_GLUCOSE,)
    CAPILLARY = (d.CAPILLARY_GLUCOSE,)
    NEWS2 = tuple(news2.VITALS)
    WEIGHT = (d.WEIGHT,)


Key = tuple[str, str, int]  # device, code, effective time: a reading's identity


class History:
    def __init__(self, conn: Connection, batch: Sequence[d.Reading]) -> None:
        self.conn = conn
        self.batch = batch
        self.starts: dict[Need, dict[str, int]] = defaultdict(dict)
        self.series: dict[tuple[Need, str], list[d.Reading]] = {}
        self.times: dict[tuple[Need, str], list[int]] = {}

    def need(self, kind: Need, patient: str, start_us: int) -> None:
        known = self.starts[kind].get(patient)
        self.starts[kind][patient] = start_us if known is None else min(known, start_us)

    def load(self) -> None:
        for kind, starts in self.starts.items():
            patients = sorted(starts)
            end = max(r.effective_us for r in self.batch)
            found: dict[tuple[str, Key], d.Reading] = {}
            for r in self._query(kind, patients, min(starts.values()), end):
                found[(r.patient, (r.device, r.code, r.effective_us))] = r
            for r in self.batch:
                if r.patient in starts and r.code in kind.value:
                    found[(r.patient, (r.device, r.code, r.effective_us))] = r
            grouped: dict[str, list[d.Reading]] = defaultdict(list)
            for (patient, _), r in found.items():
                grouped[patient].append(r)
            for patient, series in grouped.items():
                series.sort(key=lambda r: (r.effective_us, r.code, r.device))
                self.series[(kind, patient)] = series
                self.times[(kind, patient)] = [r.effective_us for r in series]

    def _query(self, kind: Need, patients: list[str], start: int, end: int) -> list[d.Reading]:
        c = table.c
        out: list[d.Reading] = []
        for i in range(0, len(patients), 500):
            query = select(table).where(
                c.patient.in_(patients[i : i + 500]),
                c.code.in_(kind.value),
                c.effective_us >= start,
                c.effective_us <= end,
            )
            out.extend(
                d.Reading(
                    row.patient,
                    row.device,
                    row.code,
                    row.value,
                    row.effective_us,
                    row.received_us,
                    row.value2,
                    row.device_code,
                )
                for row in self.conn.execute(query)
            )
        return out

    def _window(self, kind: Need, patient: str, start: int, end: int) -> list[d.Reading]:
        """Readings with start <= effective <= end."""
        series = self.series.get((kind, patient), [])
        times = self.times.get((kind, patient), [])
        return series[bisect_left(times, start) : bisect_right(times, end)]

    def cgm_run(self, r: d.Reading) -> list[d.Reading]:
        start = r.effective_us - HYPER_LOOKBACK_US
        return self._window(Need.CGM, r.patient, start, r.effective_us)

    def capillary_before(self, r: d.Reading) -> list[d.Reading]:
        start = r.effective_us - CAPILLARY_REPEAT_US
        window = self._window(Need.CAPILLARY, r.patient, start, r.effective_us)
        return [c for c in window if c.effective_us < r.effective_us]

    def weights_before(self, r: d.Reading) -> list[d.Reading]:
        start = r.effective_us - WEIGHT_WINDOW_US
        window = self._window(Need.WEIGHT, r.patient, start, r.effective_us)
        return [w for w in window if w.effective_us < r.effective_us]

    def has_news2(self, patient: str) -> bool:
        return patient in self.starts.get(Need.NEWS2, {})

    def news2_latest(self, r: d.Reading) -> dict[str, d.Reading]:
        """The latest reading of each vital in (t - 1 h, t]."""
        start = r.effective_us - NEWS2_WINDOW_US + 1
        latest: dict[str, d.Reading] = {}
        for reading in self._window(Need.NEWS2, r.patient, start, r.effective_us):
            latest[reading.code] = reading  # oldest first: the last one wins
        return latest

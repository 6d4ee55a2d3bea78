"""Home devices: each simulated day, the enrolled patients' CGMs, glucometers, BP cuffs, scales,
pulse oximeters and thermometers send that day's readings through monitoring ingestion, upload
by upload at the simulated time it arrives, so the alert rules run as they would live; the true
episodes go to the ground-truth file (sim/devices/truth.py).

Who is enrolled and what each device reads are sim/devices' (pure by person and day). Devices
are registered (`monitoring.registry.add_device`) the first time a patient has readings in a run
unless the registry already holds one of that kind for them, so a resumed run reuses them.
The day's uploads of all patients are sent in the order they arrive, each through ingestion on the
day's connection (a savepoint per upload) with a repository whose clock is the upload's simulated
time: readings, alerts and Device resources carry scenario times. Every 15 simulated minutes the
escalation clock runs (`monitoring.escalation.escalate_due`), as a serving process's background
loop would; nobody in the simulation acknowledges, so an alert escalates physician → on-call →
hospital referral where its rule allows (the issue's "Done when"). The no-data alarm is not run:
CGM uploads are hourly batches, so a 30-minute silence rule would fire between every two.
Re-sending a day stores nothing twice (the readings' key de-duplicates) and opens no alert.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from enlace.kernel.clock import from_epoch_us
from enlace.kernel.errors import FhirError
from enlace.modules.monitoring import escalation, ingest, partitions, registry
from enlace.sim.actor import Day, World
from enlace.sim.devices import enrollment
from enlace.sim.devices.common import DAY_US, MINUTE_US, local_midnight_us
from enlace.sim.devices.enrollment import DeviceSettings, Monitored
from enlace.sim.devices.truth import TruthWriter, truth_path
from enlace.sim.devices.uploads import Upload, uploads
from enlace.sim.fhir_map import condition
from enlace.store.bulk import PutItem
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

NAME = "devices"
HF_ICD10, HF_DISPLAY = "I50.9", "Insuficiencia cardiaca, no especificada"
ESCALATION_PASS_US = 15 * MINUTE_US  # how often the simulated escalation clock runs


@dataclass
class _DayDatabase(Database):
    """The day's connection as a Database: each `begin` is a savepoint, so an upload that is
    refused rolls back alone and the rest of the day commits together."""

    conn: Connection | None = None

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        assert self.conn is not None
        with self.conn.begin_nested():
            yield self.conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """Reads see the day's writes (an alert opened this morning escalates this morning)."""
        assert self.conn is not None
        yield self.conn


class _SimClock:
    def __init__(self) -> None:
        self.now_us = 0

    def __call__(self) -> datetime:
        return from_epoch_us(self.now_us)


class DevicesActor:
    name = NAME
    after: tuple[str, ...] = ()

    def __init__(self, settings: DeviceSettings | None = None) -> None:
        self.settings = settings or DeviceSettings()
        self.monitored: list[Monitored] = []
        self.devices: dict[str, dict[str, str]] = {}  # patient -> kind -> device id
        self.truth: TruthWriter | None = None
        self.clock = _SimClock()
        self.counts: Counter[str] = Counter()

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        start = world.scenario.start
        self.monitored = enrollment.enroll(world.people, world.seed, start, self.settings)
        self.devices.clear()
        path = truth_path(world.services.settings.var_dir, world.seed)
        self.truth = TruthWriter(path, local_midnight_us(start, first_day))
        # PostgreSQL: a monthly partition attached while a day's transaction is open is not seen
        # by that transaction, so the run's months are made before its first day.
        days = range(first_day - 1, last_day + 2)
        with world.services.db.begin() as conn:
            partitions.ensure(conn, [local_midnight_us(start, d) for d in days])

    def day(self, today: Day) -> None:
        assert self.truth is not None, "begin() first"
        world, start = today.world, today.world.scenario.start
        repo = _sim_repository(world.services.repo, self.clock)
        db = _DayDatabase(*_engines(world.services.db), conn=today.conn)
        midnight = local_midnight_us(start, today.index)
        queue: list[tuple[int, str, Upload]] = []
        for m in self.monitored:
            self.truth.append(enrollment.episodes(m, start, today.index))
            by_kind = enrollment.readings(m, start, today.index)
            if not any(by_kind.values()):
                continue
            devices = self._devices(today, repo, m)
            for kind, samples in by_kind.items():
                key = (world.seed, NAME, m.index, kind, today.index)
                queue += [
                    (u.at_us, devices[kind], u) for u in uploads(kind, samples, midnight, *key)
                ]
        queue.sort(key=lambda item: (item[0], item[1]))
        escalation_at = midnight + ESCALATION_PASS_US
        for at_us, device, upload in queue:
            while escalation_at <= at_us:
                self._escalate(db, repo, escalation_at)
                escalation_at += ESCALATION_PASS_US
            self.clock.now_us = at_us
            self._send(db, repo, device, upload.body())
        while escalation_at <= midnight + DAY_US:
            self._escalate(db, repo, escalation_at)
            escalation_at += ESCALATION_PASS_US

    def _escalate(self, db: Database, repo: FhirRepository, now_us: int) -> None:
        """The escalation clock's pass a serving process would run (nobody in the simulation
        acknowledges an alert, so each one climbs as far as its rule allows)."""
        self.clock.now_us = now_us
        self.counts["escalations"] += len(escalation.escalate_due(db, repo, now_us))

    def _send(self, db: Database, repo: FhirRepository, device: str, body: bytes) -> None:
        try:
            result = ingest.ingest(db, repo, device, body, trusted=True)
        except FhirError:
            self.counts["refused-messages"] += 1
            return
        self.counts["accepted"] += result.accepted
        self.counts["duplicates"] += result.duplicates
        self.counts["rejected"] += len(result.rejected)
        self.counts["alerts"] += len(result.alerts)

    def _devices(self, today: Day, repo: FhirRepository, m: Monitored) -> dict[str, str]:
        """The patient's device of each kind, registered on first use (and their HF diagnosis
        recorded, which the HF rules look for)."""
        known = self.devices.get(m.patient)
        if known is not None:
            return known
        known = {}
        for device in registry.list_devices(today.conn, patient=m.patient):
            if device.status == "active":
                known.setdefault(device.kind, device.id)
        self.clock.now_us = local_midnight_us(today.world.scenario.start, today.index)
        new = []
        for kind in m.kinds:
            if kind not in known:
                serial = f"SIM-{m.patient}-{kind}"[:64]
                known[kind], _ = registry.add_device(
                    today.conn, repo, kind=kind, patient=m.patient, serial=serial
                )
                new.append(kind)
                self.counts["devices"] += 1
        if m.heart_failure and "scale" in new:
            diagnosis = _heart_failure(m.patient, today.date)
            today.world.services.repo.put_many(today.conn, [PutItem(diagnosis)])
        self.devices[m.patient] = known
        return known


def _engines(db: Database) -> tuple[str, Any, Any]:
    return db.url, db.write_engine, db.read_engine


def _sim_repository(repo: FhirRepository, clock: _SimClock) -> FhirRepository:
    return FhirRepository(clock, repo.new_id, repo.indexer, repo.on_write)


def _heart_failure(patient: str, on: date) -> dict[str, Any]:
    """A Condition like the population's (fhir_map.condition), coded I50.9."""
    found = condition(patient, "hypertension", on)
    found["id"] = f"{patient}-heart-failure"
    found["code"]["coding"][0].update(code=HF_ICD10, display=HF_DISPLAY)
    return found


ACTORS = (DevicesActor,)

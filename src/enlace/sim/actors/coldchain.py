"""The cold chain in the simulation: one pharmacy's medicine fridge with a temperature logger
that sends its day of readings through monitoring ingestion, and a door left ajar every 30th day
(docs/coldchain.md), so the demo's cold-chain pages have loggers, excursions, quarantined lots
and MKT to show.

Two actors, because the quarantine must not meet the pharmacy's day: `coldchain` runs after the
pharmacy (its fills are done) and sends the fridge's day — 96 readings, one every 15 minutes,
4-6 °C, and on days 29, 59, 89 … 11 hours at 9-10 °C from 08:00, a WHO heat alarm that opens an
excursion and quarantines the fridge's insulin lots. `coldchain-pharmacist` runs the next
morning before anyone else and releases yesterday's open excursions (the excursion was short;
insulin keeps 28 days below 30 °C), so the pharmacy dispenses from those lots again and a
resumed run never finds stock it cannot issue. The last simulated day's excursion stays open:
the demo's pharmacist finds one to decide.

The fridge goes to the first pharmacy (catalog order) with a cold-chain lot on hand the first
day any pharmacy has stock (else the first with stock; it guards the insulin that arrives
later); its readings are a function of the seed and the day, so a run cut in two gives the
same record.
"""

from __future__ import annotations

import orjson
from sqlalchemy import Connection

from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.kernel.errors import FhirError
from enlace.modules import catalog, coldchain, inventory
from enlace.modules.coldchain import views
from enlace.modules.monitoring import ingest
from enlace.sim.actor import Day, World
from enlace.sim.actors.devices import _DayDatabase, _engines, _sim_repository, _SimClock
from enlace.sim.devices.common import DAY_US, MINUTE_US, local_midnight_us
from enlace.store.repository import FhirRepository

NAME = "coldchain"
LABEL = "Refrigerador de insulinas"
EXCURSION_EVERY = 30  # days; the excursion day is the last of each 30
DOOR_OPEN_FROM, DOOR_OPEN_HOURS = 8, 11
STEP_US = 15 * MINUTE_US
RELEASE_REASON = "Excursión corta (simulación): TCM dentro del margen de estabilidad"


class ColdChainActor:
    name = NAME
    after: tuple[str, ...] = ("pharmacy",)

    def __init__(self) -> None:
        self.clock = _SimClock()
        self.device: tuple[str, str] | None = None  # (device id, facility)
        self.sent = 0

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        del first_day, last_day
        self.device = None

    def day(self, today: Day) -> None:
        repo = _sim_repository(today.world.services.repo, self.clock)
        midnight = local_midnight_us(today.world.scenario.start, today.index)
        self.clock.now_us = midnight + DAY_US - MINUTE_US  # the logger uploads its day at 23:59
        if self.device is None:
            self.device = _fridge(today.conn, repo)
        if self.device is None:
            return  # no pharmacy holds cold-chain stock yet
        db = _DayDatabase(*_engines(today.world.services.db), conn=today.conn)
        body = _day_readings(today.world, today.index, midnight)
        try:
            ingest.ingest(db, repo, self.device[0], body, trusted=True)
            self.sent += 1
        except FhirError:
            return  # a refused day is kept in monitoring's rejects; the run goes on


class PharmacistActor:
    """The simulated pharmacist: each morning, releases the excursions still open."""

    name = "coldchain-pharmacist"
    after: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.clock = _SimClock()

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        del world, first_day, last_day

    def day(self, today: Day) -> None:
        repo = _sim_repository(today.world.services.repo, self.clock)
        self.clock.now_us = (
            local_midnight_us(today.world.scenario.start, today.index) + 7 * 60 * MINUTE_US
        )
        for excursion in views.list_excursions(today.conn, status="open"):
            if excursion.end_us is None:
                continue
            with today.conn.begin_nested():
                coldchain.decide(
                    today.conn,
                    repo,
                    excursion.id,
                    "release",
                    RELEASE_REASON,
                    f"Organization/org-{excursion.facility}",
                    coldchain.DECIDE_ROLES,
                )


def _fridge(conn: Connection, repo: FhirRepository) -> tuple[str, str] | None:
    """The simulation's fridge logger: the one already added, or a new one at the first
    pharmacy with cold-chain stock (else with any stock: insulin may come later); None while
    no pharmacy has stock."""
    for logger in coldchain.loggers.list_loggers(conn):
        if logger.label == LABEL and logger.status == "active":
            return logger.device, logger.facility
    stocked = {}
    for facility in catalog.facilities(kind="pharmacy"):
        levels = inventory.stock_on_hand(conn, facility.slug)
        if levels:
            stocked[facility.slug] = any(_cold(level.product) for level in levels)
    if not stocked:
        return None
    chosen = next((slug for slug, cold in stocked.items() if cold), next(iter(stocked)))
    device, _ = coldchain.add_logger(
        conn,
        repo,
        facility=chosen,
        place_kind="fridge",
        label=LABEL,
        serial=f"SIM-FRIDGE-{chosen}"[:64],
    )
    return device, chosen


def _cold(product: str) -> bool:
    medicine = catalog.medicine_by_slug(product)
    return medicine is not None and medicine.cold_chain is not None


def _day_readings(world: World, day: int, midnight_us: int) -> bytes:
    rng = world.rng(NAME, day)
    door = day % EXCURSION_EVERY == EXCURSION_EVERY - 1
    readings = []
    for n in range(DAY_US // STEP_US):
        at_us = midnight_us + n * STEP_US
        hour = n * STEP_US // (60 * MINUTE_US)
        celsius = round(5.0 + rng.uniform(-0.9, 0.9), 1)
        if door and DOOR_OPEN_FROM <= hour < DOOR_OPEN_FROM + DOOR_OPEN_HOURS:
            celsius = round(9.4 + rng.uniform(-0.3, 0.5), 1)
        readings.append(
            {"code": "storage-temp", "value": celsius, "unit": "Cel", "time": _iso(at_us)}
        )
    return orjson.dumps({"readings": readings})


def _iso(us: int) -> str:
    return fhir_instant(from_epoch_us(us))


ACTORS = (ColdChainActor, PharmacistActor)

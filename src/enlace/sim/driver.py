"""The scenario driver: advances a simulated clock a day at a time and lets the actors act.

`run_scenario(services, days)` continues the stored scenario from where its clock stands
(Basic/sim-clock: days simulated so far) for `days` more days. Each day is one transaction —
the actors' resources and the clock's new value commit together — so an interrupted run leaves
whole days behind and the next run resumes at the first day not done. Actors are pure by person
and day (enlace.sim.actor), so resuming writes what an uninterrupted run would have.

The network's staff (Practitioner, PractitionerRole) is written, idempotently, before the
first day; the catalogs must be loaded (`enlace catalog load`), as the resources refer to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection

from enlace.interactions.context import Services
from enlace.sim import staff
from enlace.sim.actor import Actor, Day, World
from enlace.sim.actors import discover
from enlace.sim.fhir_map import BASE, SYNTHETIC_TAG
from enlace.sim.loader import existing_scenario
from enlace.sim.population import generate
from enlace.store.bulk import PutItem, Statistics

CLOCK_TYPE, CLOCK_ID = "Basic", "sim-clock"
_CLOCK = f"{BASE}/StructureDefinition/sim-clock"
MAX_DAYS = 3650  # ten years per run: a typo (--days 1800000) must not run for weeks
CHUNK = 5000  # resources per put_many call within a day


class ScenarioMissing(ValueError):
    """No population is stored: there is nobody to simulate."""


class CatalogMissing(ValueError):
    """The catalogs the resources refer to are not loaded."""


@dataclass(frozen=True)
class RunReport:
    first_day: int
    last_day: int  # exclusive
    start: date
    end: date  # the date of the last simulated day
    resources: int
    created: int
    updated: int
    unchanged: int
    by_type: dict[str, int]


def check_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValueError(
            f"--days must be a whole number of days from 1 to {MAX_DAYS}, not {days!r}"
        )
    return days


def simulated_days(services: Services, conn: Connection | None = None) -> int:
    """Days the stored scenario has run (0 before the first run)."""
    if conn is None:
        with services.db.read() as reader:
            return simulated_days(services, reader)
    found = services.repo.current(conn, CLOCK_TYPE, CLOCK_ID)
    if found is None or found.deleted or found.content is None:
        return 0
    extensions = orjson.loads(found.content).get("extension", [])
    return int(next(e["valueInteger"] for e in extensions if e["url"] == f"{_CLOCK}#days"))


def run_scenario(
    services: Services,
    days: int,
    progress: Callable[[int], None] | None = None,
    actors: list[Actor] | None = None,
) -> RunReport:
    """Run `days` more simulated days of the stored scenario. `progress` gets 1 per day done."""
    check_days(days)
    world = scenario_world(services)
    first = simulated_days(services)
    last = first + days
    chosen = discover() if actors is None else actors
    with services.db.begin() as conn:
        services.repo.put_many(
            conn, [PutItem(r) for m in staff.all_staff() for r in staff.resources(m)]
        )
    for actor in chosen:
        actor.begin(world, first, last)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    by_type: dict[str, int] = {}
    with services.db.read() as conn:
        statistics = Statistics.growing(conn)  # ANALYZE when the store doubles (bulk.py)
    for index in range(first, last):
        with services.db.begin() as conn:
            today = Day(world, index, conn)
            for actor in chosen:
                actor.day(today)
            today.write(clock(world, index + 1))
            _store(services, conn, today.written, counts, by_type)
            statistics.note(conn, len(today.written))
        if progress is not None:
            progress(1)
    total = sum(counts.values())
    return RunReport(
        first, last, world.date_of(first), world.date_of(last - 1), total, **counts, by_type=by_type
    )


def scenario_world(services: Services) -> World:
    """The stored scenario and its people (ScenarioMissing, CatalogMissing when not ready)."""
    scenario = existing_scenario(services)
    if scenario is None:
        raise ScenarioMissing(
            "the database holds no population: run `enlace sim population --patients N --seed S`"
        )
    with services.db.read() as conn:
        if services.repo.current(conn, "Organization", "org-imss") is None:
            raise CatalogMissing("the reference catalogs are not loaded: run `enlace catalog load`")
    people = generate(
        scenario.size, scenario.seed, scenario.states, scenario.start
    ).people  # the generator is pure: these are the stored people
    return World(services, scenario, people)


def _store(
    services: Services,
    conn: Connection,
    items: list[PutItem],
    counts: dict[str, int],
    by_type: dict[str, int],
) -> None:
    for start in range(0, len(items), CHUNK):
        written = services.repo.put_many(conn, items[start : start + CHUNK])
        for key, value in written.items():
            counts[key] += value
    for item in items:
        kind = item.resource["resourceType"]
        by_type[kind] = by_type.get(kind, 0) + 1


def clock(world: World, days: int) -> dict[str, Any]:
    """The clock marker: how many days of the scenario have been simulated."""
    return {
        "resourceType": CLOCK_TYPE,
        "id": CLOCK_ID,
        "meta": {"tag": [dict(SYNTHETIC_TAG)]},
        "code": {"coding": [{"system": f"{BASE}/CodeSystem/sim", "code": "clock"}]},
        "extension": [
            {"url": f"{_CLOCK}#days", "valueInteger": days},
            {"url": f"{_CLOCK}#today", "valueDate": world.date_of(days).isoformat()},
        ],
    }

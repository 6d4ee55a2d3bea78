"""Load a synthetic population into the store, and its ground truth into a separate file.

The scenario is recorded by a marker resource (Basic/sim-population: seed, states, reference date,
size) written before the people. A resource rather than a table of our own: it needs no migration
(none to order against the migrations others add), it travels with an export/import of the store,
and the check for "a different scenario is already here" reads it like any other resource. It
holds no person's data and no latent value.

The ground truth (conditions and latent behaviours per person) goes to
`settings.var_dir / "sim" / "population-s{seed}.jsonl"`, written beside and renamed into place
when the load is complete; it never enters the clinical record.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection

from enlace.interactions.context import Services
from enlace.sim.fhir_map import BASE, SYNTHETIC_TAG, patient_id, resources
from enlace.sim.population import Person, Population
from enlace.store.bulk import PutItem, Statistics

MARKER_TYPE, MARKER_ID = "Basic", "sim-population"
_SCENARIO = f"{BASE}/StructureDefinition/sim-scenario"
BATCH = 500  # people per transaction


class ScenarioConflict(ValueError):
    """The store already holds a population of another scenario."""


@dataclass(frozen=True)
class Scenario:
    seed: int
    states: tuple[str, ...]
    reference_date: str
    size: int

    @property
    def start(self) -> date:
        """Day 0 of the scenario driver: the population's reference date."""
        return date.fromisoformat(self.reference_date)


@dataclass(frozen=True)
class LoadReport:
    people: int
    resources: int
    created: int
    updated: int
    unchanged: int
    ground_truth: Path


def ground_truth_path(services: Services, seed: int) -> Path:
    return Path(services.settings.var_dir) / "sim" / f"population-s{seed}.jsonl"


def existing_scenario(services: Services, conn: Connection | None = None) -> Scenario | None:
    if conn is None:
        with services.db.read() as reader:
            return existing_scenario(services, reader)
    found = services.repo.current(conn, MARKER_TYPE, MARKER_ID)
    if found is None or found.deleted or found.content is None:
        return None
    values = {e["url"].rsplit("#", 1)[-1]: e for e in orjson.loads(found.content)["extension"]}
    return Scenario(
        int(values["seed"]["valueString"]),
        tuple(values["states"]["valueString"].split(",")),
        values["reference-date"]["valueDate"],
        int(values["size"]["valueInteger"]),
    )


def check_scenario(
    services: Services, population: Population, conn: Connection | None = None
) -> Scenario | None:
    """The scenario already stored; ScenarioConflict when it is another one (nothing written)."""
    stored = existing_scenario(services, conn)
    wanted = (population.seed, population.states, population.reference_date.isoformat())
    if stored is not None and (stored.seed, stored.states, stored.reference_date) != wanted:
        raise ScenarioConflict(
            f"the database already holds a population of seed {stored.seed} "
            f"(states {','.join(stored.states)}, reference date {stored.reference_date}, "
            f"{stored.size} people); use an empty database or that same scenario"
        )
    return stored


def marker(scenario: Scenario) -> dict[str, Any]:
    def ext(name: str, kind: str, value: object) -> dict[str, Any]:
        return {"url": f"{_SCENARIO}#{name}", f"value{kind}": value}

    return {
        "resourceType": MARKER_TYPE,
        "id": MARKER_ID,
        "meta": {"tag": [dict(SYNTHETIC_TAG)]},
        "code": {"coding": [{"system": f"{BASE}/CodeSystem/sim", "code": "population"}]},
        "extension": [
            ext("seed", "String", str(scenario.seed)),  # a seed may exceed valueInteger's range
            ext("states", "String", ",".join(scenario.states)),
            ext("reference-date", "Date", scenario.reference_date),
            ext("size", "Integer", scenario.size),
        ],
    }


def truth_line(person: Person, seed: int) -> bytes:
    record = {
        "patient": patient_id(seed, person.index),
        "index": person.index,
        "conditions": {k: v.isoformat() for k, v in person.conditions.items()},
        "latent": asdict(person.latent),
    }
    return orjson.dumps(record) + b"\n"


def load_population(
    services: Services,
    population: Population,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Write the people in batches through `repo.put_many` (idempotent: the same scenario loaded
    again changes nothing), then the ground truth file. `progress` gets people done per batch."""
    seed, people = population.seed, population.people
    with services.db.begin() as conn:  # checked and claimed in one transaction
        stored = check_scenario(services, population, conn)
        size = max(len(people), stored.size if stored else 0)
        scenario = Scenario(seed, population.states, population.reference_date.isoformat(), size)
        services.repo.put_many(conn, [PutItem(marker(scenario))])
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    total = 0
    # ANALYZE as the tables double: without it PostgreSQL kept planning the primary-key lookups
    # of put_many as scans and each batch took longer than the last (bulk.Statistics).
    statistics = Statistics()
    for start in range(0, len(people), batch):
        chunk = people[start : start + batch]
        items = [PutItem(r) for p in chunk for r in resources(p, seed, population.reference_date)]
        with services.db.begin() as conn:
            written = services.repo.put_many(conn, items)
            statistics.note(conn, written["created"] + written["updated"])
        for key, value in written.items():
            counts[key] += value
        total += len(items)
        if progress is not None:
            progress(len(chunk))
    path = ground_truth_path(services, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".jsonl.partial")
    with partial.open("wb") as out:
        for person in people:
            out.write(truth_line(person, seed))
    os.replace(partial, path)
    return LoadReport(len(people), total, **counts, ground_truth=path)

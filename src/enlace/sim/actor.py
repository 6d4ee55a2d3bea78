"""What the scenario driver hands its actors: the world, one simulated day, and the contract.

An actor is one kind of participant of the network (primary care, a laboratory, later a pharmacy,
a device, a payer, a supplier). The driver calls `begin` once per run and then `day` for each
simulated day in order; on each day the actors run in dependency order (`after`), so a pharmacy
can see the prescriptions primary care wrote that morning.

Determinism is the actors' side of the contract: whatever an actor decides about person `i` on
day `d` comes from `world.rng(actor, i, d, ...)` and the record, never from the wall clock or a
shared random state, so a run of 180 days gives the same resources as two runs of 90.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection

from enlace.interactions.context import Services
from enlace.sim.loader import Scenario
from enlace.sim.population import Person
from enlace.store.bulk import PutItem


@dataclass
class World:
    """Everything an actor may read that is not in the record: the scenario and its people.

    `people` are regenerated from the seed (the generator is pure), so actors see the same
    persons the population load wrote. Latent behaviours are there too: actors drive people by
    them (a person with low adherence misses visits); modules under test never see them."""

    services: Services
    scenario: Scenario
    people: list[Person] = field(repr=False)

    @property
    def seed(self) -> int:
        return self.scenario.seed

    def patient_id(self, index: int) -> str:
        return f"s{self.seed}-{index}"

    def rng(self, *key: object) -> random.Random:
        """A random stream private to `key` (e.g. actor name, person, day): the same key gives
        the same draws in every run, and no two keys share a stream."""
        return random.Random(":".join(str(k) for k in (self.seed, *key)))

    def date_of(self, day: int) -> date:
        return self.scenario.start + timedelta(days=day)


@dataclass
class Day:
    """One simulated day: its date, the open transaction, and where actors put what happened.

    `write` queues a FHIR resource (ids are the actor's, deterministic); the driver stores the
    day's resources in bulk in the day's transaction. Actors that call a module's service use
    `conn` so their writes commit with the day."""

    world: World
    index: int  # days since the scenario's start
    conn: Connection
    written: list[PutItem] = field(default_factory=list)

    @property
    def date(self) -> date:
        return self.world.date_of(self.index)

    def write(self, resource: dict[str, Any]) -> None:
        self.written.append(PutItem(resource))

    def write_all(self, resources: Iterable[dict[str, Any]]) -> None:
        self.written.extend(PutItem(r) for r in resources)


class Actor(Protocol):
    """A participant of the simulated network. See docs/simulation.md, "Plugging in actors"."""

    name: str  # unique; also the namespace of the actor's random streams
    after: tuple[str, ...]  # actors whose day must run before this one's

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        """Plan the run of days [first_day, last_day) (e.g. build an agenda of who is due)."""

    def day(self, today: Day) -> None:
        """Act on one day: write resources, call services."""


ActorFactory = Callable[[], Actor]

"""Demand at the pharmacy counter: which packs each person collects, where and when.

A MedicationRequest written by primary care (actors/care.py) is filled at the pharmacy nearest
to the person (sim/network.py), first on the day it is written and then every 30 days while it
allows repeats and is valid. Each fill is collected with a probability set by the person's
latent adherence (the record never holds it); a fill not collected is not retried. All draws
come from `world.rng("pharmacy", person, request, fill)`, so a fill does not depend on how the
run is cut in pieces.

`FillAgenda` keeps the fills still to come. A run that resumes on day `first` rebuilds the
agenda by replaying the visits care made in the previous `LOOKBACK` days through care's own pure
functions (`under_care`, `visit`): the prescriptions are what care wrote, without reading them
back from the store.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from enlace.modules.catalog import Medicine, formulary
from enlace.sim import engagement_traits, network
from enlace.sim.actor import Day, World
from enlace.sim.actors.care import under_care, visit

NAME = "pharmacy"  # the random-stream namespace of collection decisions
REFILL_DAYS = 30
LOOKBACK = 130  # longest validity: 90-day cadence + 15 days, plus a late last refill
FIRST_FILL_DELAY_MIN = (20, 120)  # minutes after the prescription is signed
REFILL_HOURS = (8, 20)  # opening hours of the counter for refills
MEDICINES = {m.slug: m for m in formulary()}


@dataclass(frozen=True, slots=True)
class Fill:
    """One collection at the counter: `packs` packs of one medicine, at `minute` of the day."""

    day: int
    minute: int  # minutes after midnight, Mexico central time
    person: int
    pharmacy: str  # catalog slug
    medicine: Medicine
    packs: int
    request_id: str
    number: int  # 0 = first fill, then each refill

    @property
    def gtin(self) -> str:
        return self.medicine.gtin


def collect_probability(adherence_propensity: float) -> float:
    """Chance a person collects a fill that is due (assumption: 0.2 + 0.8 x propensity, so
    even the least adherent collect sometimes and the most adherent rarely miss)."""
    return min(0.98, 0.2 + 0.8 * adherence_propensity)


def _person_index(world: World, request: dict[str, Any]) -> int:
    reference = request["subject"]["reference"]  # Patient/s{seed}-{index}
    return int(reference.rsplit("-", 1)[1])


def fills_of(world: World, request: dict[str, Any], written_on: int) -> list[Fill]:
    """The fills a MedicationRequest leads to (first fill and refills the person collects)."""
    medicine = MEDICINES[
        request["medicationReference"]["reference"].removeprefix("Medication/med-")
    ]
    index = _person_index(world, request)
    person = world.people[index]
    pharmacy = network.nearest(person, "pharmacy").slug
    dispense = request["dispenseRequest"]
    packs = max(1, math.ceil(dispense["quantity"]["value"] / medicine.pack_size))
    last_valid = (
        written_on
        + (
            datetime.fromisoformat(dispense["validityPeriod"]["end"]).date()
            - datetime.fromisoformat(dispense["validityPeriod"]["start"]).date()
        ).days
    )
    signed = datetime.fromisoformat(request["authoredOn"])
    # Engaged patients (a phone, responsive to reminders) collect a little more reliably.
    chance = min(0.98, collect_probability(person.latent.adherence_propensity)
                 + engagement_traits.refill_boost(world, index))  # fmt: skip
    fills: list[Fill] = []
    for number in range(1 + int(dispense.get("numberOfRepeatsAllowed", 0))):
        rng = world.rng(NAME, index, request["id"], number)
        if number == 0:
            day, minute = (
                written_on,
                signed.hour * 60 + signed.minute + rng.randint(*FIRST_FILL_DELAY_MIN),
            )
        else:
            day = written_on + REFILL_DAYS * number + rng.randint(-2, 3)
            minute = rng.randint(REFILL_HOURS[0] * 60, REFILL_HOURS[1] * 60)
        if day > last_valid:
            break
        if rng.random() < chance:
            fills.append(
                Fill(
                    day,
                    min(minute, 21 * 60),
                    index,
                    pharmacy,
                    medicine,
                    packs,
                    request["id"],
                    number,
                )
            )
    return fills


def medication_requests(resources: Iterable[Any]) -> Iterator[dict[str, Any]]:
    for item in resources:
        resource = cast(dict[str, Any], getattr(item, "resource", item))
        if resource.get("resourceType") == "MedicationRequest":
            yield resource


class FillAgenda:
    """Fills still to come, by day."""

    def __init__(self) -> None:
        self.by_day: dict[int, list[Fill]] = defaultdict(list)
        # Packs due per (pharmacy, GTIN) by day, kept as fills are added: the forecast sums a
        # few weeks of these every day, which re-counting the fills made quadratic.
        self.packs_by_day: dict[int, Counter[tuple[str, str]]] = defaultdict(Counter)

    def add(self, fills: Iterable[Fill], from_day: int) -> None:
        for fill in fills:
            if fill.day >= from_day:
                self.by_day[fill.day].append(fill)
                self.packs_by_day[fill.day][(fill.pharmacy, fill.gtin)] += fill.packs

    def add_written(self, world: World, day: int, written: Iterable[Any]) -> None:
        """The fills of the prescriptions written on `day` (today's `Day.written`)."""
        for request in medication_requests(written):
            self.add(fills_of(world, request, day), day)

    def replay(self, world: World, first_day: int) -> None:
        """Rebuild the fills due from `first_day` on that prescriptions written before it lead
        to (a resumed run): care's visits of the last LOOKBACK days, replayed purely."""
        self.by_day.clear()
        self.packs_by_day.clear()
        if first_day == 0:
            return
        since = max(0, first_day - LOOKBACK)
        for person in world.people:
            patient = under_care(world, person, first_day)
            if patient is None:
                continue
            for number, day in enumerate(patient.visits):
                if since <= day < first_day:
                    resources = visit(Day(world, day, conn=cast(Any, None)), patient, number)
                    for request in medication_requests(resources):
                        self.add(fills_of(world, request, day), first_day)

    def due(self, day: int) -> list[Fill]:
        """Today's fills in counter order (time, then person, then medicine)."""
        fills = self.by_day.pop(day, [])
        self.packs_by_day.pop(day, None)
        return sorted(fills, key=lambda f: (f.minute, f.person, f.request_id, f.number))

    def demand(self, first: int, last: int) -> Counter[tuple[str, str]]:
        """Packs due per (pharmacy slug, GTIN) on days [first, last): the known forecast."""
        total: Counter[tuple[str, str]] = Counter()
        for day in range(first, last):
            total.update(self.packs_by_day.get(day, {}))
        return total

"""Coverage: each insured person gets a FHIR Coverage under their payer's plan.

On day 0 of the scenario the actor writes `<patient>-cov` for everyone the population records
as affiliated (once: a run in pieces writes what one run writes; a store whose clock ran before
this actor existed gets no Coverages from `sim run`, see docs/coverage.md). Assumptions
(docs/coverage.md, "Simulated coverage"):

- affiliation → plan: IMSS, ISSSTE and IMSS-Bienestar to their plans; in Jalisco and Nuevo León
  a quarter of the ISSSTE affiliates are state workers covered by the state institute (IPEJAL,
  ISSSTELEÓN) instead; private: 60% major medical (SGMM), 40% minor medical (GMM); none: no
  Coverage.
- seniority: the coverage began 0-10 years before the scenario (uniform; private policies 0-5).
- families: a person under 18 is a dependent (relationship child) of the nearest earlier adult
  (20-64, among the 60 people before) with the same affiliation, plan and municipality who has
  room under the plan's dependent limit; otherwise they hold their own coverage. Earlier people
  only: adding people to a population never changes existing families.
- pre-existing conditions (private plans only): conditions with onset before the coverage start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from enlace.modules import coverage
from enlace.sim.actor import Day, World
from enlace.sim.distributions import STATES
from enlace.sim.population import Person

NAME = "coverage"
STATE_INSTITUTE = {"14": "ipejal", "19": "isssteleon"}  # INEGI state -> institute slug
STATE_INSTITUTE_SHARE = 0.25
SGMM_SHARE = 0.6
CHILD_AGE, SUBSCRIBER_AGES = 18, (20, 64)
LOOKBACK = 60
GROUP_OF_CONDITION = {"ra": "rheumatoid-arthritis"}  # sim condition key -> catalog group
PRIVATE_KINDS = ("sgmm", "gmm")


@dataclass(frozen=True)
class Enrollment:
    person: Person
    plan: coverage.Plan
    start: date
    subscriber: int | None  # index of the subscriber when a dependent


def payer_of(world: World, person: Person) -> str | None:
    """The payer (Organization slug) covering the person, or None when uninsured."""
    draw = world.rng(NAME, person.index, "payer").random()
    if person.affiliation == "private":
        return "aseguradora-sgmm-a" if draw < SGMM_SHARE else "aseguradora-gmm-b"
    if person.affiliation == "issste":
        institute = STATE_INSTITUTE.get(STATES[person.state].inegi)
        if institute is not None and draw < STATE_INSTITUTE_SHARE:
            return institute
    return None if person.affiliation == "none" else person.affiliation


def own_start(world: World, person: Person, plan: coverage.Plan) -> date:
    years = 5 if plan.kind in PRIVATE_KINDS else 10
    back = world.rng(NAME, person.index, "start").randrange(365 * years)
    return max(world.scenario.start - timedelta(days=back), person.birth_date)


def enrollments(world: World) -> list[Enrollment]:
    """Everyone's coverage, in index order (pure: the same for the same scenario)."""
    out: list[Enrollment] = []
    by_index: dict[int, Enrollment] = {}
    dependents: dict[int, int] = {}
    on = world.scenario.start
    for person in world.people:
        payer = payer_of(world, person)
        plan = coverage.plan_for(payer) if payer else None
        if plan is None:
            continue
        head = _subscriber(person, plan, by_index, dependents, on)
        if head is None:
            enrollment = Enrollment(person, plan, own_start(world, person, plan), None)
        else:
            dependents[head.person.index] = dependents.get(head.person.index, 0) + 1
            start = max(head.start, person.birth_date)
            enrollment = Enrollment(person, plan, start, head.person.index)
        by_index[person.index] = enrollment
        out.append(enrollment)
    return out


def _subscriber(
    person: Person,
    plan: coverage.Plan,
    by_index: dict[int, Enrollment],
    dependents: dict[int, int],
    on: date,
) -> Enrollment | None:
    if person.age(on) >= CHILD_AGE or plan.max_dependents == 0:
        return None
    low, high = SUBSCRIBER_AGES
    for index in range(person.index - 1, max(person.index - LOOKBACK, 0) - 1, -1):
        head = by_index.get(index)
        if (
            head is not None
            and head.subscriber is None
            and head.plan.id == plan.id
            and head.person.municipality == person.municipality
            and low <= head.person.age(on) <= high
            and dependents.get(index, 0) < plan.max_dependents
        ):
            return head
    return None


def coverage_resource(world: World, enrollment: Enrollment) -> dict[str, Any]:
    person, plan = enrollment.person, enrollment.plan
    patient = world.patient_id(person.index)
    subscriber = None if enrollment.subscriber is None else world.patient_id(enrollment.subscriber)
    pre_existing: tuple[str, ...] = ()
    if plan.kind in PRIVATE_KINDS:
        pre_existing = tuple(
            sorted(
                GROUP_OF_CONDITION.get(key, key)
                for key, onset in person.conditions.items()
                if onset < enrollment.start
            )
        )
    return coverage.fhir_map.coverage(
        f"{patient}-cov",
        patient,
        plan,
        enrollment.start,
        subscriber=subscriber,
        relationship="self" if subscriber is None else "child",
        pre_existing=pre_existing,
    )


class CoverageActor:
    name = NAME
    after: tuple[str, ...] = ()

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        pass

    def day(self, today: Day) -> None:
        if today.index != 0:
            return
        world = today.world
        today.write_all(coverage_resource(world, e) for e in enrollments(world))


ACTORS = (CoverageActor,)

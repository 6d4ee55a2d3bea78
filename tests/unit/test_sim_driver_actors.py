"""The scenario's actors without a database: ordering, determinism across run pieces, and a
clinical course that follows the latent adherence it must not reveal."""

from __future__ import annotations

from statistics import mean
from typing import Any, cast

import orjson
import pytest

from enlace.interactions.context import Services
from enlace.sim import actors as actor_package
from enlace.sim.actor import Actor, Day, World
from enlace.sim.actors import care, ordered
from enlace.sim.actors.screening import first_screen
from enlace.sim.care_model import CarePlan, course
from enlace.sim.loader import Scenario
from enlace.sim.population import generate
from enlace.sim.supply_chain import SUPPLY_ACTORS


def _world(size: int = 400, seed: int = 11) -> World:
    population = generate(size, seed, ["JAL", "NLE", "CMX"])
    scenario = Scenario(seed, population.states, population.reference_date.isoformat(), size)
    return World(cast(Services, None), scenario, population.people)


def _run(world: World, pieces: list[tuple[int, int]]) -> list[bytes]:
    """What the actors write over the given (first, last) day ranges, run one after another."""
    out: list[bytes] = []
    for first, last in pieces:
        # The supply chain's actors capture through the trace store, the devices send through
        # monitoring ingestion, the community campaigns record screenings in the store: tested
        # with one (tests/integration/test_sim_supply_chain.py, test_sim_devices.py,
        # screening/test_sim_campaign.py), the cold chain's fridge logger and pharmacist ingest
        # and decide through the store (coldchain/test_sim.py), phones answer the outbox's
        # reminders through messaging (test_sim_engagement.py).
        with_store = (
            *SUPPLY_ACTORS,
            *("devices", "campaign", "coldchain", "coldchain-pharmacist", "engagement"),
        )
        chosen = [a for a in actor_package.discover() if a.name not in with_store]
        for actor in chosen:
            actor.begin(world, first, last)
        for index in range(first, last):
            day = Day(world, index, conn=cast(Any, None))
            for actor in chosen:
                actor.day(day)
            out.extend(orjson.dumps(i.resource, option=orjson.OPT_SORT_KEYS) for i in day.written)
    return out


class _Named:
    def __init__(self, name: str, after: tuple[str, ...] = ()) -> None:
        self.name, self.after = name, after

    def begin(self, world: World, first_day: int, last_day: int) -> None:
        pass

    def day(self, today: Day) -> None:
        pass


def _names(actors: list[Actor]) -> list[str]:
    return [a.name for a in actors]


def test_actors_found_in_the_package_and_ordered_by_dependency() -> None:
    names = _names(actor_package.discover())
    assert {"care", "screening"} <= set(names)
    assert names.index("screening") < names.index("care")


def test_order_is_by_dependency_then_name_and_refuses_bad_graphs() -> None:
    found = ordered([_Named("pharmacy", ("care",)), _Named("care"), _Named("devices")])
    assert _names(found) == ["care", "devices", "pharmacy"]
    with pytest.raises(ValueError, match="unknown actors"):
        ordered([_Named("pharmacy", ("care",))])
    with pytest.raises(ValueError, match="cycle"):
        ordered([_Named("a", ("b",)), _Named("b", ("a",))])
    with pytest.raises(ValueError, match="two simulation actors"):
        ordered([_Named("a"), _Named("a")])


def test_a_run_in_pieces_writes_what_one_run_writes() -> None:
    world = _world()
    whole = _run(world, [(0, 60)])
    assert len(whole) > 300
    assert _run(world, [(0, 25), (25, 60)]) == whole
    assert _run(_world(seed=12), [(0, 60)]) != whole


def test_ids_are_unique_and_refer_to_the_scenario_patients() -> None:
    world = _world()
    resources = [orjson.loads(b) for b in _run(world, [(0, 90)])]
    keys = [(r["resourceType"], r["id"]) for r in resources]
    assert len(keys) == len(set(keys))
    # a Patient is rewritten once, by its clinic's registration desk (managingOrganization)
    registered = {f"Patient/{r['id']}" for r in resources if r["resourceType"] == "Patient"}
    others = [r for r in resources if r["resourceType"] != "Patient"]
    subjects = {(r.get("subject") or r["beneficiary"])["reference"] for r in others}
    assert subjects | registered <= {f"Patient/{world.patient_id(p.index)}" for p in world.people}
    kinds = {r["resourceType"] for r in resources}
    assert {"Encounter", "Observation", "MedicationRequest"} <= kinds


def test_screening_finds_undiagnosed_people_and_care_takes_them_in() -> None:
    world = _world(3000)
    found = [(p, s) for p in world.people if (s := first_screen(world, p)) is not None and s.found]
    assert found, "a population of 3,000 has undiagnosed adults"
    person, screen = found[0]
    assert not {"diabetes", "hypertension"} & person.conditions.keys()
    patient = care.under_care(world, person, screen.day + 200)
    assert patient is not None and set(screen.found) <= patient.conditions_on(screen.day)
    assert all(day >= screen.day for day in patient.visits)


def test_control_follows_adherence() -> None:
    """After six months, diabetics with high adherence propensity have lower HbA1c than those
    with low propensity: the signal later adherence models must find in the record."""
    world = _world(6000)
    high, low = [], []
    for person in world.people:
        patient = care.under_care(world, person, 180)
        if patient is None or "diabetes" not in patient.diagnosed or not patient.visits:
            continue
        values = care.values_on(patient, 180)
        adherence = person.latent.adherence_propensity
        (high if adherence > 0.8 else low if adherence < 0.55 else []).append(values["hba1c"])
    assert len(high) > 30 and len(low) > 10
    assert mean(high) < mean(low) - 0.5


def test_course_moves_to_target_and_relapses_after_abandonment() -> None:
    plan = CarePlan(since=0, first_visit=10, cadence=60, attendance=1.0, abandon_day=200)
    assert course(9.0, 7.0, 90, plan, 10, 5) == 9.0
    assert 7.0 < course(9.0, 7.0, 90, plan, 10, 190) < course(9.0, 7.0, 90, plan, 10, 100)
    assert course(9.0, 7.0, 90, plan, 10, 400) > course(9.0, 7.0, 90, plan, 10, 200)

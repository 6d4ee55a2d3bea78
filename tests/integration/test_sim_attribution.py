"""The simulated registration desk on both stores: a person under care has
Patient.managingOrganization naming an existing Organization, the clinic of their visits (how
the indicators attribute patients to clinics); later visits leave the Patient alone; a person
who comes under care at another clinic is registered there."""

from __future__ import annotations

import dataclasses

import orjson
import pytest

from enlace.interactions.context import Services
from enlace.modules.catalog import facilities, load_catalogs
from enlace.sim.actors import care
from enlace.sim.driver import run_scenario, scenario_world
from enlace.sim.loader import load_population
from enlace.sim.population import generate
from enlace.store.bulk import PutItem

SEED, PEOPLE, DAYS = 23, 150, 40


@pytest.fixture
def simulated(services: Services) -> Services:
    load_catalogs(services)
    load_population(services, generate(PEOPLE, SEED, ["JAL", "NLE"]))
    run_scenario(services, DAYS)
    return services


def _current(services: Services, kind: str, rid: str) -> dict[str, object] | None:
    with services.db.read() as conn:
        stored = services.repo.current(conn, kind, rid)
    return orjson.loads(stored.content) if stored is not None and stored.content else None


def _visited(services: Services) -> dict[str, str]:
    """Patient id -> the Organization of their first visit in the run."""
    seen: dict[str, str] = {}
    for person in range(PEOPLE):
        pid = f"s{SEED}-{person}"
        for day in range(DAYS):
            visit = _current(services, "Encounter", f"{pid}-e{day}")
            if visit is not None:
                seen[pid] = str(visit["serviceProvider"]["reference"])  # type: ignore[index]
                break
    return seen


def test_a_patient_under_care_is_registered_with_their_clinic(simulated: Services) -> None:
    visited = _visited(simulated)
    assert len(visited) > 10
    for pid, clinic in visited.items():
        patient = _current(simulated, "Patient", pid)
        assert patient is not None
        assert patient["managingOrganization"] == {"reference": clinic}, pid
        assert _current(simulated, "Organization", clinic.removeprefix("Organization/"))
        assert simulated.validate(patient) == []
    never_seen = _current(simulated, "Patient", f"s{SEED}-{_not_under_care(visited)}")
    assert never_seen is not None and "managingOrganization" not in never_seen


def _not_under_care(visited: dict[str, str]) -> int:
    return next(i for i in range(PEOPLE) if f"s{SEED}-{i}" not in visited)


def test_later_visits_leave_the_patient_alone(simulated: Services) -> None:
    world = scenario_world(simulated)
    patients = (care.under_care(world, p, 365) for p in world.people)
    patient = next(p for p in patients if p and p.screen is None and len(p.visits) > 1)
    pid = world.patient_id(patient.person.index)
    assert care.registration(patient, 1, pid) == []
    assert care.registration(patient, 0, pid)[0]["id"] == pid


def test_coming_under_care_at_another_clinic_registers_the_patient_there(
    simulated: Services,
) -> None:
    world = scenario_world(simulated)
    visited = _visited(simulated)
    patients = (
        care.under_care(world, world.people[int(p.rsplit("-", 1)[1])], DAYS) for p in visited
    )
    patient = next(p for p in patients if p is not None and p.screen is None)
    pid = world.patient_id(patient.person.index)
    assert f"Organization/org-{patient.clinic.slug}" == visited[pid]
    other = next(f for f in facilities(None, "clinic-l1") if f.slug != patient.clinic.slug)
    moved = dataclasses.replace(patient, clinic=other)
    with simulated.db.begin() as conn:
        simulated.repo.put_many(conn, [PutItem(r) for r in care.registration(moved, 0, pid)])
    registered = _current(simulated, "Patient", pid)
    assert registered is not None
    assert registered["managingOrganization"] == {"reference": f"Organization/org-{other.slug}"}
    assert _current(simulated, "Organization", f"org-{other.slug}") is not None

"""The demo steps that need the scenario's people (sim/coordination_demo.py, sim/reports_demo.py)
on both stores, with a generated population of 150 (only their Patient records stored):
a bare monitoring ServiceRequest is routed once to the hospital of the patient's clinic; the
adverse-event reports carry the seeded association strongly enough for detection, and are not
drawn twice; the registry cases are written once and the registries select them."""

from __future__ import annotations

from datetime import date

import pytest

from enlace.interactions.context import Services
from enlace.modules import care, registry, vigilance
from enlace.modules.monitoring.care_team import hospital_for
from enlace.sim import coordination_demo, network, reports_demo
from enlace.sim.actor import World
from enlace.sim.loader import Scenario
from enlace.sim.population import generate

START = date(2026, 1, 1)


@pytest.fixture
def world(services: Services) -> World:
    people = generate(150, 7, ["CMX"], START).people
    made = World(services, Scenario(7, ("CMX",), START.isoformat(), 150), people)
    with services.db.begin() as conn:  # the records the reports name (the load writes more)
        for person in people:
            body = {"resourceType": "Patient", "gender": person.sex}
            services.repo.update(conn, body, made.patient_id(person.index))
    return made


def _bare_request(services: Services, patient: str) -> str:
    body = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "priority": "asap",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "3457005"}]},
        "subject": {"reference": f"Patient/{patient}"},
        "authoredOn": "2026-01-20T14:15:00Z",
        "note": [{"text": "Aumento de peso de 3.1 kg en 3 días"}],
    }
    with services.db.begin() as conn:
        return services.repo.create(conn, body).id


def test_a_bare_monitoring_request_is_routed_once(services: Services, world: World) -> None:
    person = world.people[0]
    patient = world.patient_id(person.index)
    bare = _bare_request(services, patient)
    [routed] = coordination_demo.route_bare_referrals(services, world)
    clinic = f"Organization/org-{network.clinic(person).slug}"
    with services.db.read() as conn:
        row = care.referral(conn, routed)
        old = services.repo.read(conn, "ServiceRequest", bare).resource()
    assert row.from_org == clinic and row.to_org == hospital_for(clinic)
    assert row.service == care.ALERT_SERVICE and row.status == "requested"
    assert old["status"] == "completed" and routed in old["note"][-1]["text"]
    assert coordination_demo.route_bare_referrals(services, world) == []
    closed = coordination_demo.close_monitoring_referral(services)
    assert closed is not None and closed.referral == routed and closed.status == "completed"


def test_the_seeded_association_is_detected(services: Services, world: World) -> None:
    made = reports_demo.seed_adverse_events(services, world, 30, 400)
    assert made == 400
    assert reports_demo.seed_adverse_events(services, world, 30, 400) == 0  # not twice
    with services.db.begin() as conn:
        vigilance.detect(conn, 0)
        found = {(s.drug, s.event): s for s in vigilance.listing(conn, None)}
    seeded = found.get(("enalapril", "10011224"))
    assert seeded is not None and seeded.figures["prr"] > 2, found.keys()


def test_registry_cases_are_written_once_and_selected(services: Services, world: World) -> None:
    ids = reports_demo.seed_registry_cases(services, world, 30)
    assert len(ids) == reports_demo.MIN_CASES and len(set(ids)) == len(ids)
    with services.db.read() as conn:
        versions = [services.repo.current(conn, "Condition", cid) for cid in ids]
    assert all(v is not None and v.version_id == 1 for v in versions)
    assert reports_demo.seed_registry_cases(services, world, 30) == ids
    with services.db.read() as conn:
        again = [services.repo.current(conn, "Condition", cid) for cid in ids]
    assert all(v is not None and v.version_id == 1 for v in again)  # nothing rewritten
    assert registry.select_cases(services.db, services.repo, 0) == len(ids)
    cancer = sum(row.cases for row in registry.indicators(services.db, "cancer"))
    rare = sum(row.cases for row in registry.indicators(services.db, "rare"))
    assert cancer + rare == len(ids) and cancer > 0 and rare > 0

"""Demo accounts: one per role, bound to the simulated network, passwords renewed on each run,
refused in production."""

from __future__ import annotations

import dataclasses

import pytest

from enlace.interactions.context import Services
from enlace.modules.catalog import load_catalogs
from enlace.security import users
from enlace.security.roles import ROLES
from enlace.sim.accounts import DemoRefused, make_accounts, plan_accounts
from enlace.sim.driver import run_scenario, scenario_world
from enlace.sim.loader import load_population
from enlace.sim.population import generate
from tests.integration.finance.conftest import empty_finance_tables


@pytest.fixture
def world_services(services: Services) -> Services:
    # make_accounts opens the demo wallet's books: start them empty (the PostgreSQL session's
    # ledger is shared, and other tests open accounts such as "bank" with other definitions)
    empty_finance_tables(services.db)
    load_catalogs(services)
    load_population(services, generate(120, 3, ["CMX"]))
    run_scenario(services, 45)
    return services


def test_one_account_per_role_bound_to_the_network(world_services: Services) -> None:
    planned = plan_accounts(scenario_world(world_services), 45)
    assert sorted(a.role for a in planned) == sorted(ROLES)
    by_role = {a.role: a for a in planned}
    doctor = by_role["physician"]
    assert doctor.fhir_user and doctor.fhir_user.startswith("Practitioner/pr-clinic-l1-")
    assert doctor.organization and doctor.organization.startswith("org-clinic-l1-")
    patient = by_role["patient"]
    assert patient.fhir_user == f"Patient/{patient.patients[0]}"
    with world_services.db.read() as conn:
        assert world_services.repo.current(conn, *doctor.fhir_user.split("/")) is not None
        encounters = [
            world_services.repo.current(conn, "Encounter", f"{patient.patients[0]}-e{day}")
            for day in range(45)
        ]
    assert any(e is not None for e in encounters)  # the demo patient has been seen


def test_passwords_are_renewed_and_production_refuses(world_services: Services) -> None:
    planned = plan_accounts(scenario_world(world_services), 45)
    with world_services.db.begin() as conn:
        first = dict((a.username, p) for a, p in make_accounts(world_services, conn, planned))
    with world_services.db.begin() as conn:
        second = dict((a.username, p) for a, p in make_accounts(world_services, conn, planned))
        assert users.get_user(conn, "medico") is not None
    assert first.keys() == second.keys() and all(first[k] != second[k] for k in first)
    production = dataclasses.replace(
        world_services,
        settings=dataclasses.replace(world_services.settings, environment="production"),
    )
    with world_services.db.begin() as conn, pytest.raises(DemoRefused):
        make_accounts(production, conn, planned)

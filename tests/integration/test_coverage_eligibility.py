"""Coverage on both stores: plans stored and valid, the Python API prescribing and dispensing
call, usage accumulated per coverage and per family policy, and the simulated Coverages."""

from __future__ import annotations

from datetime import date

import pytest

from enlace.interactions.context import Services
from enlace.modules import coverage
from enlace.modules.coverage import Reason
from enlace.modules.coverage.service import eligibility
from enlace.sim.driver import run_scenario
from enlace.sim.loader import load_population
from enlace.sim.population import generate
from tests.integration.coverage_support import eligibility_request, insured_world, medication_item

ON = date(2026, 2, 1)


@pytest.fixture
def world(services: Services) -> Services:
    return insured_world(services)


def test_plans_are_stored_valid_and_loading_again_changes_nothing(world: Services) -> None:
    with world.db.read() as conn:
        for plan in coverage.PLANS:
            stored = world.repo.read(conn, "InsurancePlan", plan.id).resource()
            assert world.validate(stored) == []
            assert stored["ownedBy"]["reference"] == f"Organization/org-{plan.payer}"
            assert world.repo.current(conn, "Organization", f"org-{plan.payer}") is not None
    again = coverage.load_plans(world)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(coverage.PLANS))


def test_python_api_checks_and_dispensing_counts_against_the_limits(world: Services) -> None:
    metformin = coverage.item("metformin-850-tab", packs=2)
    with world.db.begin() as conn:
        first = coverage.check(world, conn, "p-imss-cov", [metformin], ON)
        assert first.items[0].covered and first.items[0].patient_centavos == 0
        coverage.record_usage(conn, first)
    with world.db.begin() as conn:
        again = coverage.check(world, conn, "p-imss-cov", [metformin], ON)
        assert again.items[0].reason is Reason.FREQUENCY  # one dispense a month
        coverage.record_usage(conn, again)  # nothing covered: nothing counted
    with world.db.read() as conn:
        later = coverage.check(world, conn, "p-imss-cov", [metformin], date(2026, 3, 15))
        assert later.items[0].covered
        rows = conn.exec_driver_sql(
            "SELECT period, bucket, amount FROM coverage_accumulators "
            "WHERE holder = 'p-imss-cov' ORDER BY bucket"
        ).all()
    assert [tuple(r) for r in rows] == [
        ("w30-13", "fills:A10BA02", 1),
        ("y1", "paid", 9_000),
        ("y1", "paid:diabetes", 9_000),
        ("w30-13", "units:A10BA02", 60),
    ]


def test_unknown_coverage_is_no_policy_for_the_python_api(world: Services) -> None:
    with world.db.read() as conn:
        result = coverage.check(world, conn, "nobody-cov", [coverage.item("losartan-50-tab")], ON)
    assert not result.in_force and result.items[0].reason is Reason.NO_POLICY


def test_family_members_share_the_policy_deductible(world: Services) -> None:
    losartan = coverage.item("losartan-50-tab", packs=3)  # 156 MXN, generic tier copay 50 MXN
    with world.db.begin() as conn:
        parent = coverage.check(world, conn, "p-gmm-cov", [losartan], ON)
        assert parent.items[0].deductible_centavos == 15_600  # all of it towards 2,000 MXN
        coverage.record_usage(conn, parent)
    with world.db.read() as conn:
        child = coverage.check(world, conn, "p-gmm-child-cov", [losartan], ON)
        policy = next(r for r in child.items[0].remaining if r.name == "deductible:policy")
    assert policy.used == 2 * 15_600 and policy.allowed == 200_000


def test_service_answers_a_valid_coverage_eligibility_response(world: Services) -> None:
    items = [medication_item("metformin-850-tab"), medication_item("adalimumab-40-syringe")]
    request = eligibility_request(items=items, purpose=("benefits", "auth-requirements"))
    with world.db.read() as conn:
        answer = eligibility(world, conn, request)
    assert world.validate(answer) == []
    entries = answer["insurance"][0]["item"]
    assert [e["authorizationRequired"] for e in entries] == [False, True]
    assert answer["request"] == {"reference": "CoverageEligibilityRequest/req-1"}


def test_simulated_people_get_valid_deterministic_coverages(services: Services) -> None:
    insured_world(services)
    load_population(services, generate(120, 5, ["JAL", "NLE"]))
    report = run_scenario(services, 1)
    assert report.by_type.get("Coverage", 0) > 60
    with services.db.read() as conn:
        stored = [
            v.resource()
            for i in range(120)
            if (v := services.repo.current(conn, "Coverage", f"s5-{i}-cov")) is not None
        ]
    assert len(stored) == report.by_type["Coverage"]
    assert all(services.validate(c) == [] for c in stored)
    payers = {c["payor"][0]["reference"] for c in stored}
    assert {"Organization/org-imss", "Organization/org-imss-bienestar"} <= payers
    dependents = [c for c in stored if c["relationship"]["coding"][0]["code"] == "child"]
    assert dependents, "children are covered as dependents of an adult of their family"
    for child in dependents:
        head = next(c for c in stored if c["beneficiary"] == child["subscriber"])
        assert head["subscriberId"] == child["subscriberId"]
    with services.db.read() as conn:
        checked = coverage.check(
            services, conn, stored[0]["id"], [coverage.item("losartan-50-tab")], date(2026, 1, 1)
        )
    assert checked.in_force

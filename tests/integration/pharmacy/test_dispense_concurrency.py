"""Two counters at once on PostgreSQL: the same pack handed over twice, or the last unit in the
ledger sold twice — exactly one dispense succeeds, the other is refused, nothing half-written."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from enlace.interactions.context import Services
from enlace.modules import inventory
from tests.integration.claims.claims_support import PHARMACY
from tests.integration.pharmacy.dispense_support import (
    dispense_params,
    pharmacy_world,
    prescribed,
    stock,
)
from tests.support.fhir_calls import call

URL = "MedicationDispense/$dispense"


@pytest.fixture
def world(services: Services) -> Services:
    if services.db.dialect != "postgresql":
        pytest.skip("SQLite write transactions already run one at a time (BEGIN IMMEDIATE)")
    return pharmacy_world(services)


def at_once(world: Services, bodies: list[dict[str, Any]]) -> list[int]:
    from enlace.security.access import Access

    start = threading.Barrier(len(bodies))
    statuses: list[int] = [0] * len(bodies)

    def run(n: int) -> None:
        start.wait()
        statuses[n] = call(world, Access.internal(), "POST", URL, bodies[n]).status

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def dispensed(world: Services) -> int:
    with world.db.read() as conn:
        found = conn.exec_driver_sql(
            "SELECT count(*) FROM resources WHERE resource_type = 'MedicationDispense'"
        ).scalar()
    return int(found or 0)


def test_the_same_pack_at_two_counters(world: Services) -> None:
    packs = stock(world, 2)
    first, second = prescribed(world), prescribed(world)
    statuses = at_once(
        world, [dispense_params(first, packs[:1]), dispense_params(second, packs[:1])]
    )
    assert statuses == [200, 422]
    assert dispensed(world) == 1


def test_the_last_unit_at_two_counters(world: Services) -> None:
    packs = stock(world, 1) + stock(world, 1, book=False)  # trace has two, the ledger one
    first, second = prescribed(world), prescribed(world)
    statuses = at_once(
        world, [dispense_params(first, packs[:1]), dispense_params(second, packs[1:])]
    )
    assert statuses == [200, 409]
    with world.db.read() as conn:
        assert sum(lv.on_hand for lv in inventory.stock_on_hand(conn, PHARMACY)) == 0
    assert dispensed(world) == 1

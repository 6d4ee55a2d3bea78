"""Checking-then-recording usage is serialized per coverage and family policy on PostgreSQL:
a second transaction that reads the same accumulators waits for the first to commit (else two
pharmacies claiming at once could together pass a ceiling neither alone could)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest

from enlace.interactions.context import Services
from enlace.modules import coverage
from tests.integration.coverage_support import insured_world

HOLD = 1.0  # seconds the first transaction keeps its lock
ON = date(2026, 2, 1)


@pytest.fixture
def world(services: Services) -> Services:
    if services.db.dialect != "postgresql":
        pytest.skip("SQLite write transactions already run one at a time (BEGIN IMMEDIATE)")
    return insured_world(services)


def _second_waits(world: Services, first: str, second: str) -> float:
    """Seconds the second batch waited for its lock while the first held `first`'s."""
    locked, done = threading.Event(), threading.Event()

    def hold() -> None:
        with world.db.begin() as conn:
            coverage.CoverageBatch(world, conn, [first])
            locked.set()
            time.sleep(HOLD)
        done.set()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    started = time.monotonic()
    with world.db.begin() as conn:
        coverage.CoverageBatch(world, conn, [second])
        waited = time.monotonic() - started
    holder.join()
    assert done.is_set()
    return waited


def test_a_second_batch_on_the_same_coverage_waits_for_the_first(world: Services) -> None:
    assert _second_waits(world, "p-imss-cov", "p-imss-cov") >= HOLD * 0.8


def test_family_members_share_their_policy_lock(world: Services) -> None:
    assert _second_waits(world, "p-gmm-cov", "p-gmm-child-cov") >= HOLD * 0.8


def test_another_coverage_does_not_wait(world: Services) -> None:
    assert _second_waits(world, "p-gmm-cov", "p-imss-cov") < HOLD * 0.5


def test_check_with_lock_waits_too(world: Services) -> None:
    locked = threading.Event()

    def hold() -> None:
        with world.db.begin() as conn:
            coverage.CoverageBatch(world, conn, ["p-imss-cov"])
            locked.set()
            time.sleep(HOLD)

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    started = time.monotonic()
    with world.db.begin() as conn:
        metformin = coverage.item("metformin-850-tab")
        coverage.check(world, conn, "p-imss-cov", [metformin], ON, lock=True)
    holder.join()
    assert time.monotonic() - started >= HOLD * 0.8

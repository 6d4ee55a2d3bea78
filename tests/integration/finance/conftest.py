"""Fixtures for the finance tests: the ledger on both stores, with a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from enlace.interactions.context import Services
from enlace.kernel.ids import seeded_ids
from enlace.modules.finance import Ledger
from enlace.modules.finance.tables import LEDGER_TABLES, WALLET_TABLES
from enlace.store.database import Database
from tests.support.emptying import empty_tables

FINANCE_TABLES = [*LEDGER_TABLES, *WALLET_TABLES]


class ManualClock:
    """Time that stands still until the test moves it (hold timeouts)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def empty_finance_tables(db: Database) -> None:
    """The PostgreSQL test database lives for the session: start each test on empty books."""
    if db.dialect != "postgresql":
        return
    with db.begin() as conn:
        empty_tables(conn, FINANCE_TABLES)


@pytest.fixture
def db(services: Services) -> Iterator[Database]:
    empty_finance_tables(services.db)
    yield services.db


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def ledger(clock: ManualClock) -> Ledger:
    return Ledger(clock=clock, ids=seeded_ids(7))

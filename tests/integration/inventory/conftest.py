"""Fixtures for the inventory tests: the stock ledger on both stores, with empty tables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from enlace.interactions.context import Services
from enlace.kernel.ids import seeded_ids
from enlace.modules.inventory import Item, StockEvent, StockLedger
from enlace.modules.inventory.tables import INVENTORY_TABLES
from enlace.store.database import Database
from tests.support.emptying import empty_tables

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
HERE, THERE = "clinic-l1-imss-09003", "clinic-l1-imss-09005"
MET, INS = "metformin-850-tab", "abc-3tc-dtg-tab"
SOON, LATER = date(2026, 4, 30), date(2027, 1, 31)


def empty_inventory_tables(db: Database) -> None:
    """The PostgreSQL test database lives for the session: start each test with no stock."""
    if db.dialect != "postgresql":
        return
    with db.begin() as conn:
        empty_tables(conn, INVENTORY_TABLES)


@pytest.fixture
def db(services: Services) -> Iterator[Database]:
    empty_inventory_tables(services.db)
    yield services.db


@pytest.fixture
def ledger() -> StockLedger:
    return StockLedger(clock=lambda: T0, ids=seeded_ids(11))


def receipt(
    *items: tuple[str, str, int, date], facility: str = HERE, **fields: object
) -> StockEvent:
    lots = tuple(Item(p, lot, q, e) for p, lot, q, e in items)
    return StockEvent("receipt", facility, lots, fields.pop("at", T0), **fields)  # type: ignore[arg-type]


def event(
    kind: str, *items: tuple[str, str | None, int], facility: str = HERE, **fields: object
) -> StockEvent:
    lots = tuple(Item(p, lot, q) for p, lot, q in items)
    return StockEvent(kind, facility, lots, fields.pop("at", T0), **fields)  # type: ignore[arg-type]

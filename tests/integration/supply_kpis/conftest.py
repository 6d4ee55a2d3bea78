"""Fixtures for the stock-out KPI tests: empty ledger and KPI tables on both stores, and a small
ledger written through `inventory.StockLedger` whose KPIs are computed by hand below.

Day D = 2026-03-04. AMC window: the 90 days D-89 … D. Facility HERE (clinic-l1-imss-09003,
state 09, imss), THERE (clinic-l1-imss-09005, 09, imss).
- HERE metformin: 30 received D-40, 10 issued D-20, 20 issued D-5 -> 0 on hand (stocked out).
  Days out: D-89 … D-40 (zero at the start of each, 50) and D-5 … D (6) = 56. Issued 30.
  N = ceil(30 x 90 / 34) = 80, AMC = 26.67, MOS 0 -> under plan.
- HERE abacavir combo: 12 received D-10, 3 issued D-3 -> 9 on hand. Days out: D-89 … D-10 = 80.
  N = ceil(3 x 90 / 10) = 27, AMC 9, MOS 1 -> within plan; 0.3 a day -> 30 days of stock.
  HERE delivered every 60 days from 2026-04-30 -> next 2026-04-30, 57 days away: an alert,
  short ceil(0.3 x 57 - 9) = ceil(8.1) = 9.
- THERE metformin: 5 received D-2 -> 5 on hand, nothing issued: AMC 0, MOS unknown, no alert.
Network: 3 pairs, 1 stocked out (1/3), 2 assessed, 1 within plan, 2 facilities, HERE reported
(issues in the last 30 days), THERE did not (no issue, no earlier snapshot) -> 1/2.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from enlace.interactions.context import Services
from enlace.kernel.ids import seeded_ids
from enlace.modules import supply_kpis
from enlace.modules.inventory import Item, StockEvent, StockLedger
from enlace.store.database import Database
from tests.integration.inventory.conftest import empty_inventory_tables
from tests.support.emptying import empty_tables

D = date(2026, 3, 4)
HERE, THERE = "clinic-l1-imss-09003", "clinic-l1-imss-09005"
MET, ABC = "metformin-850-tab", "abc-3tc-dtg-tab"
EXPIRY = date(2027, 6, 30)


def at(days_before: int) -> datetime:
    return datetime(2026, 3, 4, 10, 0, tzinfo=UTC) - timedelta(days=days_before)


def empty_kpi_tables(db: Database) -> None:
    if db.dialect != "postgresql":
        return
    with db.begin() as conn:
        empty_tables(conn, supply_kpis.SUPPLY_KPI_TABLES)


@pytest.fixture
def db(services: Services) -> Iterator[Database]:
    empty_inventory_tables(services.db)
    empty_kpi_tables(services.db)
    yield services.db


@pytest.fixture
def ledger() -> StockLedger:
    return StockLedger(clock=lambda: datetime(2026, 3, 6, tzinfo=UTC), ids=seeded_ids(5))


def record(
    db: Database,
    ledger: StockLedger,
    kind: str,
    facility: str,
    product: str,
    quantity: int,
    days_before: int,
) -> None:
    lot = "L1" if kind == "receipt" else None
    expiry = EXPIRY if kind == "receipt" else None
    with db.begin() as conn:
        ledger.record(
            conn,
            StockEvent(kind, facility, (Item(product, lot, quantity, expiry),), at(days_before)),
        )


def hand_computed_ledger(db: Database, ledger: StockLedger) -> None:
    record(db, ledger, "receipt", HERE, MET, 30, 40)
    record(db, ledger, "issue", HERE, MET, 10, 20)
    record(db, ledger, "issue", HERE, MET, 20, 5)
    record(db, ledger, "receipt", HERE, ABC, 12, 10)
    record(db, ledger, "issue", HERE, ABC, 3, 3)
    record(db, ledger, "receipt", THERE, MET, 5, 2)
    with db.begin() as conn:
        supply_kpis.set_cycle(conn, HERE, 60, date(2026, 4, 30))

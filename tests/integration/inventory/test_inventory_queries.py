"""The reads the next parts stand on: stock per product, consumption, days out of stock (from
the running balances hitting zero) and the expiry lists, against hand-computed figures."""

from __future__ import annotations

from datetime import date, timedelta

from enlace.modules.inventory import (
    StockLedger,
    consumption,
    days_out_of_stock,
    expired_on_hand,
    near_expiry,
    stock_on_hand,
)
from enlace.store.database import Database
from tests.integration.inventory.conftest import HERE, INS, LATER, MET, SOON, T0, event, receipt
from tests.integration.inventory.test_inventory_ledger import record

DAY = timedelta(days=1)


def test_stock_per_product_sums_the_lots(db: Database, ledger: StockLedger) -> None:
    record(db, ledger, receipt((MET, "A", 5, LATER), (MET, "B", 3, SOON), (INS, "C", 2, LATER)))
    with db.read() as conn:
        summed = stock_on_hand(conn, HERE, by_lot=False)
        only = stock_on_hand(conn, HERE, product=INS)
    assert [(s.product, s.lot, s.expiry, s.on_hand) for s in summed] == [
        (INS, None, LATER, 2),
        (MET, None, SOON, 8),
    ]
    assert [(s.lot, s.on_hand) for s in only] == [("C", 2)]


def test_consumption_counts_issues_in_the_period_only(db: Database, ledger: StockLedger) -> None:
    record(db, ledger, receipt((MET, "A", 20, LATER), at=T0))
    record(db, ledger, event("issue", (MET, "A", 3), at=T0 + DAY))
    record(db, ledger, event("issue", (MET, "A", 4), at=T0 + 5 * DAY))
    record(db, ledger, event("adjustment", (MET, "A", 2), reason="damaged", at=T0 + 2 * DAY))
    record(db, ledger, event("issue", (MET, "A", 1), at=T0 + 40 * DAY))
    with db.read() as conn:
        assert consumption(conn, HERE, MET, T0, T0 + 30 * DAY) == 7
        assert consumption(conn, HERE, MET, T0 + 2 * DAY, T0 + 41 * DAY) == 5
        assert consumption(conn, HERE, INS, T0, T0 + 30 * DAY) == 0


def test_days_out_of_stock_from_balances_hitting_zero(db: Database, ledger: StockLedger) -> None:
    # Mar 2 10:00: 2 received (zero at the start of the day); Mar 4: both issued; Mar 7: 5
    # received (zero at the start of the day); Mar 9: a count finds 0. Days of Mar 1..10 with
    # zero at some moment: 1, 2, 4, 5, 6, 7, 9, 10 -> 8; Mar 3 alone -> 0.
    record(db, ledger, receipt((MET, "A", 2, LATER), at=T0))
    record(db, ledger, event("issue", (MET, "A", 2), at=T0 + 2 * DAY))
    record(db, ledger, receipt((MET, "A", 5, LATER), at=T0 + 5 * DAY))
    record(db, ledger, event("count", (MET, "A", 0), at=T0 + 7 * DAY))
    with db.read() as conn:
        assert days_out_of_stock(conn, HERE, MET, date(2026, 3, 1), date(2026, 3, 10)) == 8
        assert days_out_of_stock(conn, HERE, MET, date(2026, 3, 3), date(2026, 3, 3)) == 0
        assert days_out_of_stock(conn, HERE, INS, date(2026, 3, 1), date(2026, 3, 3)) == 3


def test_expiry_lists(db: Database, ledger: StockLedger) -> None:
    today = T0.date()
    record(
        db,
        ledger,
        receipt(
            (MET, "GONE", 2, today - DAY),
            (MET, "LAST", 1, today),
            (MET, "SOON", 4, today + 20 * DAY),
            (MET, "FAR", 9, today + 200 * DAY),
            (INS, "EMPTY", 1, today + 5 * DAY),
        ),
    )
    record(db, ledger, event("issue", (INS, "EMPTY", 1)))
    with db.read() as conn:
        near = near_expiry(conn, HERE, today, 30)
        expired = expired_on_hand(conn, HERE, today)
    assert [(s.lot, s.on_hand) for s in near] == [("LAST", 1), ("SOON", 4)]
    assert [(s.lot, s.on_hand) for s in expired] == [("GONE", 2)]

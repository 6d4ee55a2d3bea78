"""The database itself refuses what would break the stock ledger, whatever SQL is sent: negative
balances, rewritten or deleted lines, balances moved without a line, lines that do not continue
their card. And a concurrent issue of the last unit: exactly one pharmacist gets it."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy.exc import IntegrityError

from enlace.kernel.errors import FhirError
from enlace.modules.inventory import StockLedger
from enlace.store.database import Database
from tests.integration.inventory.conftest import HERE, LATER, MET, event, receipt
from tests.integration.inventory.test_inventory_ledger import on_hand, record

KEY = f"facility = '{HERE}' AND product = '{MET}' AND lot = 'A'"
LINE_COLUMNS = (
    "facility, product, lot, seq, event_id, event_line, kind, quantity, balance, expiry, "
    "occurred_us, recorded_us"
)


def line_values(seq: int, quantity: int, balance: int, event_id: str = "e-raw") -> str:
    return (
        f"INSERT INTO inventory_lines ({LINE_COLUMNS}) VALUES ('{HERE}', '{MET}', 'A', {seq}, "
        f"'{event_id}', 0, 'adjustment', {quantity}, {balance}, '{LATER.isoformat()}', 1, 1)"
    )


RAW_EVENT = (
    "INSERT INTO inventory_events (id, kind, facility, occurred_us, recorded_us, item_count) "
    f"VALUES ('e-raw', 'adjustment', '{HERE}', 1, 1, 1)"
)


@pytest.mark.parametrize(
    "statements",
    [
        [f"UPDATE inventory_balances SET on_hand = -1, seq = seq + 1 WHERE {KEY}"],
        [f"UPDATE inventory_balances SET on_hand = -1 WHERE {KEY}"],
        # moved without a line: the deferred foreign key fails the commit
        [f"UPDATE inventory_balances SET on_hand = 50, seq = seq + 1 WHERE {KEY}"],
        [f"UPDATE inventory_balances SET on_hand = 50 WHERE {KEY}"],
        [f"UPDATE inventory_balances SET expiry = '2030-01-01' WHERE {KEY}"],
        [f"DELETE FROM inventory_balances WHERE {KEY}"],
        [
            "INSERT INTO inventory_balances (facility, product, lot, expiry, on_hand, updated_us)"
            f" VALUES ('{HERE}', '{MET}', 'NEW', '2030-01-01', 5, 1)"
        ],
        ["UPDATE inventory_lines SET quantity = 500, balance = 500"],
        ["DELETE FROM inventory_lines"],
        ["UPDATE inventory_events SET facility = 'x'"],
        ["DELETE FROM inventory_events"],
        # a negative line, even with its balance row stepped to it
        [
            RAW_EVENT,
            f"UPDATE inventory_balances SET on_hand = 0, seq = 2 WHERE {KEY}",
            line_values(2, -6, -1),
        ],
        # a line whose balance does not follow the one before it (5 - 1 is not 3)
        [
            RAW_EVENT,
            f"UPDATE inventory_balances SET on_hand = 3, seq = 2 WHERE {KEY}",
            line_values(2, -1, 3),
        ],
        # a line that its balance row does not know
        [RAW_EVENT, line_values(2, -1, 4)],
    ],
)
def test_raw_sql_cannot_break_the_ledger(
    db: Database, ledger: StockLedger, statements: list[str]
) -> None:
    record(db, ledger, receipt((MET, "A", 5, LATER)))
    with pytest.raises(IntegrityError), db.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    assert on_hand(db) == {(MET, "A"): 5}


def test_a_consistent_raw_line_is_accepted(db: Database, ledger: StockLedger) -> None:
    """The triggers refuse what breaks the card, not SQL as such (the refusals above are real)."""
    record(db, ledger, receipt((MET, "A", 5, LATER)))
    with db.begin() as conn:
        conn.exec_driver_sql(RAW_EVENT)
        conn.exec_driver_sql(f"UPDATE inventory_balances SET on_hand = 4, seq = 2 WHERE {KEY}")
        conn.exec_driver_sql(line_values(2, -1, 4))
    assert on_hand(db) == {(MET, "A"): 4}


@pytest.mark.parametrize("pharmacists", [2, 8])
def test_concurrent_issues_of_the_last_units(
    db: Database, ledger: StockLedger, pharmacists: int
) -> None:
    record(db, ledger, receipt((MET, "A", 1, LATER)))
    start = threading.Barrier(pharmacists)
    outcomes: list[int] = []

    def dispense() -> None:
        start.wait(timeout=10)
        try:
            with db.begin() as conn:
                ledger.record(conn, event("issue", (MET, "A", 1)))
                time.sleep(0.05)  # hold the row lock so the others queue behind it
            outcomes.append(201)
        except FhirError as exc:
            outcomes.append(exc.status)

    threads = [threading.Thread(target=dispense) for _ in range(pharmacists)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == [201] + [409] * (pharmacists - 1)
    assert on_hand(db) == {}

"""The database itself refuses what would break the books, whatever SQL a client sends.

Raw SQL, bypassing the service: unbalanced postings, edits and deletes of entries, postings
added to a recorded transaction, orphan postings, a wallet pushed below its floor.
"""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from enlace.modules.finance import Ledger, Transfer
from enlace.store.database import Database


@pytest.fixture
def booked(db: Database, ledger: Ledger) -> str:
    """Two accounts and one recorded transfer of 1,000 centavos; returns its id."""
    with db.begin() as conn:
        ledger.open_account(conn, "bank", "asset")
        ledger.open_account(conn, "wallet", "liability", floor=0)
        return ledger.post_transfer(conn, Transfer.between("bank", "wallet", 1_000)).txn_id


def run(db: Database, *statements: str) -> None:
    with db.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def posting(txn: str, line: int, account: str, amount: int | float) -> str:
    return (
        "INSERT INTO ledger_postings (txn_id, line, account_id, currency, amount) "
        f"VALUES ('{txn}', {line}, '{account}', 'MXN', {amount})"
    )


def header(txn: str, count: int = 2) -> str:
    return (
        "INSERT INTO ledger_transactions (id, currency, posting_count, description, posted_us) "
        f"VALUES ('{txn}', 'MXN', {count}, 'raw', 1)"
    )


def test_unbalanced_insert_is_refused(db: Database, booked: str) -> None:
    with pytest.raises(DBAPIError, match="balance"):
        run(db, posting("t1", 0, "bank", 100), posting("t1", 1, "wallet", -90), header("t1"))


def test_balanced_raw_insert_is_accepted(db: Database, booked: str) -> None:
    run(db, posting("t2", 0, "bank", 100), posting("t2", 1, "wallet", -100), header("t2"))


def test_posting_count_must_match(db: Database, booked: str) -> None:
    with pytest.raises(DBAPIError, match="balance"):
        run(db, posting("t3", 0, "bank", 100), posting("t3", 1, "wallet", -100), header("t3", 3))


def test_posting_without_transaction_fails_the_commit(db: Database, booked: str) -> None:
    with pytest.raises(DBAPIError):
        run(db, posting("t4", 0, "bank", 100), posting("t4", 1, "wallet", -100))


def test_no_posting_added_to_a_recorded_transaction(db: Database, booked: str) -> None:
    with pytest.raises(DBAPIError, match="sealed"):
        run(db, posting(booked, 2, "bank", 0 + 5), posting(booked, 3, "wallet", -5))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_postings SET amount = amount * 2",
        "DELETE FROM ledger_postings",
        "UPDATE ledger_transactions SET description = 'edited'",
        "DELETE FROM ledger_transactions",
        "DELETE FROM ledger_accounts",
        "UPDATE ledger_accounts SET kind = 'asset' WHERE id = 'wallet'",
    ],
)
def test_entries_are_immutable(db: Database, booked: str, statement: str) -> None:
    with pytest.raises(DBAPIError, match="ledger"):
        run(db, statement)


def test_wallet_cannot_go_below_its_floor(db: Database, booked: str) -> None:
    with pytest.raises(DBAPIError):
        run(db, "UPDATE ledger_accounts SET posted = 1 WHERE id = 'wallet'")


def test_fractional_amounts(db: Database, booked: str) -> None:
    if db.dialect == "postgresql":
        pytest.skip("a BIGINT column cannot hold a fraction (PostgreSQL rounds on assignment)")
    with pytest.raises(DBAPIError):  # SQLite would store 0.5 as REAL without the CHECK
        run(db, posting("t5", 0, "bank", 0.5), posting("t5", 1, "wallet", -0.5), header("t5"))


def test_foreign_currency_posting(db: Database, booked: str) -> None:
    with pytest.raises(DBAPIError):  # the account is in MXN: the composite key refuses USD
        run(
            db,
            "INSERT INTO ledger_postings (txn_id, line, account_id, currency, amount) "
            "VALUES ('t6', 0, 'bank', 'USD', 5)",
        )


def test_a_hold_changes_once(db: Database, ledger: Ledger, booked: str) -> None:
    with db.begin() as conn:
        hold = ledger.place_hold(conn, Transfer.between("wallet", "bank", 10)).hold_id
        ledger.void_hold(conn, hold)
    with pytest.raises(DBAPIError, match="once"):
        run(db, f"UPDATE ledger_holds SET status = 'pending' WHERE id = '{hold}'")

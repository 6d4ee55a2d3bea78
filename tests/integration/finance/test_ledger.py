"""The ledger's service API on both stores: transfers, idempotency, reversals, holds, statements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection

from enlace.kernel.errors import FhirError
from enlace.modules.finance import Ledger, Posting, Transfer
from enlace.modules.finance.ledger_reports import account_statement, trial_balance
from enlace.store.database import Database
from tests.integration.finance.conftest import ManualClock


def open_books(ledger: Ledger, conn: Connection) -> None:
    ledger.open_account(conn, "bank", "asset", owner="Organization/enlace")
    ledger.open_account(conn, "wallet", "liability", owner="Group/family-1", floor=0)
    ledger.open_account(conn, "pharmacy", "liability", owner="Organization/farmacia-7")


def fund(ledger: Ledger, conn: Connection, amount: int, key: str | None = None) -> str:
    return ledger.post_transfer(
        conn, Transfer.between("bank", "wallet", amount, idempotency_key=key)
    ).txn_id


def spend(amount: int, key: str | None = None) -> Transfer:
    return Transfer.between("wallet", "pharmacy", amount, idempotency_key=key)


def issue_paths(exc: pytest.ExceptionInfo[FhirError]) -> list[str | None]:
    return [issue.expression for issue in exc.value.issues]


def test_transfer_moves_balances_and_books_balance(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        fund(ledger, conn, 50_000)
        ledger.post_transfer(conn, spend(12_345))
    with db.read() as conn:
        assert ledger.account(conn, "wallet").balance == 37_655
        assert ledger.account(conn, "bank").balance == 50_000
        assert ledger.account(conn, "pharmacy").balance == 12_345
        assert trial_balance(conn).balanced


def test_multi_posting_transaction(db: Database, ledger: Ledger) -> None:
    copay = Transfer(
        (Posting("bank", 10_000), Posting("wallet", -7_000), Posting("pharmacy", -3_000))
    )
    with db.begin() as conn:
        open_books(ledger, conn)
        recorded = ledger.post_transfer(conn, copay)
        assert ledger.transaction(conn, recorded.txn_id).postings == copay.postings
        assert trial_balance(conn).total_posted == 0


def test_same_key_same_body_returns_the_same_transaction(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        first = fund(ledger, conn, 1_000, key="deposit-1")
    with db.begin() as conn:
        again = ledger.post_transfer(
            conn, Transfer.between("bank", "wallet", 1_000, idempotency_key="deposit-1")
        )
        assert again.txn_id == first and again.replayed
        assert ledger.account(conn, "wallet").balance == 1_000


def test_same_key_other_body_is_409(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        fund(ledger, conn, 1_000, key="deposit-1")
    with pytest.raises(FhirError) as exc, db.begin() as conn:
        fund(ledger, conn, 2_000, key="deposit-1")
    assert exc.value.status == 409
    assert issue_paths(exc) == ["transfers[0].idempotencyKey"]


def test_same_key_twice_in_one_batch(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        first, second = ledger.post_transfers(
            conn, [Transfer.between("bank", "wallet", 5, idempotency_key="k")] * 2
        )
        assert second.txn_id == first.txn_id and second.replayed
        assert ledger.account(conn, "wallet").balance == 5
        with pytest.raises(FhirError) as exc:
            ledger.post_transfers(
                conn,
                [
                    Transfer.between("bank", "wallet", 5, idempotency_key="j"),
                    Transfer.between("bank", "wallet", 6, idempotency_key="j"),
                ],
            )
        assert exc.value.status == 409 and issue_paths(exc) == ["transfers[1].idempotencyKey"]


def test_overdraft_of_a_wallet_is_409(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        fund(ledger, conn, 1_000)
    with pytest.raises(FhirError) as exc, db.begin() as conn:
        ledger.post_transfer(conn, spend(1_001))
    assert exc.value.status == 409
    assert issue_paths(exc) == ["transfers[0].postings[0].amount"]
    with db.read() as conn:
        assert ledger.account(conn, "wallet").balance == 1_000


def test_a_batch_is_all_or_nothing(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
    batch = [Transfer.between("bank", "wallet", 500), spend(400), spend(200)]
    with pytest.raises(FhirError) as exc, db.begin() as conn:
        ledger.post_transfers(conn, batch)
    assert issue_paths(exc) == ["transfers[2].postings[0].amount"]
    with db.read() as conn:
        assert ledger.account(conn, "wallet").balance == 0
        assert ledger.account(conn, "bank").balance == 0


def test_unknown_account_is_422(db: Database, ledger: Ledger) -> None:
    with pytest.raises(FhirError) as exc, db.begin() as conn:
        open_books(ledger, conn)
        ledger.post_transfer(conn, Transfer.between("bank", "nowhere", 10))
    assert exc.value.status == 422
    assert issue_paths(exc) == ["transfers[0].postings[1].account"]


def test_reversal_mirrors_and_links_once(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        fund(ledger, conn, 3_000)
        wrong = ledger.post_transfer(conn, spend(1_000)).txn_id
        reversal = ledger.reverse(conn, wrong, description="wrong pharmacy")
        assert ledger.account(conn, "wallet").balance == 3_000
        assert ledger.account(conn, "pharmacy").balance == 0
        assert ledger.reverse(conn, wrong).txn_id == reversal.txn_id
        mirrored = ledger.transaction(conn, reversal.txn_id)
        assert [p.amount for p in mirrored.postings] == [-1_000, 1_000]
        assert trial_balance(conn).balanced


def test_reversal_that_would_overdraw_is_409(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        deposit = fund(ledger, conn, 1_000)
        ledger.post_transfer(conn, spend(600))
    with pytest.raises(FhirError) as exc, db.begin() as conn:
        ledger.reverse(conn, deposit)
    assert exc.value.status == 409


def test_hold_reserves_then_posts(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        fund(ledger, conn, 1_000)
        hold = ledger.place_hold(conn, spend(700, key="dispense-1"), timeout=timedelta(hours=1))
        wallet = ledger.account(conn, "wallet")
        assert (wallet.balance, wallet.available) == (1_000, 300)
        with pytest.raises(FhirError) as exc:
            ledger.post_transfer(conn, spend(301))
        assert exc.value.status == 409
        assert ledger.place_hold(conn, spend(700, key="dispense-1")).hold_id == hold.hold_id
        posted = ledger.post_hold(conn, hold.hold_id)
        assert ledger.post_hold(conn, hold.hold_id) == posted.__class__(posted.txn_id, True)
        wallet = ledger.account(conn, "wallet")
        assert (wallet.balance, wallet.available) == (300, 300)
        assert ledger.hold_status(conn, hold.hold_id) == "posted"
        assert trial_balance(conn).balanced


def test_void_releases_and_cannot_post(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        fund(ledger, conn, 1_000)
        hold = ledger.place_hold(conn, spend(700))
        assert ledger.void_hold(conn, hold.hold_id) is True
        assert ledger.void_hold(conn, hold.hold_id) is False
        assert ledger.account(conn, "wallet").available == 1_000
        with pytest.raises(FhirError) as exc:
            ledger.post_hold(conn, hold.hold_id)
        assert exc.value.status == 409


def test_hold_timeout_releases_funds(db: Database, ledger: Ledger, clock: ManualClock) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        fund(ledger, conn, 1_000)
        hold = ledger.place_hold(conn, spend(900), timeout=timedelta(minutes=15))
    clock.advance(timedelta(minutes=15))
    with db.begin() as conn:
        assert ledger.hold_status(conn, hold.hold_id) == "expired"
        with pytest.raises(FhirError) as exc:
            ledger.post_hold(conn, hold.hold_id)
        assert exc.value.status == 409 and "expired" in exc.value.message
    with db.begin() as conn:
        ledger.post_transfer(conn, spend(1_000))  # the expired hold no longer blocks the funds
        assert ledger.account(conn, "wallet").available == 0
        assert trial_balance(conn).balanced


def test_expire_holds_sweeps(db: Database, ledger: Ledger, clock: ManualClock) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        fund(ledger, conn, 1_000)
        for _ in range(3):
            ledger.place_hold(conn, spend(100), timeout=timedelta(seconds=30))
        ledger.place_hold(conn, spend(100))
    clock.advance(timedelta(minutes=1))
    with db.begin() as conn:
        assert ledger.expire_holds(conn) == 3
        assert ledger.account(conn, "wallet").available == 900
        assert trial_balance(conn).balanced


def test_statement_pages(db: Database, ledger: Ledger, clock: ManualClock) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        for n in range(1, 6):
            clock.advance(timedelta(seconds=1))
            fund(ledger, conn, n * 100)
    with db.read() as conn:
        first = account_statement(conn, "wallet", -1, limit=2)
        second = account_statement(conn, "wallet", -1, after=first.next_cursor, limit=2)
        third = account_statement(conn, "wallet", -1, after=second.next_cursor, limit=2)
    amounts = [line.amount for page in (first, second, third) for line in page.lines]
    assert amounts == [100, 200, 300, 400, 500]
    assert third.next_cursor is None


def test_opening_an_account_twice(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        open_books(ledger, conn)  # same definitions: no-op
        with pytest.raises(FhirError) as exc:
            ledger.open_account(conn, "wallet", "liability", floor=None)
        assert exc.value.status == 409


def test_replayed_hold_after_a_sweep_keeps_balances(
    db: Database, ledger: Ledger, clock: ManualClock
) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        fund(ledger, conn, 1_000)
        ledger.place_hold(conn, spend(200, key="h1"))
        ledger.place_hold(conn, spend(300), timeout=timedelta(seconds=1))
    clock.advance(timedelta(seconds=2))
    with db.begin() as conn:  # the replay sweeps the expired hold before it answers
        assert ledger.place_hold(conn, spend(200, key="h1")).replayed
    with db.read() as conn:
        assert ledger.account(conn, "wallet").available == 800
        assert trial_balance(conn).balanced


def test_voiding_an_overdue_hold_releases_it_now(
    db: Database, ledger: Ledger, clock: ManualClock
) -> None:
    with db.begin() as conn:
        open_books(ledger, conn)
        fund(ledger, conn, 1_000)
        hold = ledger.place_hold(conn, spend(400), timeout=timedelta(minutes=1))
    clock.advance(timedelta(minutes=2))
    with db.begin() as conn:
        assert ledger.void_hold(conn, hold.hold_id) is False  # it had expired
        assert ledger.account(conn, "wallet").available == 1_000
        assert trial_balance(conn).balanced

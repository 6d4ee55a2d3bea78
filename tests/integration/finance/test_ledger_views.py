"""Read-only views for pages on both stores: accounts by prefix, movements newest first, the
ageing of a receivable (first in, first out), the wallets a person belongs to."""

from __future__ import annotations

from datetime import timedelta

import pytest

from enlace.kernel.errors import FhirError
from enlace.modules.finance import (
    Ageing,
    Ledger,
    Transfer,
    Wallets,
    accounts_with_prefix,
    ageing,
    member_wallets,
    recent_statement,
)
from enlace.store.database import Database
from tests.integration.finance.conftest import ManualClock

RECEIVABLE = "receivable:farmacia-7:imss"


def open_books(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        for account, kind in [
            (RECEIVABLE, "asset"),
            ("receivable:farmacia-7:issste", "asset"),
            ("receivable:farmacia-70:imss", "asset"),
            ("receivable_other", "asset"),
            ("copay-receivable:farmacia-7", "asset"),
            ("income:dispensing:farmacia-7", "income"),
            ("bank", "asset"),
        ]:
            ledger.open_account(conn, account, kind)


def test_accounts_with_prefix_is_literal(db: Database, ledger: Ledger) -> None:
    open_books(db, ledger)
    with db.begin() as conn:
        found = [a.id for a in accounts_with_prefix(conn, "receivable:farmacia-7:")]
        assert found == [
            "receivable:farmacia-7:imss",
            "receivable:farmacia-7:issste",
        ]
        assert [a.id for a in accounts_with_prefix(conn, "PHARMACY")] == []  # case matters
        assert len(accounts_with_prefix(conn, "receivable")) == 4
        assert len(accounts_with_prefix(conn, "receivable", limit=2)) == 2
        with pytest.raises(FhirError) as refused:
            accounts_with_prefix(conn, "")
        assert refused.value.status == 400


def owe(db: Database, ledger: Ledger, amount: int, key: str) -> None:
    with db.begin() as conn:
        ledger.post_transfer(
            conn,
            Transfer.between(
                RECEIVABLE,
                "income:dispensing:farmacia-7",
                amount,
                idempotency_key=key,
                reference=f"Claim/{key}",
            ),
        )


def pay(db: Database, ledger: Ledger, amount: int, key: str) -> None:
    with db.begin() as conn:
        ledger.post_transfer(
            conn, Transfer.between("bank", RECEIVABLE, amount, idempotency_key=key)
        )


def test_recent_statement_pages_newest_first(
    db: Database, ledger: Ledger, clock: ManualClock
) -> None:
    open_books(db, ledger)
    for n in range(5):
        owe(db, ledger, 1_000 * (n + 1), f"c{n}")
        clock.advance(timedelta(minutes=1))
    with db.begin() as conn:
        first = recent_statement(conn, RECEIVABLE, 1, limit=2)
        assert [line.amount for line in first.lines] == [5_000, 4_000]
        assert first.next_cursor is not None
        second = recent_statement(conn, RECEIVABLE, 1, before=first.next_cursor, limit=2)
        assert [line.reference for line in second.lines] == ["Claim/c2", "Claim/c1"]
        last = recent_statement(conn, RECEIVABLE, 1, before=second.next_cursor, limit=2)
        assert [line.amount for line in last.lines] == [1_000] and last.next_cursor is None
        for bad in ("nonsense", ":x", "12:"):
            with pytest.raises(FhirError) as refused:
                recent_statement(conn, RECEIVABLE, 1, before=bad)
            assert refused.value.outcome()["issue"][0]["expression"] == ["before"]


def test_ageing_settles_the_oldest_first(db: Database, ledger: Ledger, clock: ManualClock) -> None:
    open_books(db, ledger)
    owe(db, ledger, 10_000, "old")  # 100 days old at the end
    clock.advance(timedelta(days=50))
    owe(db, ledger, 20_000, "mid")  # 50 days old
    clock.advance(timedelta(days=20))
    pay(db, ledger, 12_000, "pay-1")  # pays the oldest 10,000 and 2,000 of the next
    clock.advance(timedelta(days=20))
    owe(db, ledger, 5_000, "new")  # 10 days old
    clock.advance(timedelta(days=10))
    now_us = ledger.now_us()
    with db.begin() as conn:
        account = ledger.account(conn, RECEIVABLE)
        aged = ageing(conn, account, now_us)
        assert aged == Ageing(days_0_30=5_000, days_31_60=18_000)
        assert aged.total == account.balance == 23_000
        assert ageing(conn, ledger.account(conn, "bank"), now_us) == Ageing(days_0_30=12_000)
        assert ageing(conn, ledger.account(conn, "copay-receivable:farmacia-7"), now_us).total == 0


def test_ageing_boundaries(db: Database, ledger: Ledger, clock: ManualClock) -> None:
    open_books(db, ledger)
    # Entries 91, 61, 31 and 30 days old at the end: each on the far side of a boundary but one.
    for amount, then in ((9_100, 30), (6_100, 30), (3_100, 1), (3_000, 30)):
        owe(db, ledger, amount, f"owed-{amount}")
        clock.advance(timedelta(days=then))
    with db.begin() as conn:
        aged = ageing(conn, ledger.account(conn, RECEIVABLE), ledger.now_us())
    assert aged == Ageing(days_0_30=3_000, days_31_60=3_100, days_61_90=6_100, over_90=9_100)


def test_member_wallets(db: Database, ledger: Ledger) -> None:
    family = Wallets(ledger)
    with db.begin() as conn:
        family.open_wallet(conn, "fam-1")
        family.open_wallet(conn, "fam-2")
        family.set_member(conn, "fam-1", "Patient/ana", 30_000)
        family.set_member(conn, "fam-2", "Patient/ana", 10_000)
        family.set_member(conn, "fam-1", "Patient/luis", 5_000)
        mine = member_wallets(conn, ["Patient/ana"])
        assert [(m.wallet_id, m.monthly_cap) for m in mine] == [
            ("fam-1", 30_000),
            ("fam-2", 10_000),
        ]
        both = member_wallets(conn, ["Patient/luis", "Patient/ana", "Patient/ana"])
        assert [(m.member, m.wallet_id) for m in both][-1] == ("Patient/luis", "fam-1")
        assert member_wallets(conn, ["Patient/nadie"]) == [] == member_wallets(conn, [])

"""The family wallet on both stores: pooled deposits, capped charges held at dispensing, statements."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection

from enlace.kernel.errors import FhirError
from enlace.modules.finance import HoldPlaced, Ledger, Recorded
from enlace.modules.finance.ledger_reports import trial_balance
from enlace.modules.finance.wallet import Wallets, period_of
from enlace.modules.finance.wallet_statement import member_statement
from enlace.store.database import Database
from tests.integration.finance.conftest import ManualClock

MOTHER, SON = "Patient/ana", "Patient/luis"


@pytest.fixture
def wallets(db: Database, ledger: Ledger) -> Wallets:
    family = Wallets(ledger)
    with db.begin() as conn:
        ledger.open_account(conn, "bank", "asset")
        ledger.open_account(conn, "pharmacy", "liability", owner="Organization/farmacia-7")
        family.open_wallet(conn, "fam-1", owner="Group/family-1")
        family.set_member(conn, "fam-1", MOTHER, monthly_cap=300_000)
        family.set_member(conn, "fam-1", SON, monthly_cap=50_000)
    return family


def deposit(
    wallets: Wallets, conn: Connection, member: str, amount: int, key: str | None = None
) -> Recorded:
    return wallets.deposit(
        conn, "fam-1", member, amount, source_account="bank", idempotency_key=key
    )


def charge(
    wallets: Wallets, conn: Connection, member: str, amount: int, **kwargs: Any
) -> HoldPlaced:
    return wallets.charge(conn, "fam-1", member, amount, payee_account="pharmacy", **kwargs)


def test_members_pool_and_spend(db: Database, ledger: Ledger, wallets: Wallets) -> None:
    with db.begin() as conn:
        deposit(wallets, conn, MOTHER, 100_000)
        deposit(wallets, conn, SON, 20_000)
        held = charge(wallets, conn, SON, 30_000, reference="MedicationDispense/1")
        assert ledger.account(conn, "wallet:fam-1").available == 90_000
        wallets.settle(conn, held.hold_id)
        assert ledger.account(conn, "wallet:fam-1").balance == 90_000
        assert ledger.account(conn, "pharmacy").balance == 30_000
        assert wallets.spent(conn, "fam-1", SON) == 30_000
        assert trial_balance(conn).balanced


def test_member_cannot_exceed_cap(db: Database, wallets: Wallets) -> None:
    with db.begin() as conn:
        deposit(wallets, conn, MOTHER, 200_000)
        charge(wallets, conn, SON, 40_000)
    with pytest.raises(FhirError) as exc, db.begin() as conn:
        charge(wallets, conn, SON, 10_001)
    assert exc.value.status == 409
    assert [i.expression for i in exc.value.issues] == ["charge.amount"]
    assert "cap" in exc.value.message


def test_released_and_expired_charges_free_the_cap(
    db: Database, wallets: Wallets, clock: ManualClock
) -> None:
    with db.begin() as conn:
        deposit(wallets, conn, MOTHER, 200_000)
        first = charge(wallets, conn, SON, 50_000)
        wallets.release(conn, first.hold_id)
        charge(wallets, conn, SON, 50_000, timeout=timedelta(minutes=10))
    clock.advance(timedelta(minutes=10))
    with db.begin() as conn:
        charge(wallets, conn, SON, 50_000)  # the timed-out hold no longer counts
        assert wallets.spent(conn, "fam-1", SON) == 50_000


def test_cap_resets_each_month(db: Database, wallets: Wallets, clock: ManualClock) -> None:
    with db.begin() as conn:
        deposit(wallets, conn, MOTHER, 200_000)
        wallets.settle(conn, charge(wallets, conn, SON, 50_000).hold_id)
    clock.advance(timedelta(days=31))
    with db.begin() as conn:
        charge(wallets, conn, SON, 50_000)
        assert wallets.spent(conn, "fam-1", SON) == 50_000


def test_wallet_balance_limits_everyone(db: Database, wallets: Wallets) -> None:
    with db.begin() as conn:
        deposit(wallets, conn, SON, 40_000)
        charge(wallets, conn, MOTHER, 30_000)
    with pytest.raises(FhirError) as exc, db.begin() as conn:
        charge(wallets, conn, MOTHER, 10_001)  # within her cap, beyond the pool
    assert exc.value.status == 409 and "Insufficient funds" in exc.value.message


def test_replayed_charge_and_deposit(db: Database, ledger: Ledger, wallets: Wallets) -> None:
    with db.begin() as conn:
        first = deposit(wallets, conn, MOTHER, 60_000, key="dep-1")
        assert deposit(wallets, conn, MOTHER, 60_000, key="dep-1").txn_id == first.txn_id
        held = charge(wallets, conn, SON, 50_000, idempotency_key="disp-1")
        again = charge(wallets, conn, SON, 50_000, idempotency_key="disp-1")
        assert again.hold_id == held.hold_id and again.replayed
        assert ledger.account(conn, "wallet:fam-1").available == 10_000
        with pytest.raises(FhirError) as exc:
            charge(wallets, conn, SON, 40_000, idempotency_key="disp-1")
        assert exc.value.status == 409
        page = member_statement(conn, wallets, "fam-1", SON)
        assert len(page.entries) == 1


def test_statement_per_member_is_paged(db: Database, wallets: Wallets, clock: ManualClock) -> None:
    with db.begin() as conn:
        deposit(wallets, conn, MOTHER, 100_000)
        for amount in (1_000, 2_000, 3_000):
            clock.advance(timedelta(minutes=1))
            deposit(wallets, conn, SON, amount)
        clock.advance(timedelta(minutes=1))
        charge(wallets, conn, SON, 4_000)
    with db.read() as conn:
        first = member_statement(conn, wallets, "fam-1", SON, limit=3)
        second = member_statement(conn, wallets, "fam-1", SON, limit=3, after=first.next_cursor)
    assert [(e.kind, e.amount, e.status) for e in first.entries] == [
        ("charge", 4_000, "pending"),
        ("deposit", 3_000, "posted"),
        ("deposit", 2_000, "posted"),
    ]
    assert [e.amount for e in second.entries] == [1_000] and second.next_cursor is None
    assert (first.spent, first.monthly_cap, first.wallet_available) == (4_000, 50_000, 102_000)
    assert first.period == period_of(first.entries[0].created_at)


def test_bad_wallet_input(db: Database, wallets: Wallets) -> None:
    with db.begin() as conn:
        with pytest.raises(FhirError) as exc:
            charge(wallets, conn, "Patient/stranger", 100)
        assert exc.value.status == 422
        with pytest.raises(FhirError) as exc:
            deposit(wallets, conn, MOTHER, -100)
        assert exc.value.status == 400 and exc.value.issues[0].expression == "deposit.amount"
        with pytest.raises(FhirError) as exc:
            wallets.set_member(conn, "fam-1", SON, monthly_cap=-1)
        assert exc.value.issues[0].expression == "member.monthlyCap"
        with pytest.raises(FhirError) as exc:
            wallets.charge(conn, "nope", SON, 100, payee_account="pharmacy")
        assert exc.value.status == 404


def test_month_is_mexico_city_time() -> None:
    from datetime import UTC, datetime

    assert period_of(datetime(2026, 2, 1, 5, 30, tzinfo=UTC)) == "2026-01"  # 23:30 on Jan 31
    assert period_of(datetime(2026, 2, 1, 6, 0, tzinfo=UTC)) == "2026-02"


def test_concurrent_charges_respect_the_cap(db: Database, wallets: Wallets) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with db.begin() as conn:
        deposit(wallets, conn, MOTHER, 1_000_000)

    def attempt(n: int) -> bool:
        try:
            with db.begin() as conn:
                charge(wallets, conn, SON, 20_000, idempotency_key=f"race-{n}")
            return True
        except FhirError as exc:
            assert exc.status == 409
            return False

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, range(6)))
    assert outcomes.count(True) == 2  # 2 x 200.00 fit the son's 500.00 cap, a third does not
    with db.read() as conn:
        assert wallets.spent(conn, "fam-1", SON) == 40_000

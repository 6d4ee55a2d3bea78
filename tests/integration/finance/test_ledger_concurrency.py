"""Writers racing for the same wallet: the account lock lets exactly the funded ones through."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from enlace.kernel.errors import FhirError
from enlace.modules.finance import Ledger, Transfer
from enlace.modules.finance.ledger_reports import trial_balance
from enlace.store.database import Database


def test_concurrent_spends_never_overdraw(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        ledger.open_account(conn, "bank", "asset")
        ledger.open_account(conn, "pharmacy", "liability")
        ledger.open_account(conn, "wallet", "liability", floor=0)
        ledger.post_transfer(conn, Transfer.between("bank", "wallet", 1_000))

    def spend(n: int) -> bool:
        try:
            with db.begin() as conn:
                key = f"spend-{n}"
                transfer = Transfer.between("wallet", "pharmacy", 300, idempotency_key=key)
                ledger.post_transfer(conn, transfer)
            return True
        except FhirError as exc:
            assert exc.status == 409
            return False

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(spend, range(8)))
    assert outcomes.count(True) == 3
    with db.read() as conn:
        assert ledger.account(conn, "wallet").balance == 100
        assert trial_balance(conn).balanced


def test_concurrent_replays_of_one_key(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        ledger.open_account(conn, "bank", "asset")
        ledger.open_account(conn, "wallet", "liability", floor=0)

    def deposit(_n: int) -> str:
        with db.begin() as conn:
            transfer = Transfer.between("bank", "wallet", 500, idempotency_key="once")
            return ledger.post_transfer(conn, transfer).txn_id

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = set(pool.map(deposit, range(6)))
    assert len(ids) == 1  # every racer gets the one transaction, none a conflict
    with db.read() as conn:
        assert ledger.account(conn, "wallet").balance == 500

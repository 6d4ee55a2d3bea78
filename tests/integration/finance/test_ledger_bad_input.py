"""Bad input to the ledger: refused with a 4xx naming the field, and nothing written."""

from __future__ import annotations

import pytest

from enlace.kernel.errors import FhirError
from enlace.modules.finance import Ledger, Posting, Transfer
from enlace.store.database import Database


def refused(db: Database, ledger: Ledger, transfer: Transfer) -> FhirError:
    with pytest.raises(FhirError) as exc, db.begin() as conn:
        ledger.open_account(conn, "bank", "asset")
        ledger.open_account(conn, "wallet", "liability", floor=0)
        ledger.post_transfer(conn, transfer)
    return exc.value


def paths(error: FhirError) -> list[str | None]:
    return [issue.expression for issue in error.issues]


@pytest.mark.parametrize("amount", [-100, 0, 10.5, "100", True])
def test_between_needs_positive_whole_centavos(amount: object) -> None:
    with pytest.raises(FhirError) as exc:
        Transfer.between("bank", "wallet", amount)
    assert exc.value.status == 400 and paths(exc.value) == ["amount"]


def test_fractional_centavos(db: Database, ledger: Ledger) -> None:
    error = refused(db, ledger, Transfer((Posting("bank", 10.5), Posting("wallet", -10.5))))
    assert error.status == 400
    assert paths(error) == ["transfers[0].postings[0].amount", "transfers[0].postings[1].amount"]


def test_zero_posting(db: Database, ledger: Ledger) -> None:
    error = refused(db, ledger, Transfer((Posting("bank", 0), Posting("wallet", 0))))
    assert error.status == 400 and "zero" in error.message


def test_unbalanced_postings(db: Database, ledger: Ledger) -> None:
    error = refused(db, ledger, Transfer((Posting("bank", 100), Posting("wallet", -90))))
    assert error.status == 400 and paths(error) == ["transfers[0]"]
    assert "sum to 10" in error.message


def test_one_posting_is_not_a_transaction(db: Database, ledger: Ledger) -> None:
    error = refused(db, ledger, Transfer((Posting("bank", 100),)))
    assert paths(error) == ["transfers[0].postings"]


def test_other_currency(db: Database, ledger: Ledger) -> None:
    error = refused(db, ledger, Transfer.between("bank", "wallet", 100, currency="USD"))
    assert error.status == 400 and paths(error) == ["transfers[0].currency"]


def test_account_in_other_currency(db: Database, ledger: Ledger) -> None:
    with pytest.raises(FhirError) as exc, db.begin() as conn:
        ledger.open_account(conn, "dollars", "asset", currency="USD")
    assert exc.value.status == 400 and paths(exc.value) == ["account.currency"]


def test_unknown_account_kind(db: Database, ledger: Ledger) -> None:
    with pytest.raises(FhirError) as exc, db.begin() as conn:
        ledger.open_account(conn, "x", "revenue")
    assert paths(exc.value) == ["account.kind"]


def test_amount_too_large(db: Database, ledger: Ledger) -> None:
    huge = 10**16
    error = refused(db, ledger, Transfer((Posting("bank", huge), Posting("wallet", -huge))))
    assert error.status == 400 and "exceeds" in error.message


def test_hold_bad_input(db: Database, ledger: Ledger) -> None:
    with pytest.raises(FhirError) as exc, db.begin() as conn:
        ledger.place_hold(conn, Transfer((Posting("bank", 5), Posting("wallet", -4))))
    assert exc.value.status == 400 and paths(exc.value) == ["hold"]


def test_unknown_hold_and_transaction(db: Database, ledger: Ledger) -> None:
    with db.begin() as conn:
        for call in (ledger.post_hold, ledger.void_hold, ledger.reverse):
            with pytest.raises(FhirError) as exc:
                call(conn, "missing")
            assert exc.value.status == 404

"""The ledger's input checks, without a database."""

from __future__ import annotations

import pytest

from enlace.kernel.errors import FhirError
from enlace.modules.finance import Account, Posting, Transfer
from enlace.modules.finance.ledger_model import check_transfers


def paths(transfers: list[Transfer]) -> list[str | None]:
    with pytest.raises(FhirError) as exc:
        check_transfers(transfers)
    assert exc.value.status == 400
    return [issue.expression for issue in exc.value.issues]


def test_every_problem_of_every_transfer_is_reported() -> None:
    good = Transfer.between("a", "b", 5)
    bad_amount = Transfer((Posting("a", 1.5), Posting("b", -1.5)))
    bad_account = Transfer((Posting("", 5), Posting("b", -5)), currency="EUR")
    assert paths([good, bad_amount, bad_account]) == [
        "transfers[1].postings[0].amount",
        "transfers[1].postings[1].amount",
        "transfers[2].currency",
        "transfers[2].postings[0].account",
    ]


def test_request_hash_ignores_the_key_only() -> None:
    one = Transfer.between("a", "b", 5, idempotency_key="k")
    assert one.request_hash() == Transfer.between("a", "b", 5).request_hash()
    assert one.request_hash() != Transfer.between("a", "b", 6).request_hash()
    assert one.request_hash() != Transfer.between("a", "b", 5, reference="Claim/1").request_hash()


def test_available_excludes_holds_that_lower_the_balance() -> None:
    wallet = Account("w", "liability", -1, "MXN", None, "", 0, posted=-1_000)
    wallet.pending_debits, wallet.pending_credits = 300, 50
    assert (wallet.balance, wallet.available) == (1_000, 700)
    cash = Account("c", "asset", 1, "MXN", None, "", None, posted=1_000, pending_credits=200)
    assert cash.available == 800


def test_long_idempotency_key() -> None:
    assert paths([Transfer.between("a", "b", 5, idempotency_key="k" * 201)]) == [
        "transfers[0].idempotencyKey"
    ]


def test_time_ordered_ids_sort_by_creation() -> None:
    import time
    import uuid

    from enlace.modules.finance.ledger import time_ordered_ids

    first = time_ordered_ids()
    time.sleep(0.002)
    second = time_ordered_ids()
    assert first < second and uuid.UUID(second).version == 7

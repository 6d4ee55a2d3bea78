"""An installment plan booked in the ledger and paid off, on both stores."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from enlace.kernel.errors import FhirError
from enlace.modules.finance import Ledger, plan, trial_balance
from enlace.modules.finance.installment_booking import (
    PlanAccounts,
    book_plan,
    record_installment,
)
from enlace.store.database import Database

ACCOUNTS = PlanAccounts(
    receivable="plan-receivable:Patient/ana",
    provider="payable:Organization/clinica-3",
    cash="bank",
    interest_income="income:interest",
    fee_income="income:fees",
)


def test_plan_paid_off(db: Database, ledger: Ledger) -> None:
    treatment = plan(100_000, Decimal("0.12"), 3, date(2026, 3, 1), opening_fee=1_500)
    with db.begin() as conn:
        ledger.open_account(conn, ACCOUNTS.receivable, "asset", owner="Patient/ana")
        ledger.open_account(conn, ACCOUNTS.provider, "liability")
        ledger.open_account(conn, ACCOUNTS.cash, "asset")
        ledger.open_account(conn, ACCOUNTS.interest_income, "income")
        ledger.open_account(conn, ACCOUNTS.fee_income, "income")
        booked = book_plan(ledger, conn, "p1", treatment, ACCOUNTS)
        assert book_plan(ledger, conn, "p1", treatment, ACCOUNTS).txn_id == booked.txn_id
        for number in (1, 2, 3, 3):  # the last one twice: recorded once
            record_installment(ledger, conn, "p1", treatment, number, ACCOUNTS)
        assert ledger.account(conn, ACCOUNTS.receivable).balance == 0
        assert ledger.account(conn, ACCOUNTS.interest_income).balance == 2_007
        assert ledger.account(conn, ACCOUNTS.cash).balance == treatment.total_paid == 103_507
        assert trial_balance(conn).balanced
        with pytest.raises(FhirError) as exc:
            record_installment(ledger, conn, "p1", treatment, 4, ACCOUNTS)
        assert exc.value.status == 400

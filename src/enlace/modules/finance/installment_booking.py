"""An installment plan in the books: the financed treatment, the opening fee, each payment.

The network pays (or owes) the provider the amount financed and holds a receivable from the
patient; the opening fee is collected on day 0, as the CAT assumes; each installment paid moves
its principal off the receivable and its interest into income. Idempotency keys derive from the
plan id, so booking or recording a payment twice records it once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from enlace.kernel.errors import bad_request
from enlace.modules.finance.installments import InstallmentPlan
from enlace.modules.finance.ledger import Ledger
from enlace.modules.finance.ledger_model import Posting, Recorded, Transfer


@dataclass(frozen=True, slots=True)
class PlanAccounts:
    receivable: str  # asset: what the patient still owes on the plan
    provider: str  # liability: what the network owes the clinic or pharmacy for the treatment
    cash: str  # asset: where the patient's payments arrive
    interest_income: str  # income
    fee_income: str  # income


def book_plan(
    ledger: Ledger, conn: Connection, plan_id: str, plan: InstallmentPlan, accounts: PlanAccounts
) -> Recorded:
    """Record the financed treatment and the opening fee collected on day 0."""
    postings = [
        Posting(accounts.receivable, plan.amount_financed),
        Posting(accounts.provider, -plan.amount_financed),
    ]
    if plan.opening_fee:
        postings += [
            Posting(accounts.cash, plan.opening_fee),
            Posting(accounts.fee_income, -plan.opening_fee),
        ]
    transfer = Transfer(
        tuple(postings),
        idempotency_key=f"installment-plan:{plan_id}:open",
        description=f"Installment plan {plan_id}: {len(plan.installments)} months",
        reference=f"installment-plan/{plan_id}",
    )
    return ledger.post_transfer(conn, transfer)


def record_installment(
    ledger: Ledger,
    conn: Connection,
    plan_id: str,
    plan: InstallmentPlan,
    number: int,
    accounts: PlanAccounts,
) -> Recorded:
    """Record installment `number` (1-based) as paid: principal off the receivable, interest in."""
    if not 1 <= number <= len(plan.installments):
        raise bad_request(f"The plan has installments 1 to {len(plan.installments)}", "number")
    due = plan.installments[number - 1]
    postings = [Posting(accounts.cash, due.payment), Posting(accounts.receivable, -due.principal)]
    if due.interest:
        postings.append(Posting(accounts.interest_income, -due.interest))
    transfer = Transfer(
        tuple(postings),
        idempotency_key=f"installment-plan:{plan_id}:{number}",
        description=f"Installment {number} of plan {plan_id}",
        reference=f"installment-plan/{plan_id}",
    )
    return ledger.post_transfer(conn, transfer)

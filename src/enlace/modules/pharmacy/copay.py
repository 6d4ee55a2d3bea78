"""The patient's share paid at the counter from their family's solidarity wallet (issue 7 part
7, "holds at dispensing"), in the dispense's transaction.

The wallet is charged for the member (a hold, within their monthly cap and the pool's balance)
and, the medicine being handed over in the same unit of work, the hold is settled at once. The
payee is what the share settles: the copay receivable the claim just posted, or — without a
claim — the pharmacy's dispensing income (a cash sale). A wallet that cannot pay refuses the
whole dispense (409 naming the reason); the pharmacist can dispense again without it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.kernel.errors import Issue
from enlace.modules.finance import Ledger, Wallets, member_wallets


def pay_from_wallet(
    services: Any,
    conn: Connection,
    patient: str,
    pharmacy: str,
    amount: int,
    claimed: bool,
    dispense_id: str,
    where: str,
) -> str | None:
    """The wallet that paid (None when there was nothing to pay)."""
    if amount <= 0:
        return None
    found = member_wallets(conn, [patient])
    if not found:
        raise errors.FhirError(
            422, [Issue("business-rule", f"{patient} is a member of no family wallet", where)]
        )
    wallet = found[0].wallet_id
    ledger = Ledger(clock=services.repo.clock)
    payee = f"copay-receivable:{pharmacy}" if claimed else f"income:dispensing:{pharmacy}"
    kind = "asset" if claimed else "income"
    ledger.open_account(conn, payee, kind, owner=f"Organization/org-{pharmacy}")
    try:
        hold = Wallets(ledger).charge(
            conn,
            wallet,
            patient,
            amount,
            payee_account=payee,
            idempotency_key=f"dispense-copay:{dispense_id}",
            reference=f"MedicationDispense/{dispense_id}",
        )
        Wallets(ledger).settle(conn, hold.hold_id)
    except errors.FhirError as exc:
        issue = exc.issues[0]
        raise errors.FhirError(
            exc.status, [Issue(issue.code, f"wallet: {issue.diagnostics}", where)]
        ) from None
    return wallet

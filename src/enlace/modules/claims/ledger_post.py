"""An adjudicated claim in the books (enlace.modules.finance), one transfer per claim.

For a payer Y and pharmacy X, a claim the payer pays P of and the patient C:
  expense:claims:Y +P / claims-payable:Y -P          (the payer's liability)
  receivable:X:Y +P, copay-receivable:X +C  (what X is owed, by Y and by the patient)
  income:dispensing:X -(P + C)
Balanced by construction; zero legs are left out. The idempotency key is `claim:<Claim id>`,
so posting a claim again records nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from enlace.modules.finance import Ledger, Posting, Transfer

from .domain import Decision

KINDS = {
    "expense": "expense",
    "claims-payable": "liability",
    "receivable": "asset",
    "copay-receivable": "asset",
    "income": "income",
}


def claim_transfer(decision: Decision, payer: str) -> Transfer | None:
    claim = decision.claim
    return transfer(
        claim.claim_id,
        claim.provider_slug,
        payer,
        decision.payer_centavos,
        decision.patient_centavos,
    )


def transfer(claim_id: str, pharmacy: str, payer: str, paid: int, copay: int) -> Transfer | None:
    """The claim's transfer (None when nothing is owed: a refused claim moves no money)."""
    legs = [
        (f"expense:claims:{payer}", paid),
        (f"claims-payable:{payer}", -paid),
        (f"receivable:{pharmacy}:{payer}", paid),
        (f"copay-receivable:{pharmacy}", copay),
        (f"income:dispensing:{pharmacy}", -(paid + copay)),
    ]
    postings = tuple(Posting(account, amount) for account, amount in legs if amount)
    if len(postings) < 2:
        return None
    return Transfer(
        postings,
        idempotency_key=f"claim:{claim_id}",
        description=f"claim {claim_id}: payer {paid}, copay {copay} centavos",
        reference=f"Claim/{claim_id}",
    )


def post_claims(conn: Connection, ledger: Ledger, paid: Sequence[tuple[Decision, str]]) -> int:
    transfers = [t for d, payer in paid if (t := claim_transfer(d, payer)) is not None]
    return post(conn, ledger, transfers)


def post(conn: Connection, ledger: Ledger, transfers: Sequence[Transfer]) -> int:
    """Open the accounts the transfers need (idempotent), then post them all at once."""
    accounts = sorted({p.account for t in transfers for p in t.postings})
    for account in accounts:
        prefix = account.split(":", 1)[0]
        ledger.open_account(conn, account, KINDS[prefix], owner=_owner(account))
    if transfers:
        ledger.post_transfers(conn, transfers)
    return len(transfers)


def _owner(account: str) -> str:
    parts = account.split(":")
    slug = parts[2] if parts[0] in ("expense", "income") else parts[1]
    return f"Organization/org-{slug}"

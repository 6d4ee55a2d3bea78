"""Capital contributions (certificados de aportación) recorded in the finance ledger.

Each contribution is a ledger transfer from the cooperative's cash to the member's capital
account `coop:capital:<member>` (equity); the transaction id is the certificate's number. On
withdrawal the member's capital is refunded in one transfer back, so the capital account ends at
zero. The ledger is reached only through finance's public API.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.modules.coop.members import get_member
from enlace.modules.finance import Ledger, Transfer, account_statement

CASH = "coop:cash"


@dataclass(frozen=True, slots=True)
class Certificate:
    number: str  # the ledger transaction id
    member_id: str
    amount: int  # centavos; negative for a refund


def capital_account(member_id: str) -> str:
    return f"coop:capital:{member_id}"


def open_books(conn: Connection, ledger: Ledger) -> None:
    """The cooperative's own accounts (idempotent)."""
    ledger.open_account(conn, CASH, "asset", name="Caja de la cooperativa")
    for account, name in FUNDS.items():
        ledger.open_account(conn, account, "equity", name=name)
    ledger.open_account(conn, SURPLUS, "equity", name="Excedentes del ejercicio")


def contribute(conn: Connection, ledger: Ledger, member_id: str, amount: int) -> Certificate:
    """A capital certificate for an active member; 400 for a bad amount, 409 if not active."""
    member = get_member(conn, member_id)
    if member.status != "active":
        text = f"{member_id} is {member.status}; only active members contribute capital"
        raise errors.error(409, "business-rule", text, "member")
    if not isinstance(amount, int) or amount <= 0:
        raise errors.error(400, "value", "a contribution is a positive centavo amount", "amount")
    open_books(conn, ledger)
    account = capital_account(member_id)
    ledger.open_account(conn, account, "equity", owner=member_id, name=f"Capital {member.name}")
    recorded = ledger.post_transfer(
        conn,
        Transfer.between(CASH, account, amount, description="certificado de aportación"),
    )
    return Certificate(recorded.txn_id, member_id, amount)


def capital_balance(conn: Connection, ledger: Ledger, member_id: str) -> int:
    try:
        return ledger.account(conn, capital_account(member_id)).balance
    except errors.FhirError as missing:
        if missing.status == 404:
            return 0
        raise


def certificates(conn: Connection, ledger: Ledger, member_id: str) -> list[Certificate]:
    if not _has_account(conn, ledger, member_id):
        return []
    page = account_statement(conn, capital_account(member_id), -1, limit=500)
    return [Certificate(line.txn_id, member_id, line.amount) for line in page.lines]


def refund(conn: Connection, ledger: Ledger, member_id: str) -> Certificate | None:
    """Return a withdrawn member's whole capital; None when there is nothing to return."""
    member = get_member(conn, member_id)
    if member.status != "withdrawn":
        text = f"{member_id} is {member.status}; capital is refunded after withdrawal"
        raise errors.error(409, "business-rule", text, "member")
    balance = capital_balance(conn, ledger, member_id)
    if balance <= 0:
        return None
    recorded = ledger.post_transfer(
        conn,
        Transfer.between(
            capital_account(member_id), CASH, balance, description="reembolso de aportación"
        ),
    )
    return Certificate(recorded.txn_id, member_id, -balance)


def _has_account(conn: Connection, ledger: Ledger, member_id: str) -> bool:
    try:
        ledger.account(conn, capital_account(member_id))
    except errors.FhirError:
        return False
    return True


# Declared here (not in surplus.py) so opening the books needs no import cycle.
RESERVE = "coop:fund:reserve"
EDUCATION = "coop:fund:education"
SURPLUS = "coop:surplus"
FUNDS = {RESERVE: "Fondo de reserva", EDUCATION: "Fondo de educación cooperativa"}

"""Accounts: opening them, reading them, and the locked working set a write moves in memory.

Running balances live on the account row (`posted`, `pending_debits`, `pending_credits`) and are
moved in the same database transaction as the postings and holds that change them. A batch
locks its accounts once (in id order, so two batches cannot deadlock), moves the balances in a
`BalanceBook`, checks each account against its floor after every transfer, and writes each
changed account once: updating a hot row once per transfer would leave PostgreSQL a chain of
row versions to walk inside one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

from enlace.kernel.errors import FhirError, Issue, conflict, error
from enlace.modules.finance.ledger_model import (
    CURRENCY,
    MAX_ID_LENGTH,
    NORMAL_SIDE,
    Account,
    amount_issues,
    currency_issues,
    text_issues,
)
from enlace.modules.finance.ledger_sql import select_where_in, update_by_id
from enlace.modules.finance.tables import accounts

_SELECT = (
    "SELECT id, kind, normal, currency, owner, name, floor, posted, pending_debits, "
    "pending_credits FROM ledger_accounts"
)


def open_account(
    conn: Connection,
    account_id: str,
    kind: str,
    *,
    now_us: int,
    owner: str | None = None,
    name: str = "",
    currency: str = CURRENCY,
    floor: int | None = None,
) -> Account:
    """Create the account, or return it when it exists with the same definition (else 409)."""
    _check_definition(account_id, kind, currency, floor)
    wanted = Account(account_id, kind, NORMAL_SIDE[kind], currency, owner, name, floor)
    existing = read_accounts(conn, [account_id]).get(account_id)
    if existing is not None:
        if _definition(existing) != _definition(wanted):
            raise conflict(f"Account '{account_id}' exists with another definition")
        return existing
    conn.execute(
        accounts.insert().values(
            id=account_id,
            kind=kind,
            normal=wanted.normal,
            currency=currency,
            owner=owner,
            name=name,
            floor=floor,
            created_us=now_us,
        )
    )
    return wanted


def _definition(account: Account) -> tuple[object, ...]:
    return (account.kind, account.currency, account.owner, account.name, account.floor)


def _check_definition(account_id: str, kind: str, currency: str, floor: int | None) -> None:
    issues = text_issues(account_id, "account.id", MAX_ID_LENGTH, optional=False)
    if kind not in NORMAL_SIDE:
        issues.append(Issue("code-invalid", f"Unknown account kind {kind!r}", "account.kind"))
    issues += currency_issues(currency, "account.currency")
    if floor is not None:
        issues += amount_issues(floor, "account.floor", allow_zero=True)
    if issues:
        raise FhirError(400, issues)


def read_accounts(
    conn: Connection, ids: Iterable[str], *, for_update: bool = False
) -> dict[str, Account]:
    wanted = sorted(set(ids))
    lock = "ORDER BY id FOR UPDATE" if for_update and conn.dialect.name == "postgresql" else ""
    rows = select_where_in(conn, _SELECT, "id", wanted, lock)
    return {row[0]: Account(*row) for row in rows}


def get_account(conn: Connection, account_id: str) -> Account:
    account = read_accounts(conn, [account_id]).get(account_id)
    if account is None:
        raise error(404, "not-found", f"Unknown account '{account_id}'", "account")
    return account


class BalanceBook:
    """The accounts one write touches, locked, with their balances moved in memory."""

    def __init__(self, conn: Connection, account_ids: Iterable[str]) -> None:
        self.accounts = read_accounts(conn, account_ids, for_update=True)

    def require(self, account_id: str, currency: str, where: str) -> Account:
        account = self.accounts.get(account_id)
        if account is None:
            raise error(422, "not-found", f"Unknown account '{account_id}'", where)
        if account.currency != currency:
            raise error(
                422,
                "business-rule",
                f"Account '{account_id}' is in {account.currency}, the transfer in {currency}",
                where,
            )
        return account

    def post(self, account_id: str, amount: int) -> None:
        account = self.accounts[account_id]
        account.posted += amount
        account.changed = True

    def hold(self, account_id: str, amount: int, sign: int = 1) -> None:
        """Reserve (sign 1) or release (sign -1) a hold line's amount on its account."""
        account = self.accounts[account_id]
        if amount > 0:
            account.pending_debits += sign * amount
        else:
            account.pending_credits -= sign * amount
        account.changed = True

    def check_floor(self, account_id: str, where: str) -> None:
        account = self.accounts[account_id]
        if account.floor is not None and account.available < account.floor:
            raise error(
                409,
                "business-rule",
                f"Insufficient funds in '{account_id}': available {account.available} "
                f"centavos would fall below {account.floor}",
                where,
            )

    def has_pending_on_floored(self) -> bool:
        return any(
            a.floor is not None and (a.pending_debits or a.pending_credits)
            for a in self.accounts.values()
        )

    def flush(self, conn: Connection) -> None:
        """Write each changed account once (the floor CHECK constraint backs `check_floor`)."""
        rows = [
            (a.id, a.posted, a.pending_debits, a.pending_credits)
            for a in self.accounts.values()
            if a.changed
        ]
        update_by_id(conn, accounts, ("posted", "pending_debits", "pending_credits"), rows)
        for account in self.accounts.values():
            account.changed = False

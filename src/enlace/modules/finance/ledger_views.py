"""Read-only views of the books for pages: accounts by id prefix, movements newest first, the
ageing of a receivable, and the wallets a person belongs to.

Nothing here writes. Account ids follow the conventions in docs/finance.md (for example
`receivable:<pharmacy>:<payer>`), so a prefix selects one owner's accounts of a kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from enlace.kernel.errors import bad_request
from enlace.modules.finance.ledger_model import Account
from enlace.modules.finance.ledger_reports import Page, statement_page
from enlace.modules.finance.tables import accounts, postings, transactions, wallet_members

DAY_US = 86_400 * 1_000_000
# Ageing buckets by days since the entry was posted: 0-30, 31-60, 61-90, over 90.
AGEING_LIMITS = (30, 60, 90)


def accounts_with_prefix(conn: Connection, prefix: str, *, limit: int = 500) -> list[Account]:
    """Accounts whose id starts with `prefix` (taken literally), in id order, at most `limit`."""
    if not prefix:
        raise bad_request("An account prefix is required", "prefix")
    if not 1 <= limit <= 5000:
        raise bad_request("limit must be between 1 and 5000", "limit")
    query = (
        select(
            accounts.c.id,
            accounts.c.kind,
            accounts.c.normal,
            accounts.c.currency,
            accounts.c.owner,
            accounts.c.name,
            accounts.c.floor,
            accounts.c.posted,
            accounts.c.pending_debits,
            accounts.c.pending_credits,
        )
        # substr equality, not LIKE (case-insensitive on SQLite, wildcards) nor a range (which a
        # PostgreSQL collation may order differently from code points).
        .where(func.substr(accounts.c.id, 1, len(prefix)) == prefix)
        .order_by(accounts.c.id)
        .limit(limit)
    )
    return [Account(*row) for row in conn.execute(query)]


def recent_statement(
    conn: Connection, account_id: str, normal: int, *, before: str | None = None, limit: int = 20
) -> Page:
    """The account's movements, newest first, in keyset pages (`before` = the previous page's
    `next_cursor`). Amounts are on the account's normal side, as in `account_statement`."""
    return statement_page(conn, account_id, normal, before, limit, newest_first=True)


@dataclass(frozen=True, slots=True)
class Ageing:
    """An account's balance split by the age of the entries that make it up (centavos)."""

    days_0_30: int = 0
    days_31_60: int = 0
    days_61_90: int = 0
    over_90: int = 0

    @property
    def total(self) -> int:
        return self.days_0_30 + self.days_31_60 + self.days_61_90 + self.over_90


def ageing(conn: Connection, account: Account, now_us: int) -> Ageing:
    """Age the balance first in, first out: payments settle the oldest entries, so what is
    still owed is made of the newest entries that raised the balance. A zero or negative
    balance has nothing to age."""
    owed = account.balance
    buckets = [0, 0, 0, 0]
    if owed <= 0:
        return Ageing()
    raising = postings.c.amount > 0 if account.normal == 1 else postings.c.amount < 0
    query = (
        select(transactions.c.posted_us, postings.c.amount)
        .join(transactions, transactions.c.id == postings.c.txn_id)
        .where(postings.c.account_id == account.id, raising)
        .order_by(transactions.c.posted_us.desc(), transactions.c.id.desc())
        .execution_options(yield_per=500)
    )
    for posted_us, amount in conn.execute(query):
        part = min(owed, abs(int(amount)))
        buckets[_bucket(max(0, now_us - posted_us) // DAY_US)] += part
        owed -= part
        if owed == 0:
            break
    buckets[-1] += (
        owed  # only if the postings no longer explain the balance (never, in sound books)
    )
    return Ageing(*buckets)


def _bucket(days: int) -> int:
    for index, limit in enumerate(AGEING_LIMITS):
        if days <= limit:
            return index
    return len(AGEING_LIMITS)


@dataclass(frozen=True, slots=True)
class Membership:
    wallet_id: str
    member: str
    monthly_cap: int


def member_wallets(conn: Connection, members: Sequence[str]) -> list[Membership]:
    """The wallets these members (e.g. `Patient/x`) belong to, by member then wallet id."""
    wanted = sorted(set(members))
    if not wanted:
        return []
    query = (
        select(wallet_members.c.wallet_id, wallet_members.c.member, wallet_members.c.monthly_cap)
        .where(wallet_members.c.member.in_(wanted))
        .order_by(wallet_members.c.member, wallet_members.c.wallet_id)
    )
    return [Membership(w, m, int(cap)) for w, m, cap in conn.execute(query)]

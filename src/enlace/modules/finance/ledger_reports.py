"""Reading the books: trial balance, running balances checked against postings, statements.

`trial_balance` is what the property test and an operator's check call: the posted balances of
all accounts sum to zero, pending debits equal pending credits, and every account's running
balance equals what its postings and pending hold lines add up to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, func, or_, select

from enlace.kernel.errors import bad_request
from enlace.modules.finance.tables import accounts, hold_lines, holds, postings, transactions


@dataclass(frozen=True, slots=True)
class TrialBalance:
    total_posted: int  # sum of every account's posted balance: zero in balanced books
    pending_debits: int
    pending_credits: int
    mismatched: list[str] = field(default_factory=list)  # accounts whose running balance is off

    @property
    def balanced(self) -> bool:
        return (
            self.total_posted == 0
            and self.pending_debits == self.pending_credits
            and not self.mismatched
        )


def trial_balance(conn: Connection) -> TrialBalance:
    running = {
        row.id: (row.posted, row.pending_debits, row.pending_credits)
        for row in conn.execute(
            select(
                accounts.c.id,
                accounts.c.posted,
                accounts.c.pending_debits,
                accounts.c.pending_credits,
            )
        )
    }
    from_postings = dict(
        conn.execute(
            select(postings.c.account_id, func.sum(postings.c.amount)).group_by(
                postings.c.account_id
            )
        ).all()
    )
    held = _pending_from_holds(conn)
    mismatched = sorted(
        account
        for account, (posted, debits, credits) in running.items()
        if (posted, debits, credits)
        != (int(from_postings.get(account, 0)), *held.get(account, (0, 0)))
    )
    return TrialBalance(
        total_posted=sum(r[0] for r in running.values()),
        pending_debits=sum(r[1] for r in running.values()),
        pending_credits=sum(r[2] for r in running.values()),
        mismatched=mismatched,
    )


def _pending_from_holds(conn: Connection) -> dict[str, tuple[int, int]]:
    """Per account, (pending debits, pending credits) recomputed from the pending holds' lines."""
    positive = func.sum(func.abs(hold_lines.c.amount) + hold_lines.c.amount) / 2
    negative = func.sum(func.abs(hold_lines.c.amount) - hold_lines.c.amount) / 2
    query = (
        select(hold_lines.c.account_id, positive, negative)
        .join(holds, holds.c.id == hold_lines.c.hold_id)
        .where(holds.c.status == "pending")
        .group_by(hold_lines.c.account_id)
    )
    return {account: (int(d), int(c)) for account, d, c in conn.execute(query)}


@dataclass(frozen=True, slots=True)
class StatementLine:
    txn_id: str
    posted_us: int
    amount: int  # on the account's normal side: positive raises its balance
    description: str
    reference: str | None
    reverses: str | None


@dataclass(frozen=True, slots=True)
class Page:
    lines: list[StatementLine]
    next_cursor: str | None  # pass back as `after` for the next page; None on the last page


def account_statement(
    conn: Connection, account_id: str, normal: int, *, after: str | None = None, limit: int = 50
) -> Page:
    """The account's postings, oldest first, in keyset pages of `limit`."""
    return statement_page(conn, account_id, normal, after, limit, newest_first=False)


def statement_page(
    conn: Connection,
    account_id: str,
    normal: int,
    cursor: str | None,
    limit: int,
    *,
    newest_first: bool,
) -> Page:
    """One keyset page of the account's movements, each transaction summed on the account's
    normal side; `cursor` is the previous page's `next_cursor` (named `before` newest first,
    `after` oldest first, in the problems it raises)."""
    if not 1 <= limit <= 1000:
        raise bad_request("limit must be between 1 and 1000", "limit")
    posted, txn = transactions.c.posted_us, transactions.c.id
    query = (
        select(
            txn,
            posted,
            func.sum(postings.c.amount),
            transactions.c.description,
            transactions.c.reference,
            transactions.c.reverses,
        )
        .join(transactions, txn == postings.c.txn_id)
        .where(postings.c.account_id == account_id)
        .group_by(txn)
        .order_by(*((posted.desc(), txn.desc()) if newest_first else (posted, txn)))
        .limit(limit + 1)
    )
    if cursor is not None:
        stamp, last = _parse_cursor(cursor, "before" if newest_first else "after")
        if newest_first:
            query = query.where(or_(posted < stamp, and_(posted == stamp, txn < last)))
        else:
            query = query.where(or_(posted > stamp, and_(posted == stamp, txn > last)))
    rows = conn.execute(query).all()
    lines = [StatementLine(r[0], r[1], normal * int(r[2]), r[3], r[4], r[5]) for r in rows[:limit]]
    next_cursor = f"{lines[-1].posted_us}:{lines[-1].txn_id}" if len(rows) > limit else None
    return Page(lines, next_cursor)


def _parse_cursor(cursor: str, where: str) -> tuple[int, str]:
    stamp, _, txn_id = cursor.partition(":")
    if not stamp.isdigit() or not txn_id:
        raise bad_request("Malformed page cursor", where)
    return int(stamp), txn_id

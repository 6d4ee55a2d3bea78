"""Pending holds: funds reserved now, then posted (a transaction) or voided, or expired on a clock.

A hold is a balanced set of lines like a transfer's, stored in `ledger_holds`/`ledger_hold_lines`.
While pending, each line moves its account's `pending_debits` or `pending_credits`, and an
account's available balance (what its floor is checked against) excludes what is held from it.
A hold changes once: pending -> posted | voided | expired (the database refuses anything else).

Expiry needs no background job: every ledger write first expires the overdue holds it finds
(`locked_book`), and `expire_holds` sweeps them all for whoever wants the funds released sooner.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Row, and_, select, update

from enlace.kernel.errors import error
from enlace.modules.finance.ledger_accounts import BalanceBook
from enlace.modules.finance.ledger_journal import (
    JournalRows,
    find_replays,
    write_holds,
    write_transactions,
)
from enlace.modules.finance.ledger_model import (
    HoldPlaced,
    Posting,
    Recorded,
    Transfer,
    check_transfer,
)
from enlace.modules.finance.tables import hold_lines, holds, transactions

SWEEP_LIMIT = 1000  # overdue holds expired per write; the rest by the next write or expire_holds

HoldLines = list[tuple[str, int]]  # (account, amount) per line


def locked_book(conn: Connection, account_ids: Iterable[str], now_us: int) -> BalanceBook:
    """Lock the accounts (and those of overdue holds), expiring the overdue holds first, so that
    funds whose hold timed out are available to this write."""
    overdue = _overdue_lines(conn, now_us, SWEEP_LIMIT)
    wanted = set(account_ids)
    for lines in overdue.values():
        wanted.update(account for account, _amount in lines)
    book = BalanceBook(conn, wanted)
    for hold_id, lines in overdue.items():
        _resolve(conn, book, hold_id, lines, "expired", now_us)
    book.flush(conn)  # written now: a caller that returns early leaves no hold half-expired
    return book


def expire_holds(conn: Connection, now_us: int) -> int:
    """Expire every hold whose time is up; returns how many. Safe to run at any time."""
    count = 0
    while True:
        overdue = _overdue_lines(conn, now_us, SWEEP_LIMIT)
        if not overdue:
            return count
        accounts = {account for lines in overdue.values() for account, _amount in lines}
        book = BalanceBook(conn, accounts)
        for hold_id, lines in overdue.items():
            count += _resolve(conn, book, hold_id, lines, "expired", now_us)
        book.flush(conn)


def place_hold(
    conn: Connection, transfer: Transfer, hold_id: str, now_us: int, expires_us: int | None
) -> HoldPlaced:
    check_transfer(transfer, "hold")
    digest = transfer.request_hash() if transfer.idempotency_key else ""
    # Locked first, so a concurrent request with the same new key is found, as in transfers.
    book = locked_book(conn, (p.account for p in transfer.postings), now_us)
    replays = find_replays(conn, holds, [(transfer.idempotency_key, digest)], "hold")
    if 0 in replays.stored:
        return HoldPlaced(replays.stored[0], replayed=True)
    for n, posting in enumerate(transfer.postings):
        book.require(posting.account, transfer.currency, f"hold.postings[{n}].account")
        book.hold(posting.account, posting.amount)
    for n, posting in enumerate(transfer.postings):
        book.check_floor(posting.account, f"hold.postings[{n}].amount")
    rows = JournalRows()
    rows.add_hold(hold_id, transfer, now_us, request_hash=digest or None, expires_us=expires_us)
    write_holds(conn, rows)
    book.flush(conn)
    return HoldPlaced(hold_id)


def post_hold(conn: Connection, hold_id: str, txn_id: str, now_us: int) -> Recorded:
    """Turn a pending hold into a transaction; posting it again returns that transaction."""
    header = _pending_header(conn, hold_id, "post", now_us)
    if header is None:
        posted = conn.execute(
            select(transactions.c.id).where(transactions.c.hold_id == hold_id)
        ).scalar_one()
        return Recorded(posted, replayed=True)
    lines = _lines(conn, [hold_id])[hold_id]
    book = locked_book(conn, (account for account, _amount in lines), now_us)
    if not _resolve(conn, book, hold_id, lines, "posted", now_us):
        raise error(409, "conflict", f"Hold '{hold_id}' was resolved meanwhile", "hold")
    for account, amount in lines:
        book.post(account, amount)
    transfer = Transfer(
        tuple(Posting(a, amount) for a, amount in lines),
        header.currency,
        description=header.description,
        reference=header.reference,
    )
    rows = JournalRows()
    rows.add_transaction(txn_id, transfer, now_us, request_hash=None, hold_id=hold_id)
    write_transactions(conn, rows)
    book.flush(conn)
    return Recorded(txn_id)


def void_hold(conn: Connection, hold_id: str, now_us: int) -> bool:
    """Release a pending hold; True if this call voided it, False if it was already voided or
    expired (an overdue one is expired here, by the sweep, so its funds are released now)."""
    lines = _lines(conn, [hold_id])[hold_id]
    book = locked_book(conn, (account for account, _amount in lines), now_us)
    if _pending_header(conn, hold_id, "void", now_us) is None:
        return False
    voided = _resolve(conn, book, hold_id, lines, "voided", now_us)
    book.flush(conn)
    return bool(voided)


def hold_status(conn: Connection, hold_id: str, now_us: int) -> str:
    """pending, posted, voided or expired (a pending hold past its time reads as expired)."""
    row = conn.execute(
        select(holds.c.status, holds.c.expires_us).where(holds.c.id == hold_id)
    ).first()
    if row is None:
        raise error(404, "not-found", f"Unknown hold '{hold_id}'", "hold")
    if row.status == "pending" and row.expires_us is not None and row.expires_us <= now_us:
        return "expired"
    return str(row.status)


def _pending_header(conn: Connection, hold_id: str, action: str, now_us: int) -> Row[Any] | None:
    """The hold's row when it is pending and in time; None when `action` was already done."""
    header = conn.execute(select(holds).where(holds.c.id == hold_id)).first()
    if header is None:
        raise error(404, "not-found", f"Unknown hold '{hold_id}'", "hold")
    done = {"post": "posted", "void": "voided"}[action]
    if header.status == done:
        return None
    if header.status == "pending" and (header.expires_us is None or header.expires_us > now_us):
        return header
    status = "expired" if header.status == "pending" else header.status
    if action == "void" and status == "expired":
        return None  # its funds are released already, as a void would have done
    raise error(409, "business-rule", f"Hold '{hold_id}' is {status}, it cannot be {done}", "hold")


def _resolve(
    conn: Connection,
    book: BalanceBook,
    hold_id: str,
    lines: HoldLines,
    status: str,
    now_us: int,
) -> int:
    """Move the hold out of pending (if nobody did first) and release its lines in the book."""
    moved = conn.execute(
        update(holds)
        .where(and_(holds.c.id == hold_id, holds.c.status == "pending"))
        .values(status=status, resolved_us=now_us)
    ).rowcount
    if moved:
        for account, amount in lines:
            book.hold(account, amount, sign=-1)
    return int(moved)


def _overdue_lines(conn: Connection, now_us: int, limit: int) -> dict[str, HoldLines]:
    ids = list(
        conn.execute(
            select(holds.c.id)
            .where(holds.c.status == "pending", holds.c.expires_us <= now_us)
            .order_by(holds.c.expires_us)
            .limit(limit)
        ).scalars()
    )
    return _lines(conn, ids) if ids else {}


def _lines(conn: Connection, hold_ids: list[str]) -> dict[str, HoldLines]:
    found: dict[str, HoldLines] = {hold_id: [] for hold_id in hold_ids}
    query = (
        select(hold_lines.c.hold_id, hold_lines.c.account_id, hold_lines.c.amount)
        .where(hold_lines.c.hold_id.in_(hold_ids))
        .order_by(hold_lines.c.hold_id, hold_lines.c.line)
    )
    for hold_id, account, amount in conn.execute(query):
        found[hold_id].append((account, amount))
    return found

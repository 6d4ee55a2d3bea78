"""A member's statement of a family wallet: their deposits and charges, in keyset pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, or_, select

from enlace.kernel.clock import from_epoch_us
from enlace.kernel.errors import bad_request
from enlace.modules.finance.tables import holds, wallet_entries
from enlace.modules.finance.wallet import Wallets, period_of


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    kind: str  # deposit | charge
    amount: int  # centavos, positive
    status: str  # deposits: posted; charges: their hold's (pending, posted, voided, expired)
    reference: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class MemberStatement:
    member: str
    period: str  # the month `spent` is for (YYYY-MM, Mexico City)
    monthly_cap: int
    spent: int  # posted and pending charges in `period`
    wallet_available: int  # what the whole pool can still spend
    entries: list[Entry]
    next_cursor: str | None  # pass back as `after`; None on the last page


def member_statement(
    conn: Connection,
    wallets: Wallets,
    wallet_id: str,
    member: str,
    *,
    after: str | None = None,
    limit: int = 20,
) -> MemberStatement:
    """The member's entries, newest first, with this month's spending against their cap."""
    if not 1 <= limit <= 200:
        raise bad_request("limit must be between 1 and 200", "limit")
    account = wallets.ledger.account(conn, wallets.wallet_account_id(conn, wallet_id))
    cap = wallets.member_cap(conn, wallet_id, member)
    now_us = wallets.ledger.now_us()
    rows = conn.execute(_page_query(wallet_id, member, after, limit)).all()
    entries = [_entry(row, now_us) for row in rows[:limit]]
    cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        cursor = f"{last.created_us}:{last.id}"
    return MemberStatement(
        member,
        period_of(wallets.ledger.clock()),
        cap,
        wallets.spent(conn, wallet_id, member),
        account.available,
        entries,
        cursor,
    )


def _page_query(wallet_id: str, member: str, after: str | None, limit: int) -> Select[Any]:
    e = wallet_entries
    query = (
        select(
            e.c.id,
            e.c.kind,
            e.c.amount,
            e.c.reference,
            e.c.created_us,
            holds.c.status,
            holds.c.expires_us,
        )
        .outerjoin(holds, holds.c.id == e.c.hold_id)
        .where(e.c.wallet_id == wallet_id, e.c.member == member)
        .order_by(e.c.created_us.desc(), e.c.id.desc())
        .limit(limit + 1)
    )
    if after is not None:
        created_us, entry_id = _parse_cursor(after)
        query = query.where(
            or_(e.c.created_us < created_us, and_(e.c.created_us == created_us, e.c.id < entry_id))
        )
    return query


def _entry(row: Row[Any], now_us: int) -> Entry:
    status = "posted" if row.kind == "deposit" else row.status
    if status == "pending" and row.expires_us is not None and row.expires_us <= now_us:
        status = "expired"
    return Entry(row.id, row.kind, row.amount, status, row.reference, from_epoch_us(row.created_us))


def _parse_cursor(cursor: str) -> tuple[int, str]:
    stamp, _, entry_id = cursor.partition(":")
    if not stamp.isdigit() or not entry_id:
        raise bad_request("Malformed page cursor", "after")
    return int(stamp), entry_id

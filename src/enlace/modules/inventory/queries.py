"""What the stock ledger answers: stock on hand, stock cards, consumption, days out of stock and
the expiry lists. Reads only; each is one indexed query (days out of stock: two).

Days are UTC calendar days. A lot is expired when its expiry date is before today (the expiry
date is its last day of use, as in fefo.py and trace's verification).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Connection, func, select

from enlace.kernel.clock import epoch_us
from enlace.modules.inventory.moves import Line, line_of
from enlace.modules.inventory.tables import balances, lines

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class StockLevel:
    facility: str
    product: str
    lot: str | None  # None when summed over lots
    expiry: date  # the lot's; summed over lots, the earliest with stock
    on_hand: int


@dataclass(frozen=True, slots=True)
class CardPage:
    lines: list[Line]
    next_after: int | None  # the seq to pass as `after` for the next page; None at the end


def stock_on_hand(
    conn: Connection, facility: str, product: str | None = None, by_lot: bool = True
) -> list[StockLevel]:
    """Units on hand per product (and lot) at the facility, lots with stock only."""
    conditions = [balances.c.facility == facility, balances.c.on_hand > 0]
    if product is not None:
        conditions.append(balances.c.product == product)
    if by_lot:
        query = (
            select(balances.c.product, balances.c.lot, balances.c.expiry, balances.c.on_hand)
            .where(*conditions)
            .order_by(balances.c.product, balances.c.expiry, balances.c.lot)
        )
        return [_level(facility, *row) for row in conn.execute(query)]
    summed = (
        select(balances.c.product, func.min(balances.c.expiry), func.sum(balances.c.on_hand))
        .where(*conditions)
        .group_by(balances.c.product)
        .order_by(balances.c.product)
    )
    return [_level(facility, p, None, expiry, units) for p, expiry, units in conn.execute(summed)]


def stock_card(
    conn: Connection, facility: str, product: str, lot: str, after: int = 0, limit: int = 100
) -> CardPage:
    """The lot's stock card in line order, `limit` lines after line `after`."""
    if not 1 <= limit <= MAX_PAGE or after < 0:
        raise ValueError(f"limit is 1 to {MAX_PAGE} and after is not negative")
    query = (
        select(lines)
        .where(
            lines.c.facility == facility,
            lines.c.product == product,
            lines.c.lot == lot,
            lines.c.seq > after,
        )
        .order_by(lines.c.seq)
        .limit(limit + 1)
    )
    found = [line_of(row) for row in conn.execute(query)]
    more = len(found) > limit
    found = found[:limit]
    return CardPage(found, found[-1].seq if more else None)


def consumption(
    conn: Connection, facility: str, product: str, since: datetime, until: datetime
) -> int:
    """Units issued (dispensed) at the facility in [since, until): the C of OpenLMIS's AMC."""
    query = select(func.coalesce(func.sum(-lines.c.quantity), 0)).where(
        *_period(facility, product, since, until), lines.c.kind == "issue"
    )
    return int(conn.execute(query).scalar() or 0)


def days_out_of_stock(
    conn: Connection, facility: str, product: str, first: date, last: date
) -> int:
    """Days in [first, last] on which the product's stock at the facility (all lots) was zero
    at some moment: at the start of the day or after one of its lines."""
    if last < first:
        raise ValueError("last is before first")
    start = datetime.combine(first, time(), UTC)
    end = datetime.combine(last + timedelta(days=1), time(), UTC)
    opening = conn.execute(
        select(func.coalesce(func.sum(lines.c.quantity), 0)).where(
            lines.c.facility == facility,
            lines.c.product == product,
            lines.c.occurred_us < epoch_us(start),
        )
    ).scalar()
    moves = conn.execute(
        select(lines.c.occurred_us, lines.c.quantity)
        .where(*_period(facility, product, start, end))
        .order_by(lines.c.occurred_us, lines.c.recorded_us, lines.c.lot)
    )
    return _zero_days(int(opening or 0), list(moves), first, (last - first).days + 1)


def _zero_days(opening: int, moves: list[tuple[int, int]], first: date, days: int) -> int:
    start_us = epoch_us(datetime.combine(first, time(), UTC))
    day_us = 86_400_000_000
    zero = [False] * days
    balance, day = opening, 0
    for occurred_us, quantity in moves:
        moment_day = (occurred_us - start_us) // day_us
        while day < moment_day:  # the days with no line keep the balance they started with
            zero[day] = zero[day] or balance == 0
            day += 1
        zero[day] = zero[day] or balance == 0
        balance += quantity
        zero[day] = zero[day] or balance == 0
    while day < days:
        zero[day] = zero[day] or balance == 0
        day += 1
    return sum(zero)


def near_expiry(conn: Connection, facility: str, today: date, days: int) -> list[StockLevel]:
    """Lots with stock that are still usable but expire within `days` days (soonest first)."""
    horizon = (today + timedelta(days=days)).isoformat()
    return _by_expiry(conn, facility, balances.c.expiry >= today.isoformat(), horizon)


def expired_on_hand(conn: Connection, facility: str, today: date) -> list[StockLevel]:
    """Lots still on the shelf past their expiry: to adjust out (reason expired) or return."""
    return _by_expiry(conn, facility, None, today.isoformat())


def _by_expiry(
    conn: Connection, facility: str, lower: ColumnElement[bool] | None, before: str
) -> list[StockLevel]:
    conditions = [
        balances.c.facility == facility,
        balances.c.on_hand > 0,
        balances.c.expiry < before,
    ]
    if lower is not None:
        conditions.append(lower)
    query = (
        select(balances.c.product, balances.c.lot, balances.c.expiry, balances.c.on_hand)
        .where(*conditions)
        .order_by(balances.c.expiry, balances.c.product, balances.c.lot)
    )
    return [_level(facility, *row) for row in conn.execute(query)]


def _period(
    facility: str, product: str, since: datetime, until: datetime
) -> list[ColumnElement[bool]]:
    return [
        lines.c.facility == facility,
        lines.c.product == product,
        lines.c.occurred_us >= epoch_us(since),
        lines.c.occurred_us < epoch_us(until),
    ]


def _level(facility: str, product: str, lot: str | None, expiry: str, units: int) -> StockLevel:
    return StockLevel(facility, product, lot, date.fromisoformat(expiry), int(units))

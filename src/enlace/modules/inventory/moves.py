"""One lot's move on one stock card: the balance row moves, then the line that records it.

The balance moves with one conditional UPDATE … RETURNING, whose WHERE holds the rules the
database would otherwise refuse (the result stays ≥ 0; an issued lot is not expired; a stated
expiry is the lot's): when it matches no row, `_refusal` reads the row to say why, as a 4xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, and_, select

from enlace.kernel.errors import FhirError, error
from enlace.modules.inventory import sql
from enlace.modules.inventory.tables import balances, events, lines


@dataclass(frozen=True, slots=True)
class Move:
    facility: str
    product: str
    lot: str
    delta: int  # signed units (ignored for a count, which sets `counted`)
    kind: str  # the line's kind
    occurred_us: int
    where: str  # the event field this move comes from, for error locations
    counted: int | None = None
    expiry: date | None = None  # required when the lot may be new here
    usable_on: date | None = None  # an issue: the lot must not be expired on this date
    reason: str | None = None
    counterpart: str | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class Line:
    facility: str
    product: str
    lot: str
    expiry: date
    seq: int
    kind: str
    quantity: int
    balance: int
    occurred_us: int
    event_id: str = ""
    reason: str | None = None
    counterpart: str | None = None
    reference: str | None = None


def apply(conn: Connection, move: Move, event_id: str, position: int, now_us: int) -> Line:
    """Move the lot's balance and write its line; a FhirError (nothing written) when refused."""
    if move.expiry is not None:
        _ensure_balance_row(conn, move, now_us)
    delta = move.delta
    if move.counted is not None:
        delta = move.counted - _locked_on_hand(conn, move)
    moved = _move_balance(conn, move, delta, now_us)
    if moved is None:
        raise _refusal(conn, move, delta)
    on_hand, seq, expiry_text = moved
    line = Line(
        move.facility,
        move.product,
        move.lot,
        date.fromisoformat(expiry_text),
        seq,
        move.kind,
        delta,
        on_hand,
        move.occurred_us,
        event_id,
        move.reason,
        move.counterpart,
        move.reference,
    )
    sql.run(conn, sql.INSERT_LINE, _line_row(line, position, now_us))
    return line


def lots_on_hand(conn: Connection, facility: str, product: str) -> list[tuple[str, date, int]]:
    """(lot, expiry, units) of the product's lots with stock at the facility."""
    rows = sql.run(conn, sql.LOTS_ON_HAND, (facility, product))
    return [(lot, date.fromisoformat(expiry), int(units)) for lot, expiry, units in rows]


def line_of(row: Row[Any]) -> Line:
    return Line(
        row.facility,
        row.product,
        row.lot,
        date.fromisoformat(row.expiry),
        row.seq,
        row.kind,
        row.quantity,
        row.balance,
        row.occurred_us,
        row.event_id,
        row.reason,
        row.counterpart,
        row.reference,
    )


def _line_row(line: Line, position: int, now_us: int) -> tuple[Any, ...]:
    return (
        line.facility,
        line.product,
        line.lot,
        line.seq,
        line.event_id,
        position,
        line.kind,
        line.quantity,
        line.balance,
        line.expiry.isoformat(),
        line.occurred_us,
        now_us,
        line.reason,
        line.counterpart,
        line.reference,
    )


def _same_lot(move: Move) -> Any:
    return and_(
        balances.c.facility == move.facility,
        balances.c.product == move.product,
        balances.c.lot == move.lot,
    )


def _same_line_lot(move: Move) -> Any:
    return and_(
        lines.c.facility == move.facility,
        lines.c.product == move.product,
        lines.c.lot == move.lot,
    )


def _ensure_balance_row(conn: Connection, move: Move, now_us: int) -> None:
    """An empty balance row for a lot new here (a no-op when the row exists)."""
    assert move.expiry is not None
    key = (move.facility, move.product, move.lot)
    sql.run(conn, sql.ENSURE_BALANCE, (*key, move.expiry.isoformat(), now_us))


def _locked_on_hand(conn: Connection, move: Move) -> int:
    text = sql.ON_HAND + (" FOR UPDATE" if conn.dialect.name == "postgresql" else "")
    found = sql.run(conn, text, (move.facility, move.product, move.lot)).scalar()
    if found is None:
        raise _unknown_lot(move)
    return int(found)


def _move_balance(
    conn: Connection, move: Move, delta: int, now_us: int
) -> tuple[int, int, str] | None:
    params: list[Any] = [delta, now_us, move.facility, move.product, move.lot, delta]
    if move.expiry is not None:
        params.append(move.expiry.isoformat())
    if move.usable_on is not None:
        params.append(move.usable_on.isoformat())
    statement = sql.MOVES[(move.expiry is not None, move.usable_on is not None)]
    row = sql.run(conn, statement, params).first()
    return None if row is None else (int(row[0]), int(row[1]), str(row[2]))


def _refusal(conn: Connection, move: Move, delta: int) -> FhirError:
    """Why the conditional UPDATE matched nothing, as the error the client is told."""
    row = conn.execute(select(balances.c.on_hand, balances.c.expiry).where(_same_lot(move))).first()
    if row is None:
        if delta < 0:
            return _insufficient(move, 0, -delta)
        return _unknown_lot(move)
    if move.expiry is not None and row.expiry != move.expiry.isoformat():
        message = f"Lot {move.lot} of {move.product} expires {row.expiry}, not {move.expiry}"
        return error(422, "business-rule", message, f"{move.where}.expiry")
    if move.usable_on is not None and row.expiry < move.usable_on.isoformat():
        message = f"Lot {move.lot} of {move.product} expired on {row.expiry}; it cannot be issued"
        return error(422, "business-rule", message, f"{move.where}.lot")
    return _insufficient(move, int(row.on_hand), -delta, _held_by(conn, move, int(row.on_hand)))


def _insufficient(move: Move, on_hand: int, asked: int, held: str | None = None) -> FhirError:
    message = (
        f"Insufficient stock: {on_hand} units of {move.product} lot {move.lot} on hand at "
        f"{move.facility}, {asked} asked"
    )
    if held is not None:  # say why the shelf is empty: the lot is set aside, not sold out
        message += f"; the lot is in quarantine ({held})"
    return error(409, "conflict", message, f"{move.where}.quantity")


def _held_by(conn: Connection, move: Move, on_hand: int) -> str | None:
    """The reference of the quarantine that emptied the lot, when its last line is one (only
    read on the refusal path)."""
    if on_hand != 0:
        return None
    last = conn.execute(
        select(events.c.reason, events.c.reference)
        .select_from(
            lines.join(
                events, (events.c.facility == lines.c.facility) & (events.c.id == lines.c.event_id)
            )
        )
        .where(_same_line_lot(move))
        .order_by(lines.c.seq.desc())
        .limit(1)
    ).first()
    if last is None or last.reason != "quarantine":
        return None
    return str(last.reference or "quarantine")


def _unknown_lot(move: Move) -> FhirError:
    message = (
        f"Lot {move.lot} of {move.product} is not on record at {move.facility}; give its expiry"
    )
    return error(422, "business-rule", message, f"{move.where}.expiry")

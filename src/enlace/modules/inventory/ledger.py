"""The stock ledger's use cases: record a stock event (or a batch), all or nothing.

Every call runs in the caller's connection and transaction (`services.writing()`), so a dispense
and its stock movement commit together. A refused event leaves nothing behind even if the
caller carries on: a one-lot event refuses before it writes, a larger one runs in a savepoint.
The order of work is the order the database's triggers expect (ddl.py): for each lot the
balance row moves (a conditional UPDATE that only matches while the result stays >= 0 and, for
an issue, while the lot is not expired), then the line that records the move; the event row
last. The UPDATE takes the row's lock, so of two pharmacists issuing the last unit the second
waits, re-reads the row and matches nothing: a 409, not a negative balance. Errors: 400
malformed, 404 unknown facility or product, 409 insufficient stock or an idempotency key
replayed with another event, 422 an expired lot issued or a lot's expiry contradicted.

A transfer is two events in that one transaction (migration 0039): the out-leg at the origin,
which carries the request's idempotency key, and the in-leg at the destination (kind
`transfer-in`, `leg_of` naming the out-leg), so that every line names an event of its own
facility (the tables are distributed by facility on Citus). An idempotency key is the recording
facility's: the same key at two facilities is two events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from enlace.kernel.clock import Clock, epoch_us, system_clock
from enlace.kernel.errors import FhirError, Issue, conflict, error
from enlace.kernel.ids import IdFactory, random_ids
from enlace.modules.catalog import facilities, formulary
from enlace.modules.inventory import moves, sql
from enlace.modules.inventory.domain import (
    COUNT,
    ISSUE,
    TRANSFER,
    Item,
    StockEvent,
    check_event,
    direction,
)
from enlace.modules.inventory.fefo import LotOnHand, allocate
from enlace.modules.inventory.moves import Line, Move
from enlace.modules.inventory.tables import lines

TRANSFER_IN = "transfer-in"  # the in-leg event's kind (never a request's)
FACILITIES = frozenset(f.slug for f in facilities())
PRODUCTS = frozenset(m.slug for m in formulary())


@dataclass(frozen=True, slots=True)
class Recorded:
    event_id: str
    lines: tuple[Line, ...]  # a transfer's: the out-leg's, then the in-leg's
    replayed: bool = False
    in_leg_id: str | None = None  # a transfer's in-leg event at the destination


class StockLedger:
    def __init__(
        self,
        clock: Clock = system_clock,
        ids: IdFactory = random_ids,
        facilities: frozenset[str] = FACILITIES,
        products: frozenset[str] = PRODUCTS,
    ) -> None:
        self.clock = clock
        self.new_id = ids
        self.facilities = facilities
        self.products = products

    def record(self, conn: Connection, event: StockEvent) -> Recorded:
        """Record one stock event; a replay of its idempotency key returns the first result."""
        self._check(event)
        if event.idempotency_key is not None:
            stored = _replay(conn, event)
            if stored is not None:
                return stored
        planned = self._moves(conn, event)  # reads only (FEFO); nothing written yet
        if len(planned) == 1 and event.kind != TRANSFER:
            # One lot: a refusal is the conditional UPDATE matching nothing, before any write
            # (the event row comes last), so no savepoint is needed; it cost 0.4 ms an issue.
            return self._write(conn, event, planned)
        # Several lots: a savepoint, so a refusal after some lots moved undoes them even when
        # the caller carries on with its transaction (on PostgreSQL it stays usable).
        savepoint = conn.begin_nested()
        try:
            recorded = self._write(conn, event, planned)
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
        return recorded

    def _write(self, conn: Connection, event: StockEvent, planned: list[Move]) -> Recorded:
        event_id = self.new_id()
        now_us = epoch_us(self.clock())
        written = [moves.apply(conn, move, event_id, n, now_us) for n, move in enumerate(planned)]
        in_leg_id = None
        if event.kind == TRANSFER:  # the in-leg, each lot with the expiry it left with
            in_leg_id = self.new_id()
            for out in list(written):
                move = _in_leg(event, out)
                written.append(moves.apply(conn, move, in_leg_id, len(written), now_us))
        # Last: the lines' foreign key to them is deferred to the commit.
        _insert_event(conn, event, _event_row(event, event_id, now_us))
        if in_leg_id is not None:
            _insert_event(conn, event, _in_leg_row(event, in_leg_id, event_id, now_us))
        return Recorded(event_id, tuple(written), in_leg_id=in_leg_id)

    def record_batch(self, conn: Connection, batch: Sequence[StockEvent]) -> list[Recorded]:
        """Record the events in order, all or none: the first refusal names `events[n]`."""
        results = []
        for n, event in enumerate(batch):
            try:
                results.append(self.record(conn, event))
            except FhirError as exc:
                raise _located(exc, f"events[{n}]") from None
        return results

    # Checks ----------------------------------------------------------------------------------

    def _check(self, event: StockEvent) -> None:
        problems = check_event(event)
        if problems:
            raise FhirError(400, problems)
        if event.facility not in self.facilities:
            raise error(404, "not-found", f"Unknown facility {event.facility!r}", "facility")
        if event.kind == TRANSFER and event.counterpart not in self.facilities:
            message = f"Unknown destination facility {event.counterpart!r}"
            raise error(404, "not-found", message, "destination")
        for n, item in enumerate(event.items):
            if item.product not in self.products:
                message = f"Unknown product {item.product!r}"
                raise error(404, "not-found", message, f"items[{n}].product")

    # Moves -----------------------------------------------------------------------------------

    def _moves(self, conn: Connection, event: StockEvent) -> list[Move]:
        """The lot-level moves of the event at its own facility."""
        sign = direction(event)
        return [
            _move(event, lot_item, sign, f"items[{n}]")
            for n, item in enumerate(event.items)
            for lot_item in _lots(conn, event, item, f"items[{n}]")
        ]


def _move(event: StockEvent, item: Item, sign: int, where: str) -> Move:
    assert item.lot is not None
    return Move(
        facility=event.facility,
        product=item.product,
        lot=item.lot,
        delta=sign * item.quantity,
        kind="transfer-out" if event.kind == TRANSFER else event.kind,
        occurred_us=epoch_us(event.occurred_at),
        where=where,
        counted=item.quantity if event.kind == COUNT else None,
        expiry=item.expiry,
        usable_on=event.occurred_at.date() if event.kind == ISSUE else None,
        reason=event.reason,
        counterpart=event.counterpart,
        reference=event.reference,
    )


def _in_leg(event: StockEvent, out: Line) -> Move:
    assert event.counterpart is not None
    return Move(
        facility=event.counterpart,
        product=out.product,
        lot=out.lot,
        delta=-out.quantity,
        kind="transfer-in",
        occurred_us=out.occurred_us,
        where="destination",
        expiry=out.expiry,
        counterpart=event.facility,
        reference=event.reference,
    )


def _lots(conn: Connection, event: StockEvent, item: Item, where: str) -> list[Item]:
    """The item itself, or for an issue without a lot the lots FEFO picks (409 when short)."""
    if item.lot is not None:
        return [item]
    on_hand = moves.lots_on_hand(conn, event.facility, item.product)
    today = event.occurred_at.date()
    allocation = allocate(item.quantity, [LotOnHand(*row) for row in on_hand], today)
    if not allocation.complete:
        message = (
            f"Only {allocation.filled} usable units of {item.product} on hand at "
            f"{event.facility}; {item.quantity} asked"
        )
        raise error(409, "conflict", message, f"{where}.quantity")
    return [Item(item.product, p.lot, p.quantity, p.expiry) for p in allocation.picks]


def _event_row(event: StockEvent, event_id: str, now_us: int) -> tuple[object, ...]:
    keyed = event.idempotency_key is not None
    return (
        event_id,
        event.kind,
        event.facility,
        event.counterpart,
        event.reason,
        event.reference,
        epoch_us(event.occurred_at),
        now_us,
        len(event.items),
        event.idempotency_key,
        event.request_hash() if keyed else None,
        None,
    )


def _in_leg_row(event: StockEvent, in_leg_id: str, out_id: str, now_us: int) -> tuple[object, ...]:
    """The transfer's receipt at the destination: no key of its own (a replay finds the out-leg
    by the key at the origin, then this row by `leg_of`)."""
    return (
        in_leg_id,
        TRANSFER_IN,
        event.counterpart,
        event.facility,
        event.reason,
        event.reference,
        epoch_us(event.occurred_at),
        now_us,
        len(event.items),
        None,
        None,
        out_id,
    )


def _insert_event(conn: Connection, event: StockEvent, row: tuple[object, ...]) -> None:
    try:
        sql.run(conn, sql.INSERT_EVENT, row)
    except IntegrityError as exc:
        # Two writers with one new key at once: the loser's unique violation, told as a replay
        # conflict the client can retry (the retry then finds the winner's event).
        if event.idempotency_key is not None:
            raise conflict("A concurrent request used the same idempotency key; retry") from exc
        raise


def _replay(conn: Connection, event: StockEvent) -> Recorded | None:
    found = sql.run(conn, sql.FIND_KEY, (event.facility, event.idempotency_key)).first()
    if found is None:
        return None
    if found.request_hash != event.request_hash():
        message = f"Idempotency key {event.idempotency_key!r} was used for another event"
        raise error(409, "conflict", message, "idempotencyKey")
    written = _lines_of(conn, event.facility, found.id)
    in_leg_id = None
    if event.kind == TRANSFER:  # the same hash: the same kind and destination
        in_leg_id = sql.run(conn, sql.FIND_IN_LEG, (found.counterpart, found.id)).scalar()
        if in_leg_id is not None:
            written += _lines_of(conn, found.counterpart, in_leg_id)
    return Recorded(found.id, tuple(written), replayed=True, in_leg_id=in_leg_id)


def _lines_of(conn: Connection, facility: str, event_id: str) -> list[Line]:
    """The event's lines in their order; they are all at its facility."""
    rows = conn.execute(
        select(lines)
        .where(lines.c.facility == facility, lines.c.event_id == event_id)
        .order_by(lines.c.event_line)
    )
    return [moves.line_of(row) for row in rows]


def _located(exc: FhirError, prefix: str) -> FhirError:
    issues = [
        Issue(i.code, i.diagnostics, f"{prefix}.{i.expression}" if i.expression else prefix)
        for i in exc.issues
    ]
    return FhirError(exc.status, issues, exc.headers)

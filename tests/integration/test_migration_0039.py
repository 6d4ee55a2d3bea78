"""Migration 0039 on a store holding transfers written in the old shape (SQLite and PostgreSQL):
down to the revision before it, a receipt and two transfers written as one event each (the
in-leg lines naming the origin's event), up again: each transfer gains its in-leg event at the
destination, the in-leg lines are repointed to it, stock and stock cards are unchanged, and a
replay of the old key answers with both legs; down again folds the in-legs back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

from enlace.kernel.clock import epoch_us
from enlace.modules.inventory import Item, StockEvent, StockLedger
from enlace.store import migrate
from enlace.store.database import Database
from tests.support.revisions import to_revision

HERE, THERE = "clinic-l1-imss-09003", "clinic-l1-imss-09005"
MET, LATER = "metformin-850-tab", date(2027, 1, 31)
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
BEFORE = "0040"  # 0039's down_revision
TRANSFER = StockEvent(
    "transfer", HERE, (Item(MET, "A", 2),), T0, counterpart=THERE, idempotency_key="tr-1"
)


def _sql(conn: Connection, statement: str, **params: object) -> None:
    conn.execute(text(statement), params)


def _event(conn: Connection, event_id: str, kind: str, **fields: object) -> None:
    row = {"id": event_id, "kind": kind, "facility": HERE, "occurred_us": epoch_us(T0),
           "recorded_us": epoch_us(T0), "item_count": 1, **fields}  # fmt: skip
    names = ", ".join(row)
    _sql(conn, f"INSERT INTO inventory_events ({names}) VALUES (:{', :'.join(row)})", **row)


def _line(conn: Connection, facility: str, event_id: str, place: int, kind: str, qty: int) -> None:
    """One line as the ledger wrote it: the balance row steps first (the triggers' order)."""
    _sql(conn, "INSERT INTO inventory_balances (facility, product, lot, expiry, on_hand, seq, "
         "updated_us) VALUES (:f, :p, 'A', :e, 0, NULL, 1) ON CONFLICT DO NOTHING",
         f=facility, p=MET, e=LATER.isoformat())  # fmt: skip
    _sql(conn, "UPDATE inventory_balances SET on_hand = on_hand + :q, seq = COALESCE(seq, 0) "
         "+ 1 WHERE facility = :f AND product = :p AND lot = 'A'", q=qty, f=facility, p=MET)  # fmt: skip
    _sql(conn, "INSERT INTO inventory_lines (facility, product, lot, seq, event_id, event_line, "
         "kind, quantity, balance, expiry, occurred_us, recorded_us) SELECT facility, product, "
         "lot, seq, :ev, :n, :k, :q, on_hand, expiry, :t, :t FROM inventory_balances "
         "WHERE facility = :f AND product = :p AND lot = 'A'",
         ev=event_id, n=place, k=kind, q=qty, t=epoch_us(T0), f=facility, p=MET)  # fmt: skip


def _old_rows(conn: Connection) -> None:
    _line(conn, HERE, "ev-r", 0, "receipt", 5)
    _event(conn, "ev-r", "receipt", counterpart="CEDIS")
    key = {"idempotency_key": "tr-1", "request_hash": TRANSFER.request_hash()}
    for event_id, units, fields in (("ev-t1", 2, key), ("ev-t2", 1, {})):
        _line(conn, HERE, event_id, 0, "transfer-out", -units)
        _line(conn, THERE, event_id, 1, "transfer-in", units)
        _event(conn, event_id, "transfer", counterpart=THERE, reference=event_id, **fields)


def _cards(conn: Connection) -> list[tuple[object, ...]]:
    query = "SELECT facility, seq, kind, quantity, balance FROM inventory_lines ORDER BY 1, 2"
    return [tuple(r) for r in conn.execute(text(query))]


def _stock(conn: Connection) -> list[tuple[object, ...]]:
    query = "SELECT facility, lot, on_hand, seq FROM inventory_balances ORDER BY 1, 2"
    return [tuple(r) for r in conn.execute(text(query))]


def _pointers(conn: Connection, legs: bool = True) -> list[tuple[object, ...]]:
    """Each line with the event it names (and that event's out-leg, from 0039 on)."""
    query = (
        f"SELECT l.facility, l.kind, e.facility, e.kind, {'e.leg_of' if legs else 'NULL'}, "
        "e.counterpart, e.reference FROM inventory_lines l "
        "JOIN inventory_events e ON e.id = l.event_id ORDER BY 1, l.seq"
    )
    return [tuple(r) for r in conn.execute(text(query))]


def test_upgrade_gives_each_transfer_its_in_leg_event(database: Database) -> None:
    migrate.upgrade(database)
    to_revision(database, BEFORE, down=True)
    with database.read() as conn:
        assert "leg_of" not in {c["name"] for c in inspect(conn).get_columns("inventory_events")}
    with database.begin() as conn:
        _old_rows(conn)
        cards, stock, old_pointers = _cards(conn), _stock(conn), _pointers(conn, legs=False)
    to_revision(database, "head")
    with database.read() as conn:
        assert (_cards(conn), _stock(conn)) == (cards, stock)
        assert _pointers(conn) == [
            (HERE, "receipt", HERE, "receipt", None, "CEDIS", None),
            (HERE, "transfer-out", HERE, "transfer", None, THERE, "ev-t1"),
            (HERE, "transfer-out", HERE, "transfer", None, THERE, "ev-t2"),
            (THERE, "transfer-in", THERE, "transfer-in", "ev-t1", HERE, "ev-t1"),
            (THERE, "transfer-in", THERE, "transfer-in", "ev-t2", HERE, "ev-t2"),
        ]
    _check_still_enforced(database)
    with database.begin() as conn:  # the old key replays with both legs, writing nothing
        replay = StockLedger(clock=lambda: T0).record(conn, TRANSFER)
    assert replay.replayed and replay.event_id == "ev-t1" and replay.in_leg_id is not None
    assert [(x.facility, x.kind, x.quantity) for x in replay.lines] == [
        (HERE, "transfer-out", -2),
        (THERE, "transfer-in", 2),
    ]
    with database.read() as conn:
        assert (_cards(conn), _stock(conn)) == (cards, stock)
    to_revision(database, BEFORE, down=True)
    with database.read() as conn:
        assert (_cards(conn), _stock(conn)) == (cards, stock)
        assert _pointers(conn, legs=False) == old_pointers
    to_revision(database, "head")  # and up again: the same in-leg ids (derived, not random)
    with database.read() as conn:
        again = conn.execute(
            text("SELECT id FROM inventory_events WHERE leg_of = 'ev-t1'")
        ).scalar()
    assert again == replay.in_leg_id


def _check_still_enforced(database: Database) -> None:
    """The widened kind check (edited in place on SQLite) still refuses an unknown kind, and the
    SQLite file is sound after the schema edit."""
    row = {"id": "ev-bogus", "kind": "bogus", "facility": HERE, "occurred_us": epoch_us(T0)}
    with pytest.raises(IntegrityError), database.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO inventory_events (id, kind, facility, occurred_us, recorded_us, "
                "item_count) VALUES (:id, :kind, :facility, :occurred_us, :occurred_us, 1)"
            ),
            row,
        )
    if database.write_engine.dialect.name == "sqlite":
        with database.read() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

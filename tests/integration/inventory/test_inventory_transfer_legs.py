"""A transfer is two events, one per facility (migration 0039), on both stores: every line names
an event of its own facility; a replay answers as the first time and writes nothing; an
idempotency key is the recording facility's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from enlace.modules.inventory import StockLedger, stock_card
from enlace.modules.inventory.tables import events, lines
from enlace.store.database import Database
from tests.integration.inventory.conftest import HERE, LATER, MET, SOON, THERE, event, receipt


def _events(db: Database) -> dict[str, Any]:
    with db.read() as conn:
        return {row.id: row for row in conn.execute(select(events))}


def _counts(db: Database) -> tuple[int, int]:
    with db.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(events)).scalar_one(),
            conn.execute(select(func.count()).select_from(lines)).scalar_one(),
        )


def _stocked(db: Database, ledger: StockLedger) -> None:
    with db.begin() as conn:
        ledger.record(conn, receipt((MET, "A", 5, LATER), (MET, "B", 3, SOON)))


def test_a_transfer_writes_an_event_at_each_facility(db: Database, ledger: StockLedger) -> None:
    _stocked(db, ledger)
    transfer = event("transfer", (MET, "A", 2), (MET, "B", 1), counterpart=THERE, reference="TR-7")
    with db.begin() as conn:
        recorded = ledger.record(conn, transfer)
    assert recorded.in_leg_id is not None and recorded.in_leg_id != recorded.event_id
    found = _events(db)
    out, in_leg = found[recorded.event_id], found[recorded.in_leg_id]
    assert (out.kind, out.facility, out.counterpart, out.leg_of) == ("transfer", HERE, THERE, None)
    assert (in_leg.kind, in_leg.facility, in_leg.counterpart, in_leg.leg_of) == (
        "transfer-in",
        THERE,
        HERE,
        recorded.event_id,
    )
    assert in_leg.idempotency_key is None and in_leg.reference == "TR-7"
    assert (
        (in_leg.occurred_us, in_leg.item_count)
        == (out.occurred_us, out.item_count)
        == (out.occurred_us, 2)
    )
    # Every line names an event of its own facility; one movement out here, one in there.
    assert [(x.facility, x.kind, x.event_id) for x in recorded.lines] == [
        (HERE, "transfer-out", recorded.event_id),
        (HERE, "transfer-out", recorded.event_id),
        (THERE, "transfer-in", recorded.in_leg_id),
        (THERE, "transfer-in", recorded.in_leg_id),
    ]
    with db.read() as conn:
        joined = conn.execute(
            select(func.count())
            .select_from(lines.join(events, events.c.id == lines.c.event_id))
            .where(events.c.facility != lines.c.facility)
        ).scalar_one()
        [received] = stock_card(conn, THERE, MET, "A").lines
    assert joined == 0
    assert (received.kind, received.quantity, received.counterpart) == ("transfer-in", 2, HERE)


def test_a_replayed_transfer_answers_the_same_and_writes_nothing(
    db: Database, ledger: StockLedger
) -> None:
    _stocked(db, ledger)
    transfer = event(
        "transfer", (MET, "A", 4), (MET, "B", 2), counterpart=THERE, idempotency_key="tr-1"
    )
    with db.begin() as conn:
        first = ledger.record(conn, transfer)
    before = _counts(db)
    with db.begin() as conn:
        again = ledger.record(conn, transfer)
    assert again.replayed and not first.replayed
    assert (again.event_id, again.in_leg_id, again.lines) == (
        first.event_id,
        first.in_leg_id,
        first.lines,
    )
    assert _counts(db) == before


def test_one_key_at_two_facilities_is_two_events(db: Database, ledger: StockLedger) -> None:
    # The key belongs to the recording facility: another facility's same key is no replay
    # and no 409 (the clients of two pharmacies do not share a key space).
    with db.begin() as conn:
        here = ledger.record(conn, receipt((MET, "A", 5, LATER), idempotency_key="k-1"))
        there = ledger.record(
            conn, receipt((MET, "A", 2, LATER), facility=THERE, idempotency_key="k-1")
        )
        replay = ledger.record(
            conn, receipt((MET, "A", 2, LATER), facility=THERE, idempotency_key="k-1")
        )
    assert here.event_id != there.event_id and not there.replayed
    assert replay.replayed and replay.event_id == there.event_id
    keyed = [(r.facility, r.idempotency_key) for r in _events(db).values()]
    assert sorted(keyed) == [(HERE, "k-1"), (THERE, "k-1")]

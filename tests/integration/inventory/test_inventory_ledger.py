"""The stock ledger on both stores: each event kind's lines and balances, refusals that write
nothing, transfer atomicity, physical counts, idempotency and batches."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from enlace.kernel.errors import FhirError
from enlace.modules.inventory import StockEvent, StockLedger, stock_card, stock_on_hand
from enlace.modules.inventory.tables import events, lines
from enlace.store.database import Database
from tests.integration.inventory.conftest import (
    HERE,
    INS,
    LATER,
    MET,
    SOON,
    T0,
    THERE,
    event,
    receipt,
)


def on_hand(db: Database, facility: str = HERE) -> dict[tuple[str, str | None], int]:
    with db.read() as conn:
        return {(s.product, s.lot): s.on_hand for s in stock_on_hand(conn, facility)}


def record(db: Database, ledger: StockLedger, stock_event: StockEvent) -> list[tuple[str, ...]]:
    with db.begin() as conn:
        recorded = ledger.record(conn, stock_event)
    return [(x.facility, x.lot, x.kind, x.quantity, x.balance) for x in recorded.lines]


def refused(db: Database, ledger: StockLedger, stock_event: StockEvent) -> FhirError:
    before = _counts(db)
    with pytest.raises(FhirError) as caught, db.begin() as conn:
        ledger.record(conn, stock_event)
    assert _counts(db) == before, "a refused event wrote nothing"
    return caught.value


def _counts(db: Database) -> tuple[int, int, dict[tuple[str, str | None], int]]:
    with db.read() as conn:
        n_events = conn.execute(select(func.count()).select_from(events)).scalar_one()
        n_lines = conn.execute(select(func.count()).select_from(lines)).scalar_one()
    return n_events, n_lines, on_hand(db)


def stocked(db: Database, ledger: StockLedger) -> None:
    record(db, ledger, receipt((MET, "A", 5, LATER), (MET, "B", 3, SOON), counterpart="CEDIS"))


def test_receipt_then_issue_by_lot_and_fefo(db: Database, ledger: StockLedger) -> None:
    stocked(db, ledger)
    assert on_hand(db) == {(MET, "B"): 3, (MET, "A"): 5}
    assert record(db, ledger, event("issue", (MET, "A", 1))) == [(HERE, "A", "issue", -1, 4)]
    # No lot: first expiry first out, B (soonest) emptied before A is touched.
    picked = record(db, ledger, event("issue", (MET, None, 4), reference="MedicationDispense/9"))
    assert picked == [(HERE, "B", "issue", -3, 0), (HERE, "A", "issue", -1, 3)]
    assert on_hand(db) == {(MET, "A"): 3}


def test_transfer_moves_both_legs_in_one_event(db: Database, ledger: StockLedger) -> None:
    stocked(db, ledger)
    moved = record(db, ledger, event("transfer", (MET, "A", 2), counterpart=THERE))
    assert moved == [(HERE, "A", "transfer-out", -2, 3), (THERE, "A", "transfer-in", 2, 2)]
    assert on_hand(db, THERE) == {(MET, "A"): 2}
    with db.read() as conn:
        [there] = stock_on_hand(conn, THERE)
    assert there.expiry == LATER  # the lot keeps its expiry at the destination


def test_a_failing_in_leg_leaves_nothing(db: Database, ledger: StockLedger) -> None:
    stocked(db, ledger)
    # The destination knows lot A with another expiry: the in-leg is refused after the
    # out-leg moved, and the whole event rolls back.
    record(db, ledger, receipt((MET, "A", 1, SOON), facility=THERE))
    error = refused(db, ledger, event("transfer", (MET, "A", 2), counterpart=THERE))
    assert error.status == 422 and error.issues[0].expression == "destination.expiry"
    assert on_hand(db) == {(MET, "B"): 3, (MET, "A"): 5}


def test_adjustments_by_reason(db: Database, ledger: StockLedger) -> None:
    stocked(db, ledger)
    assert record(db, ledger, event("adjustment", (MET, "A", 2), reason="damaged")) == [
        (HERE, "A", "adjustment", -2, 3)
    ]
    assert record(db, ledger, event("adjustment", (MET, "B", 1), reason="found")) == [
        (HERE, "B", "adjustment", 1, 4)
    ]
    # Found units of a lot never seen here: its expiry is needed.
    error = refused(db, ledger, event("adjustment", (MET, "Z", 1), reason="found"))
    assert error.status == 422 and error.issues[0].expression == "items[0].expiry"


def test_physical_count_books_the_difference(db: Database, ledger: StockLedger) -> None:
    stocked(db, ledger)
    counted = record(db, ledger, event("count", (MET, "A", 2), (MET, "B", 3)))
    assert counted == [(HERE, "A", "count", -3, 2), (HERE, "B", "count", 0, 3)]
    assert record(db, ledger, event("count", (MET, "A", 7))) == [(HERE, "A", "count", 5, 7)]
    assert refused(db, ledger, event("count", (MET, "Q", 1))).status == 422


def test_stock_never_goes_negative_through_the_api(db: Database, ledger: StockLedger) -> None:
    stocked(db, ledger)
    for bad in (
        event("issue", (MET, "A", 6)),
        event("issue", (MET, None, 9)),
        event("issue", (MET, "A", 5), (MET, "B", 4)),  # the second item fails after the first
        event("adjustment", (MET, "B", 4), reason="lost"),
        event("transfer", (MET, "B", 4), counterpart=THERE),
        event("issue", (INS, "A", 1)),  # never received
    ):
        error = refused(db, ledger, bad)
        assert error.status == 409 and error.issues[0].expression.endswith(".quantity")


def test_expired_lots_are_not_issued(db: Database, ledger: StockLedger) -> None:
    record(
        db, ledger, receipt((MET, "OLD", 4, T0.date() - timedelta(days=1)), (MET, "OK", 1, LATER))
    )
    error = refused(db, ledger, event("issue", (MET, "OLD", 1)))
    assert error.status == 422 and error.issues[0].expression == "items[0].lot"
    # FEFO skips the expired lot: only 1 usable unit.
    assert refused(db, ledger, event("issue", (MET, None, 2))).status == 409
    # Expired stock leaves by an adjustment (or a transfer back).
    assert record(db, ledger, event("adjustment", (MET, "OLD", 4), reason="expired"))[0][4] == 0


def test_a_receipt_must_agree_with_the_lot_expiry(db: Database, ledger: StockLedger) -> None:
    stocked(db, ledger)
    error = refused(db, ledger, receipt((MET, "A", 1, SOON)))
    assert error.status == 422 and error.issues[0].expression == "items[0].expiry"


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        (event("issue", (MET, "A", 1), facility="nowhere"), "facility"),
        (event("issue", ("aspirin", "A", 1)), "items[0].product"),
        (event("transfer", (MET, "A", 1), counterpart="nowhere"), "destination"),
    ],
)
def test_unknown_facility_or_product_is_404(
    db: Database, ledger: StockLedger, bad: StockEvent, where: str
) -> None:
    error = refused(db, ledger, bad)
    assert error.status == 404 and error.issues[0].expression == where


def test_idempotency_key_replays_or_conflicts(db: Database, ledger: StockLedger) -> None:
    stocked(db, ledger)
    first = event("issue", (MET, "A", 1), idempotency_key="disp-1")
    with db.begin() as conn:
        original = ledger.record(conn, first)
    with db.begin() as conn:
        again = ledger.record(conn, first)
    assert again.replayed and again.event_id == original.event_id
    assert again.lines == original.lines
    assert on_hand(db)[(MET, "A")] == 4  # booked once
    other = event("issue", (MET, "A", 2), idempotency_key="disp-1")
    error = refused(db, ledger, other)
    assert error.status == 409 and error.issues[0].expression == "idempotencyKey"


def test_a_batch_is_all_or_nothing(db: Database, ledger: StockLedger) -> None:
    stocked(db, ledger)
    good, bad = event("issue", (MET, "A", 1)), event("issue", (MET, "B", 9))
    with pytest.raises(FhirError) as caught, db.begin() as conn:
        ledger.record_batch(conn, [good, bad])
    assert caught.value.issues[0].expression == "events[1].items[0].quantity"
    assert on_hand(db) == {(MET, "B"): 3, (MET, "A"): 5}
    with db.begin() as conn:
        done = ledger.record_batch(conn, [good, good])
    assert [len(r.lines) for r in done] == [1, 1] and on_hand(db)[(MET, "A")] == 3


def test_stock_card_pages_in_line_order(db: Database, ledger: StockLedger) -> None:
    stocked(db, ledger)
    for _ in range(4):
        record(db, ledger, event("issue", (MET, "A", 1)))
    with db.read() as conn:
        first = stock_card(conn, HERE, MET, "A", limit=2)
        rest = stock_card(conn, HERE, MET, "A", after=first.next_after or 0, limit=10)
    assert [(x.seq, x.balance) for x in first.lines] == [(1, 5), (2, 4)]
    assert [(x.seq, x.balance) for x in rest.lines] == [(3, 3), (4, 2), (5, 1)]
    assert first.next_after == 2 and rest.next_after is None
    assert first.lines[0].counterpart == "CEDIS" and first.lines[0].expiry == LATER


def test_occurred_and_recorded_times_are_kept(db: Database, ledger: StockLedger) -> None:
    earlier = T0 - timedelta(days=3)
    record(db, ledger, receipt((MET, "A", 1, LATER), at=earlier))
    with db.read() as conn:
        row = conn.execute(select(lines.c.occurred_us, lines.c.recorded_us)).one()
    assert row.recorded_us - row.occurred_us == 3 * 86_400_000_000
    assert date(2026, 2, 27) == earlier.date()


def test_a_refusal_leaves_nothing_even_if_the_caller_carries_on(
    db: Database, ledger: StockLedger
) -> None:
    stocked(db, ledger)
    with db.begin() as conn:
        with pytest.raises(FhirError):  # lot A moves, then lot B is short
            ledger.record(conn, event("issue", (MET, "A", 5), (MET, "B", 4)))
        ledger.record(conn, event("issue", (MET, "A", 1)))  # the transaction is still usable
    assert on_hand(db) == {(MET, "B"): 3, (MET, "A"): 4}
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar_one() == 2

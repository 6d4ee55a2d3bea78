"""`supply_kpis.units_on_hand`: units per facility on the window's last snapshot day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from enlace.modules import supply_kpis
from enlace.modules.supply_kpis.tables import pairs, snapshots
from enlace.store.database import Database


def _pair(day: str, facility: str, product: str, on_hand: int) -> dict[str, object]:
    return {"day": day, "facility": facility, "product": product, "on_hand": on_hand,
            "issued": 0, "days_out": 0, "stocked_out": int(on_hand == 0), "plan": 9,
            "reported": 1}  # fmt: skip


def _snapshot(day: str) -> dict[str, object]:
    return {"day": day, "taken_us": 1, "pairs": 0, "facilities": 0, "alerts": 0}


def test_units_on_the_last_snapshot_day_of_the_window(db: Database) -> None:
    with db.begin() as conn:
        conn.execute(insert(snapshots), [_snapshot(d) for d in
                                         ("2026-09-15", "2026-09-28", "2026-10-01")])  # fmt: skip
        conn.execute(insert(pairs), [
            _pair("2026-09-15", "here", "met", 500),  # an earlier day: not read
            _pair("2026-09-28", "here", "met", 120),
            _pair("2026-09-28", "here", "abc", 30),
            _pair("2026-09-28", "there", "met", 0),  # stocked out: 0, not absent
            _pair("2026-10-01", "here", "met", 999),  # after the window
        ])  # fmt: skip
    with db.read() as conn:
        found = supply_kpis.units_on_hand(conn, date(2026, 9, 1), date(2026, 9, 30))
    assert found == supply_kpis.OnHand(date(2026, 9, 28), {"here": 150, "there": 0})


def test_a_window_without_snapshots_has_no_day(db: Database) -> None:
    with db.read() as conn:
        found = supply_kpis.units_on_hand(conn, date(2026, 9, 1), date(2026, 9, 30))
    assert found == supply_kpis.OnHand(None, {})

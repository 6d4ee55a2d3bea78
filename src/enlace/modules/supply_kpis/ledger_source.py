"""The snapshot's input read from the stock ledger through its public API (never its tables).

Pairs expected to stock a product: those with units on hand now, those that issued it in the
AMC window, and those in an earlier snapshot (once stocked, a product stays expected, so
running dry keeps it in the denominator).
Per pair: units issued and days out of stock in the AMC window ending on the day, and whether
it reported in the reporting period (an issue in it, or on hand changed since the last snapshot).

On hand is the ledger's balance when the snapshot runs (it is meant to run at the close of the
day); a rerun for an earlier day keeps today's balances (docs/supply_kpis.md, limits).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import Connection, func, select

from enlace.modules import catalog, inventory
from enlace.modules.supply_kpis.kpis import Plan
from enlace.modules.supply_kpis.snapshot import Ledger, Progress
from enlace.modules.supply_kpis.tables import pairs as pair_rows

PRODUCTS = tuple(m.slug for m in catalog.formulary())


def read_ledger(
    conn: Connection,
    day: date,
    plan: Plan,
    facilities: Iterable[catalog.Facility],
    progress: Progress,
    products: Iterable[str] = PRODUCTS,
) -> Ledger:
    known = list(facilities)
    products = list(products)
    previous = _previous_on_hand(conn, day)
    window_start = day - timedelta(days=plan.window_days - 1)
    report_start = day - timedelta(days=plan.reporting_days - 1)
    rows: list[tuple[int, str, int, int, int, bool]] = []
    for index, facility in enumerate(known):
        on_hand = {
            s.product: s.on_hand for s in inventory.stock_on_hand(conn, facility.slug, by_lot=False)
        }
        held = set(on_hand) | {p for f, p in previous if f == facility.slug}
        issued_by = {
            product: inventory.consumption(
                conn, facility.slug, product, _start(window_start), _start(day + timedelta(1))
            )
            for product in products
        }
        expected = sorted(held | {p for p, units in issued_by.items() if units > 0})
        for product in expected:
            units = on_hand.get(product, 0)
            issued = issued_by[product]
            days_out = inventory.days_out_of_stock(conn, facility.slug, product, window_start, day)
            recent = inventory.consumption(
                conn, facility.slug, product, _start(report_start), _start(day + timedelta(1))
            )
            before = previous.get((facility.slug, product))
            moved = recent > 0 or (before is not None and before != units)
            rows.append((index, product, units, issued, days_out, moved))
        progress(1)
    return _columns(day, known, rows)


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _previous_on_hand(conn: Connection, day: date) -> dict[tuple[str, str], int]:
    """The latest earlier snapshot's on hand per pair (empty before the first snapshot)."""
    last = conn.execute(
        select(func.max(pair_rows.c.day)).where(pair_rows.c.day < day.isoformat())
    ).scalar()
    if last is None:
        return {}
    query = select(pair_rows.c.facility, pair_rows.c.product, pair_rows.c.on_hand).where(
        pair_rows.c.day == last
    )
    return {(f, p): int(units) for f, p, units in conn.execute(query)}


def _columns(
    day: date, facilities: list[catalog.Facility], rows: list[tuple[int, str, int, int, int, bool]]
) -> Ledger:
    used = sorted({r[0] for r in rows})
    position = {old: new for new, old in enumerate(used)}
    products = sorted({r[1] for r in rows})
    product_index = {p: i for i, p in enumerate(products)}
    kept = [facilities[i] for i in used]
    return Ledger(
        day=day,
        facilities=[f.slug for f in kept],
        products=products,
        state=[f.state for f in kept],
        institution=[f.institution for f in kept],
        facility=np.array([position[r[0]] for r in rows], dtype=np.int64),
        product=np.array([product_index[r[1]] for r in rows], dtype=np.int64),
        on_hand=np.array([r[2] for r in rows], dtype=np.int64),
        issued=np.array([r[3] for r in rows], dtype=np.int64),
        days_out=np.array([r[4] for r in rows], dtype=np.int64),
        reported=np.array([r[5] for r in rows], dtype=bool),
    )

"""Units on hand per facility at the end of a window, for the population indicators
(analytics' `stock_levels`): the daily snapshot already holds each facility x product's stock,
so the month-end level is the last snapshot day's, summed over products."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func, select

from enlace.modules.supply_kpis.tables import pairs, snapshots


@dataclass(frozen=True, slots=True)
class OnHand:
    day: date | None  # the snapshot day read; None when no snapshot fell in the window
    units: dict[str, int]  # facility slug -> units on hand that day, all products


def units_on_hand(conn: Connection, first: date, last: date) -> OnHand:
    """Units on hand per facility on the last snapshot day in [first, last]. A facility with
    no pair expected to stock anything that day is absent; one whose pairs are all at zero is 0."""
    day = conn.execute(
        select(func.max(snapshots.c.day)).where(
            snapshots.c.day.between(first.isoformat(), last.isoformat())
        )
    ).scalar()
    if day is None:
        return OnHand(None, {})
    query = (
        select(pairs.c.facility, func.sum(pairs.c.on_hand))
        .where(pairs.c.day == day)
        .group_by(pairs.c.facility)
    )
    return OnHand(
        date.fromisoformat(day), {str(f): int(units or 0) for f, units in conn.execute(query)}
    )

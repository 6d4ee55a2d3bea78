"""Reads behind the replenishment pages: the latest requisition day, a facility's suggested
order, the network's expected stock-outs, and a pair's monthly consumption history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from enlace.kernel import errors
from enlace.modules import catalog, inventory
from enlace.modules.supply.tables import requisition_runs, suggestions

HORIZON_DAYS = 30


@dataclass(frozen=True, slots=True)
class Month:
    first_day: date
    issued: int


def latest_day(conn: Connection) -> date | None:
    found = conn.execute(select(func.max(requisition_runs.c.day))).scalar()
    return date.fromisoformat(found) if found else None


def require_run(conn: Connection, day: date) -> None:
    """A day the requisitions did not run is a 404, not an empty order."""
    known = conn.execute(
        select(requisition_runs.c.day).where(requisition_runs.c.day == day.isoformat())
    ).first()
    if known is None:
        raise errors.not_found(f"no requisitions were run for {day.isoformat()}")


def expected_stockouts(
    conn: Connection, day: date, state: str | None = None, horizon_days: int = HORIZON_DAYS
) -> list[dict[str, Any]]:
    """Pairs whose stock on the day lasts fewer than `horizon_days` at the forecast demand,
    soonest first, with the order (and transfer) suggested for them."""
    query = (
        select(suggestions)
        .where(
            suggestions.c.day == day.isoformat(),
            suggestions.c.days_of_stock < horizon_days,
            suggestions.c.forecast > 0,
        )
        .order_by(suggestions.c.days_of_stock, suggestions.c.facility, suggestions.c.product)
    )
    rows = [dict(r._mapping) for r in conn.execute(query)]
    states = {f.slug: f.state for f in catalog.facilities()}
    orders = [r for r in rows if r["kind"] == "order"]
    moved = {(r["facility"], r["product"]): r for r in rows if r["kind"] == "transfer"}
    found = []
    for row in orders:
        if state is not None and states.get(row["facility"]) != state:
            continue
        transfer = moved.get((row["facility"], row["product"]))
        found.append({**row, "transfer_from": transfer["source"] if transfer else None})
    return found


def monthly_issues(
    conn: Connection, facility: str, product: str, day: date, months: int = 6
) -> list[Month]:
    """Units issued in each of the `months` calendar months before `day`'s month (oldest first)."""
    firsts = [month_start(day, -back) for back in range(months, 0, -1)]
    ends = [*firsts[1:], month_start(day, 0)]
    return [
        Month(first, inventory.consumption(conn, facility, product, _at(first), _at(end)))
        for first, end in zip(firsts, ends, strict=True)
    ]


def month_start(day: date, shift: int) -> date:
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


@dataclass(frozen=True, slots=True)
class Accuracy:
    """How a past run's forecasts did against what was then issued, for one product."""

    product: str
    pairs: int
    forecast: float  # units expected over the horizon, summed over pairs
    actual: int  # units issued over the horizon
    wape: float | None  # sum |forecast - actual| / sum actual; None when nothing was issued
    bias: float | None  # (sum forecast - sum actual) / sum actual


def forecast_accuracy(
    conn: Connection, today: date, horizon_days: int = HORIZON_DAYS, most_pairs: int = 500
) -> tuple[date | None, list[Accuracy]]:
    """The latest requisition day at least `horizon_days` before today: each ordered pair's
    expected demand over the horizon (forecast per month x days / 30) against the units issued
    in those days (inventory's consumption), per product, worst WAPE first. The issued units
    are censored by stock-outs, so an under-forecast looks better than it was."""
    last = today - timedelta(days=horizon_days)
    found = conn.execute(
        select(func.max(requisition_runs.c.day)).where(requisition_runs.c.day <= last.isoformat())
    ).scalar()
    if not found:
        return None, []
    day = date.fromisoformat(found)
    query = (
        select(suggestions.c.facility, suggestions.c.product, suggestions.c.forecast)
        .where(suggestions.c.day == found, suggestions.c.kind == "order")
        .order_by(suggestions.c.line)
        .limit(most_pairs)
    )
    start, end = _at(day), _at(day + timedelta(days=horizon_days))
    totals: dict[str, list[float]] = {}
    for facility, product, monthly in conn.execute(query):
        expected = float(monthly) * horizon_days / 30
        issued = inventory.consumption(conn, facility, product, start, end)
        row = totals.setdefault(product, [0, 0.0, 0.0, 0.0])
        row[0] += 1
        row[1] += expected
        row[2] += issued
        row[3] += abs(expected - issued)
    rows = [
        Accuracy(
            product,
            int(n),
            round(expected, 1),
            int(actual),
            round(error / actual, 3) if actual else None,
            round((expected - actual) / actual, 3) if actual else None,
        )
        for product, (n, expected, actual, error) in totals.items()
    ]
    rows.sort(key=lambda a: (a.wape is None, -(a.wape or 0.0), a.product))
    return day, rows

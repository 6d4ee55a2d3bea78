"""The demand signal per facility x product x week or month, corrected for stock-out censoring.

Issued units undercount demand when the shelf was empty. Per period of D days:
- issued C: units issued (dispensed) at the facility, from the stock ledger (inventory's
  `consumption`);
- days out X: days the product's stock was zero at some moment (inventory's
  `days_out_of_stock`);
- adjusted N = ceil(C x D / (D - X)) (OpenLMIS adjusted consumption with M = D / 30 months of
  30 days; supply_kpis' `adjusted_consumption`); unknown (NaN) when X = D;
- lost L: units prescribed at the facility and not handed over within 72 h (unfilled
  prescriptions, supply_kpis' `read_prescriptions`: observed lost demand, better than a rate
  scaled from the stocked days). The prescriptions carry no product there, so a facility's lost
  units of the period are shared among its products in proportion to their days out of stock
  (a product never out lost nothing);
- demand = max(N, C + L) (C + L when N is unknown): what the facility would have issued with
  stock on the shelf.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd

from enlace.modules import inventory, supply_kpis

GRAINS = ("week", "month")
LOST_WINDOW_H = 72
SEPARATOR = "|"


def adjusted(issued: int, days_out: int, days: int) -> float:
    """OpenLMIS N = ceil(C x D / (D - X)); NaN when the whole period was out of stock."""
    c, x = np.array([issued], dtype=np.int64), np.array([days_out], dtype=np.int64)
    return float(supply_kpis.adjusted_consumption(c, x, days)[0])


def corrected_demand(issued: int, days_out: int, days: int, lost: float) -> float:
    """max(adjusted consumption, issued + lost units) — see the module docstring."""
    floor = issued + lost
    n = adjusted(issued, days_out, days)
    return floor if math.isnan(n) else max(n, floor)


def periods(first: date, last: date, grain: str) -> list[tuple[date, date]]:
    """[start, end) periods covering first..last: ISO weeks (Monday) or calendar months."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    if last < first:
        raise ValueError("last is before first")
    out = []
    start = first - timedelta(days=first.weekday()) if grain == "week" else first.replace(day=1)
    while start <= last:
        end = start + timedelta(days=7) if grain == "week" else _next_month(start)
        out.append((start, end))
        start = end
    return out


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def lost_units(prescribed: Iterable[Any], pharmacy: str, start: date, end: date) -> int:
    """Units prescribed at `pharmacy` in [start, end) not handed over within 72 h."""
    opens = datetime.combine(start, time(), UTC)
    closes = datetime.combine(end, time(), UTC)
    lost = 0
    for p in prescribed:
        if p.pharmacy != pharmacy or not opens <= p.authored < closes or p.quantity is None:
            continue
        deadline = p.authored + timedelta(hours=LOST_WINDOW_H)
        given = sum(units for when, units in p.handed if when <= deadline)
        lost += max(0, p.quantity - given)
    return lost


def share_lost(lost: int, days_out: dict[str, int]) -> dict[str, float]:
    """A facility's lost units shared among products by their days out of stock."""
    total = sum(days_out.values())
    if lost <= 0 or total <= 0:
        return {product: 0.0 for product in days_out}
    return {product: lost * days / total for product, days in days_out.items()}


@dataclass(frozen=True, slots=True)
class Point:
    facility: str
    product: str
    start: date
    days: int
    issued: int
    days_out: int
    lost: float
    demand: float


def facility_points(
    conn: Any,
    facility: str,
    products: Sequence[str],
    period: tuple[date, date],
    prescribed: Sequence[Any],
) -> list[Point]:
    """One facility's demand points for one period, read through inventory's public API."""
    start, end = period
    since, until = (datetime.combine(d, time(), UTC) for d in period)
    issued = {p: inventory.consumption(conn, facility, p, since, until) for p in products}
    last = end - timedelta(days=1)
    out = {p: inventory.days_out_of_stock(conn, facility, p, start, last) for p in products}
    shares = share_lost(lost_units(prescribed, facility, start, end), out)
    days = (end - start).days
    return [
        Point(
            facility,
            p,
            start,
            days,
            issued[p],
            out[p],
            shares[p],
            corrected_demand(issued[p], out[p], days, shares[p]),
        )
        for p in products
        if issued[p] > 0 or out[p] < days  # a product the facility never held is no series
    ]


def read_demand(
    services: Any,
    conn: Any,
    facilities: Sequence[str],
    products: Sequence[str],
    window: tuple[date, date],
    grain: str,
    progress: Callable[[int], None] = lambda n: None,
) -> pd.DataFrame:
    """Demand points for every facility x product x period in window (first, last): the
    products a facility holds now or issued in the window (one query per pair to find them),
    then per period."""
    spans = periods(window[0], window[1], grain)
    prescribed = supply_kpis.read_prescriptions(services, conn, spans[0][0], spans[-1][1])
    points: list[Point] = []
    for facility in facilities:
        held = held_products(conn, facility, products, spans[0][0], spans[-1][1])
        for span in spans:
            points.extend(facility_points(conn, facility, held, span, prescribed))
        progress(1)
    columns = list(Point.__slots__)
    return pd.DataFrame([_row(p) for p in points], columns=columns)


def held_products(
    conn: Any, facility: str, products: Sequence[str], first: date, end: date
) -> list[str]:
    """Products on hand at the facility now, or issued there in [first, end)."""
    on_hand = {s.product for s in inventory.stock_on_hand(conn, facility, by_lot=False)}
    since, until = (datetime.combine(d, time(), UTC) for d in (first, end))
    return [
        p
        for p in products
        if p in on_hand or inventory.consumption(conn, facility, p, since, until) > 0
    ]


def _row(point: Point) -> dict[str, Any]:
    return {name: getattr(point, name) for name in Point.__slots__}


def panel_of(points: pd.DataFrame) -> pd.DataFrame:
    """Monthly demand points as a forecasting panel: unique_id = facility|product, y = demand."""
    if points.empty:
        return pd.DataFrame(columns=["unique_id", "ds", "y"])
    return pd.DataFrame(
        {
            "unique_id": points["facility"] + SEPARATOR + points["product"],
            "ds": pd.to_datetime(points["start"]),
            "y": points["demand"].astype(float),
        }
    )

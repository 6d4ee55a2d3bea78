"""The requisitions' demand distribution from supply.demand and supply.forecast (helper E):
each facility x product's monthly demand over the last complete months (issued, corrected for
days out of stock and for unfilled prescriptions), forecast one month ahead; the mean and the
per-series monthly error spread feed S = mu (R + L) + z sigma sqrt(R + L)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from enlace.modules.supply import demand, forecast
from enlace.modules.supply.requisition_reads import month_start

HISTORY_MONTHS = 6
METHOD = "ensemble"
Forecasts = dict[tuple[str, str], tuple[float, float]]  # (facility, product) -> (mean, sigma)


def forecast_pairs(
    services: Any,
    conn: Connection,
    day: date,
    facilities: Sequence[str],
    products: Sequence[str],
    progress: Callable[[int], None] = lambda n: None,
    months: int = HISTORY_MONTHS,
) -> Forecasts:
    """Mean and spread of next month's demand per pair with history; {} when there is none."""
    window = (month_start(day, -months), month_start(day, 0) - timedelta(days=1))
    points = demand.read_demand(services, conn, facilities, products, window, "month", progress)
    panel = demand.panel_of(points)
    if panel.empty:
        return {}
    found = forecast.forecast(panel, 1, (0.5,), method=METHOD, panel_end=panel["ds"].max())
    pairs: Forecasts = {}
    for uid, mean, sigma in zip(
        found["unique_id"], found["mean"], found["sigma_monthly"], strict=True
    ):
        facility, product = str(uid).split(demand.SEPARATOR, 1)
        mu = max(float(mean), 0.0) if not math.isnan(mean) else 0.0
        spread = float(sigma) if not math.isnan(sigma) else math.sqrt(mu)
        pairs[(facility, product)] = (mu, spread)
    return pairs

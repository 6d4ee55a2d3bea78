"""Indicator library, drill-down, small-cell suppression and clinics of excellence (issue 13).

Public API (docs/indicators.md, docs/clinics-of-excellence.md):
- `catalog()` -> every `Indicator` definition (id, titles, numerator, denominator, exclusions,
  period, direction, unit, source, SQL or why it is not computable);
- `compute(services, indicator_ids, period, level, unit=None, role_can_see_identities=False)`
  -> list of `Cell` (one per unit of the level; value None with a reason when not computable or
  suppressed); `compute_on(duckdb_connection, ...)` does the same over any DuckDB holding the
  views;
- drill-down: `LEVELS`, `series` (by month), `compare` (this period vs the previous one),
  `patient_list`;
- `rank(...)` and `explain(...)`: clinics of excellence;
- `refresh_sources(services, full=False)`: register and materialize the views they read;
- `latest_activity(services)` -> the day of the latest clinical record (boards' default period).
"""

from __future__ import annotations

from enlace.modules.analytics.indicators.compute import LEVELS, Cell, compute_on
from enlace.modules.analytics.indicators.definitions import HIGHER, LOWER, Indicator
from enlace.modules.analytics.indicators.drilldown import Comparison, compare, patient_list, series
from enlace.modules.analytics.indicators.library import BY_ID, INDICATORS, catalog
from enlace.modules.analytics.indicators.periods import Period, parse_period
from enlace.modules.analytics.indicators.ranking import (
    RANKED_INDICATORS,
    ClinicRank,
    explain,
    rank,
    rank_on,
)
from enlace.modules.analytics.indicators.service import compute, latest_activity, views_connection
from enlace.modules.analytics.indicators.views import INDICATOR_VIEWS, refresh_sources, register

__all__ = [
    "BY_ID",
    "HIGHER",
    "INDICATORS",
    "INDICATOR_VIEWS",
    "LEVELS",
    "LOWER",
    "RANKED_INDICATORS",
    "Cell",
    "ClinicRank",
    "Comparison",
    "Indicator",
    "Period",
    "catalog",
    "compare",
    "compute",
    "compute_on",
    "explain",
    "latest_activity",
    "parse_period",
    "patient_list",
    "rank",
    "rank_on",
    "refresh_sources",
    "register",
    "series",
    "views_connection",
]

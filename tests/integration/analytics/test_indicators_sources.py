"""Module-sourced indicator rows read through the owning modules' public API: supply_kpis'
stock-out series per clinic facility, screening's follow-up per clinic."""

from __future__ import annotations

from sqlalchemy import delete, insert

from enlace.interactions.context import Services
from enlace.modules import supply_kpis
from enlace.modules.analytics.indicators import sources
from enlace.modules.analytics.indicators.periods import parse_period
from enlace.modules.catalog import FACILITIES

ROLLUPS = next(t for t in supply_kpis.SUPPLY_KPI_TABLES if t.name == "supply_kpi_rollups")


def _rollup(day: str, facility: str, pairs: int, out: int) -> dict[str, object]:
    return {"day": day, "level": "facility", "scope": facility, "product": "*", "pairs": pairs,
            "stocked_out": out, "assessed": pairs, "within_plan": pairs - out, "facilities": 1,
            "reported": 1, "days_out": out}  # fmt: skip


def test_stockouts_per_clinic_summed_over_the_period(services: Services) -> None:
    slug = FACILITIES[0].slug
    rows = [_rollup("2026-09-01", slug, 20, 3), _rollup("2026-09-15", slug, 20, 5),
            _rollup("2026-10-01", slug, 20, 20)]  # fmt: skip
    with services.db.begin() as conn:
        conn.execute(insert(ROLLUPS), rows)
    try:
        with services.db.read() as conn:
            found = sources.stockout_rows(
                conn, [f"org-{slug}", "no-prefix", "org-unknown"], parse_period("2026-09")
            )
        # October's day is outside the period; a clinic with no snapshots gives no row
        assert found == [(f"org-{slug}", 8.0, 40.0)]
    finally:
        with services.db.begin() as conn:
            conn.execute(delete(ROLLUPS).where(ROLLUPS.c.scope == slug))


def test_followup_without_referrals_gives_no_rows(services: Services) -> None:
    with services.db.read() as conn:
        assert sources.followup_rows(conn, services.repo) == []

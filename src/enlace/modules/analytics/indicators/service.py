"""The indicators over a platform: open the materialized views (the DuckDB file, read only),
read the module-sourced rows, compute. `refresh_sources` (views.py) brings the views up to date
first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from enlace.kernel import errors
from enlace.modules import analytics
from enlace.modules.analytics.indicators import frame, sources
from enlace.modules.analytics.indicators.compute import Cell, compute_on
from enlace.modules.analytics.indicators.library import pick
from enlace.modules.analytics.indicators.periods import Period, parse_period

T = TypeVar("T")


@contextmanager
def views_connection(
    services: Any, path: Path | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the views' file attached read only (refreshes may run alongside;
    the indicators' temporary tables live in memory)."""
    con = duckdb.connect(":memory:")
    try:
        file = path or analytics.duckdb_path(services.settings)
        if Path(file).exists():
            try:
                con.execute(f"ATTACH '{file}' AS views (READ_ONLY)")
            except duckdb.OperationalError as busy:  # a writer holds the file (refresh running)
                raise errors.error(503, "transient", "the analytics views are being refreshed; "
                                   f"retry shortly ({busy})") from busy  # fmt: skip
            con.execute("USE views")
        yield con
    finally:
        con.close()


def as_period(period: str | Period) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def external_rows(
    services: Any, con: duckdb.DuckDBPyConnection, ids: list[str] | None, period: Period
) -> dict[str, Any]:
    frame.ensure_tables(con)
    clinics = [r[0] for r in con.execute(
        "SELECT DISTINCT clinic_id FROM indicator_patients WHERE clinic_id IS NOT NULL"
    ).fetchall()]  # fmt: skip
    with services.db.read() as conn:
        return sources.read(conn, services.repo, pick(ids), clinics, period, _clinic_of(con))


def _clinic_of(con: duckdb.DuckDBPyConnection) -> sources.ClinicOf:
    """Patient ids -> their clinic, from the views (for sources attributed per patient)."""

    def lookup(patients: list[str]) -> dict[str, str]:
        if not patients:
            return {}
        found = con.execute(
            "SELECT id, clinic_id FROM indicator_patients WHERE clinic_id IS NOT NULL "
            "AND id IN (SELECT unnest($ids))",
            {"ids": patients},
        ).fetchall()
        return {str(patient): str(clinic) for patient, clinic in found}

    return lookup


def compute(
    services: Any,
    indicator_ids: list[str] | None,
    period: str | Period,
    level: str = "national",
    unit: tuple[str, str] | None = None,
    role_can_see_identities: bool = False,
    path: Path | None = None,
) -> list[Cell]:
    """Cells of the indicators (all when None) for `period` at `level`, inside `unit` — a
    (level, id) above it, e.g. ("state", "14") — suppressed unless identities may be seen."""
    chosen, when = pick(indicator_ids), as_period(period)
    with views_connection(services, path) as con:
        external = external_rows(services, con, indicator_ids, when)
        return compute_on(con, chosen, when, level, unit, role_can_see_identities, external)


def with_views(services: Any, work: Callable[[duckdb.DuckDBPyConnection], T],
               path: Path | None = None) -> T:  # fmt: skip
    with views_connection(services, path) as con:
        return work(con)


def latest_activity(services: Any, path: Path | None = None) -> date | None:
    """The day of the latest clinical record in the materialized views (None when empty)."""
    with views_connection(services, path) as con:
        frame.ensure_tables(con)
        return frame.latest_activity(con)

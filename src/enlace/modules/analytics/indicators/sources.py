"""Indicators whose data lives in module tables, read through the owning module's public API
as rows per clinic (clinic Organization id, numerator, denominator):

- followup_linked: screening's follow-up indicators per clinic (`screening.indicators`,
  documented in docs/screening.md "Follow-up") — referrals decided / referred;
- stockout_drugs: supply_kpis' `stock_out_series` for each clinic's facility (a clinic is
  `Organization/org-<facility slug>`) — pairs stocked out / pairs expected, summed over the
  snapshot days of the period.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from enlace.modules import supply_kpis
from enlace.modules.analytics.indicators.compute import ClinicRows
from enlace.modules.analytics.indicators.definitions import Indicator
from enlace.modules.analytics.indicators.periods import Period
from enlace.modules.screening.indicators import indicators as screening_indicators

CLINIC_PREFIX = "org-"


def followup_rows(conn: Connection, repo: Any) -> list[tuple[str, float, float]]:
    return [
        (line.clinic, float(line.confirmed + line.ruled_out), float(line.referred))
        for line in screening_indicators(conn, repo)
        if line.clinic and line.referred
    ]


def stockout_rows(
    conn: Connection, clinics: Iterable[str], period: Period
) -> list[tuple[str, float, float]]:
    last = period.end - timedelta(days=1)
    out = []
    for clinic in clinics:
        if not clinic.startswith(CLINIC_PREFIX):
            continue
        scope = supply_kpis.Scope(facility=clinic[len(CLINIC_PREFIX) :])
        shares = supply_kpis.stock_out_series(conn, scope, period.start, last)
        expected = sum(s.of for s in shares)
        if expected:
            out.append((clinic, float(sum(s.count for s in shares)), float(expected)))
    return out


def read(
    conn: Connection, repo: Any, wanted: Iterable[Indicator], clinics: list[str], period: Period
) -> dict[str, ClinicRows]:
    """Rows per clinic of each module-sourced indicator among `wanted`."""
    found: dict[str, ClinicRows] = {}
    ids = {i.id for i in wanted if i.sql is None and i.no_source is None}
    if "followup_linked" in ids:
        found["followup_linked"] = followup_rows(conn, repo)
    if "stockout_drugs" in ids:
        found["stockout_drugs"] = stockout_rows(conn, clinics, period)
    return found

"""Indicators whose data lives in module tables, read through the owning module's public API
as rows per clinic (clinic Organization id, numerator, denominator):

- followup_linked: screening's follow-up indicators per clinic (`screening.indicators`,
  documented in docs/screening.md "Follow-up") — referrals decided / referred;
- stockout_drugs: supply_kpis' `stock_out_series` for each clinic's facility (a clinic is
  `Organization/org-<facility slug>`) — pairs stocked out / pairs expected, summed over the
  snapshot days of the period;
- pdc_80: adherence's `pdc_by_clinic` as of the period's last day — therapies with PDC >= 0.8 /
  therapies with a PDC;
- alert_response_minutes: monitoring's `alert_response.response_by_patient` over the period,
  each patient's alerts attributed to the patient's clinic (`clinic_of`, from the views) —
  minutes to acknowledgement / alerts acknowledged;
- trace_alerts: trace's `alerts_by_facility` over the period for each clinic's facility — the
  alerts raised there (0 when none), each facility counting 1 in the denominator;
- stock_levels: supply_kpis' `units_on_hand` on the period's last snapshot day for each clinic's
  facility — units on hand, each facility with stock pairs counting 1;
- claims_pmpm: claims' `paid_by_patient` (pesos) over coverage's `member_months_by_patient`,
  both attributed to the patient's clinic (`clinic_of`) — pesos paid per member-month;
- trained_clinicians: education's `trained_by_clinic` at the end of the period's last day —
  clinicians with every required course of their role completed / clinicians with a role there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from enlace.kernel.clock import epoch_us
from enlace.modules import (
    adherence,
    catalog,
    claims,
    coverage,
    education,
    monitoring,
    supply_kpis,
    trace,
)
from enlace.modules.analytics.indicators.compute import ClinicRows
from enlace.modules.analytics.indicators.definitions import Indicator
from enlace.modules.analytics.indicators.periods import Period
from enlace.modules.screening.indicators import indicators as screening_indicators

CLINIC_PREFIX = "org-"
ClinicOf = Callable[[list[str]], dict[str, str]]  # patient ids -> their clinic (those with one)


def followup_rows(conn: Connection, repo: Any) -> list[tuple[str, float, float]]:
    return [
        (line.clinic, float(line.confirmed + line.ruled_out), float(line.referred))
        for line in screening_indicators(conn, repo)
        if line.clinic and line.referred
    ]


def _facility_clinics(clinics: Iterable[str]) -> dict[str, str]:
    """Clinic id -> its catalog facility's slug, for the clinics that are catalog facilities."""
    slugs = {f.slug for f in catalog.facilities()}
    return {
        clinic: clinic[len(CLINIC_PREFIX) :]
        for clinic in clinics
        if clinic.startswith(CLINIC_PREFIX) and clinic[len(CLINIC_PREFIX) :] in slugs
    }


def trace_alert_rows(
    conn: Connection, clinics: Iterable[str], period: Period
) -> list[tuple[str, float, float]]:
    counts = trace.alerts_by_facility(conn, period.start, period.end)
    return [
        (clinic, float(counts.get(slug, 0)), 1.0)
        for clinic, slug in sorted(_facility_clinics(clinics).items())
    ]


def stock_level_rows(
    conn: Connection, clinics: Iterable[str], period: Period
) -> list[tuple[str, float, float]]:
    on_hand = supply_kpis.units_on_hand(conn, period.start, period.end - timedelta(days=1))
    return [
        (clinic, float(on_hand.units[slug]), 1.0)
        for clinic, slug in sorted(_facility_clinics(clinics).items())
        if slug in on_hand.units
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


def pdc_rows(conn: Connection, period: Period) -> list[tuple[str, float, float]]:
    last = period.end - timedelta(days=1)
    return [(c, float(n), float(d)) for c, n, d in adherence.pdc_by_clinic(conn, last)]


def alert_response_rows(
    conn: Connection, period: Period, clinic_of: ClinicOf
) -> list[tuple[str, float, float]]:
    per_patient = monitoring.alert_response.response_by_patient(conn, period.start, period.end)
    clinics = clinic_of([patient for patient, _, _ in per_patient])
    totals: dict[str, tuple[float, float]] = {}
    for patient, acknowledged, minutes in per_patient:
        clinic = clinics.get(patient)
        if clinic is not None:  # a patient without a clinic is not attributed
            waited, count = totals.get(clinic, (0.0, 0.0))
            totals[clinic] = (waited + minutes, count + acknowledged)
    return [(clinic, waited, count) for clinic, (waited, count) in sorted(totals.items())]


def _per_clinic(values: dict[str, float], clinics: dict[str, str]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for patient, value in values.items():
        clinic = clinics.get(patient)
        if clinic is not None:  # a patient without a clinic is not attributed
            totals[clinic] = totals.get(clinic, 0.0) + value
    return totals


def pmpm_rows(
    conn: Connection, repo: Any, period: Period, clinic_of: ClinicOf
) -> list[tuple[str, float, float]]:
    last = period.end - timedelta(days=1)
    months = coverage.member_months_by_patient(repo, conn, period.start, last)
    paid = {p: c / 100 for p, c in claims.paid_by_patient(conn, period.start, last).items()}
    clinics = clinic_of(sorted(set(months) | set(paid)))
    members, pesos = _per_clinic(months, clinics), _per_clinic(paid, clinics)
    # a clinic without member-months has no denominator: its paid claims are not shown
    return [(c, round(pesos.get(c, 0.0), 2), m) for c, m in sorted(members.items()) if m > 0]


def trained_rows(conn: Connection, repo: Any, period: Period) -> list[tuple[str, float, float]]:
    end = datetime.combine(period.end, time(0), UTC)
    return education.trained_by_clinic(conn, repo, epoch_us(end) - 1)


def read(
    conn: Connection,
    repo: Any,
    wanted: Iterable[Indicator],
    clinics: list[str],
    period: Period,
    clinic_of: ClinicOf | None = None,
) -> dict[str, ClinicRows]:
    """Rows per clinic of each module-sourced indicator among `wanted`; those attributed through
    the patient (alert response, PMPM) need `clinic_of` and are left unread without it."""
    found: dict[str, ClinicRows] = {}
    ids = {i.id for i in wanted if i.sql is None and i.no_source is None}
    if "followup_linked" in ids:
        found["followup_linked"] = followup_rows(conn, repo)
    if "stockout_drugs" in ids:
        found["stockout_drugs"] = stockout_rows(conn, clinics, period)
    if "pdc_80" in ids:
        found["pdc_80"] = pdc_rows(conn, period)
    if "trace_alerts" in ids:
        found["trace_alerts"] = trace_alert_rows(conn, clinics, period)
    if "stock_levels" in ids:
        found["stock_levels"] = stock_level_rows(conn, clinics, period)
    if "trained_clinicians" in ids:
        found["trained_clinicians"] = trained_rows(conn, repo, period)
    if clinic_of is not None and "alert_response_minutes" in ids:
        found["alert_response_minutes"] = alert_response_rows(conn, period, clinic_of)
    if clinic_of is not None and "claims_pmpm" in ids:
        found["claims_pmpm"] = pmpm_rows(conn, repo, period, clinic_of)
    return found

"""Module-sourced indicators (issue 13, brief I2): the five sources added for pdc_80,
alert_response_minutes, trace_alerts, stock_levels and claims_pmpm, each read through its owning
module's public function and attributed to clinics (`sources.read` as `indicators.compute`
calls it), over a store with N patients' module rows: 2 therapies, 2 claim items and one
Coverage each, an alert for every other patient, 1 trace alert and 20 stock pairs per facility.
Median of `--repeats` timings per source, in ms. Prints one JSON line.

    .venv/bin/python bench/indicator_sources.py --patients 20000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import insert

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules import trace
from enlace.modules.adherence.tables import therapies
from enlace.modules.analytics import indicators
from enlace.modules.analytics.indicators import sources
from enlace.modules.analytics.indicators.library import pick
from enlace.modules.analytics.indicators.service import _clinic_of
from enlace.modules.catalog import FACILITIES
from enlace.modules.claims.tables import lines
from enlace.modules.monitoring.tables import alerts
from enlace.modules.supply_kpis.tables import pairs, snapshots
from enlace.modules.trace.epcis_tables import alerts as trace_alerts
from enlace.store.repository import PutItem

PERIOD = indicators.parse_period("2026-09")
SEPT_US = 1_788_220_800_000_000  # 2026-09-01T00:00:00Z
IDS = ("pdc_80", "alert_response_minutes", "trace_alerts", "stock_levels", "claims_pmpm")


def _clinic(i: int) -> str:
    return f"org-{FACILITIES[i % len(FACILITIES)].slug}"


def seed(services: Any, patients: int) -> None:
    with services.db.begin() as conn:
        conn.execute(insert(therapies), [
            {"patient": f"p{i}", "therapy": t, "as_of": "2026-09-30", "medication": "m",
             "fills": 3, "first_fill": "2026-01-01", "last_fill": "2026-09-01",
             "pdc": (i % 10) / 9, "mpr": 1.0, "supply_left": 0, "covered_until": "2026-09-30",
             "persistence_days": 200, "switched": False, "clinic": _clinic(i)[4:]}
            for i in range(patients) for t in ("a", "b")
        ])  # fmt: skip
        conn.execute(insert(alerts), [
            {"id": f"al{i}", "patient": f"p{i}", "rule": "bp-crisis", "severity": "urgent",
             "status": "acknowledged", "opened_us": SEPT_US + i * 1_000_000,
             "received_us": SEPT_US, "last_evidence_us": SEPT_US,
             "acknowledged_us": SEPT_US + i * 1_000_000 + (i % 60) * 60_000_000,
             "escalation_level": 0, "summary": "s", "evidence": "{}"}
            for i in range(0, patients, 2)
        ])  # fmt: skip
        conn.execute(insert(lines), [
            {"claim_id": f"k{i}", "sequence": s, "service_date": date(2026, 9, 1 + i % 28),
             "payer": "imss", "pharmacy": "ph", "patient": f"p{i}", "coverage": f"c{i}",
             "medication": "met", "packs": 1, "unit_centavos": 4500, "submitted_centavos": 4500,
             "payer_centavos": 4500, "patient_centavos": 0, "reason": "", "outcome": "complete",
             "created_us": 1}
            for i in range(patients) for s in (1, 2)
        ])  # fmt: skip
        conn.execute(insert(trace_alerts), [
            {"kind": "unknown-epc", "epc": None, "event_id": None, "message": "m",
             "location": trace.facility_location_id(f.slug), "created_us": SEPT_US}
            for f in FACILITIES
        ])  # fmt: skip
        conn.execute(insert(snapshots), [{"day": "2026-09-30", "taken_us": 1, "pairs": 0,
                                          "facilities": 0, "alerts": 0}])  # fmt: skip
        conn.execute(insert(pairs), [
            {"day": "2026-09-30", "facility": f.slug, "product": f"m{k}", "on_hand": 10 * k,
             "issued": 0, "days_out": 0, "stocked_out": 0, "plan": 9, "reported": 1}
            for f in FACILITIES for k in range(20)
        ])  # fmt: skip
    coverages = [
        {"resourceType": "Coverage", "id": f"c{i}", "status": "active",
         "beneficiary": {"reference": f"Patient/p{i}"},
         "payor": [{"reference": "Organization/org-imss"}], "period": {"start": "2026-01-01"}}
        for i in range(patients)
    ]  # fmt: skip
    for chunk in range(0, patients, 5000):
        with services.db.begin() as conn:
            services.repo.put_many(conn, [PutItem(r) for r in coverages[chunk : chunk + 5000]])


def views(patients: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    slugs = [f"org-{f.slug}" for f in FACILITIES]
    con.execute("CREATE TABLE indicator_patients AS SELECT 'p' || i AS id, "
                f"$slugs[1 + i % {len(slugs)}] AS clinic_id FROM range({patients}) t(i)",
                {"slugs": slugs})  # fmt: skip
    return con


def timings(services: Any, con: duckdb.DuckDBPyConnection, repeats: int) -> dict[str, Any]:
    clinics = [
        r[0] for r in con.execute("SELECT DISTINCT clinic_id FROM indicator_patients").fetchall()
    ]
    clinic_of = _clinic_of(con)
    out: dict[str, Any] = {}
    for indicator in IDS:
        spent, rows = [], 0
        for _ in range(repeats):
            started = time.perf_counter()
            with services.db.read() as conn:
                found = sources.read(conn, services.repo, pick([indicator]), clinics,
                                     PERIOD, clinic_of)  # fmt: skip
            spent.append((time.perf_counter() - started) * 1000)
            rows = len(found[indicator])
        out[f"{indicator}_ms"] = round(statistics.median(spent), 1)
        out[f"{indicator}_clinics"] = rows
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        services = build(Settings.from_env(database_url=url, var_dir=Path(tmp) / "var",
                                           log_requests=False))  # fmt: skip
        started = time.perf_counter()
        seed(services, args.patients)
        seeded = round(time.perf_counter() - started, 1)
        result = {"bench": "indicator_sources", "db": args.db, "patients": args.patients,
                  "seed_s": seeded, **timings(services, views(args.patients), args.repeats)}  # fmt: skip
        services.db.dispose()
    emit(result)


if __name__ == "__main__":
    main()

"""The money and procurement pages: median time to serve each page, in process (TestClient).

    .venv/bin/python bench/money_pages.py --db sqlite --eobs 500 --postings 5000
    .venv/bin/python bench/money_pages.py --db postgres --eobs 500 --postings 5000

Setup (not timed): the catalogs; one patient with `--eobs` ExplanationOfBenefits this year
(each read and summed by /my/claims for the year's totals, 20 shown with names and packs);
a pharmacy receivable from IMSS with `--postings` claim entries spread over 120 days and
payments of the oldest half (so the FIFO ageing walks half of them); the CompraNet CSV's
saved analysis (728 flags); on PostgreSQL, ANALYZE (as autovacuum would). Timed: `--repeat` GETs of /my/claims, /pharmacy/receivables and
/procurement as their users. Prints one JSON line with the medians in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from common import ROOT, database, emit
from enlace.bootstrap import build
from enlace.entrypoints.http.app import create_app
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.modules import finance
from enlace.modules.catalog import load_catalogs
from enlace.modules.procurement import procurement_report, save_report
from enlace.security import users
from enlace.store.bulk import PutItem

PHARMACY = "pharmacy-imss-09015"
RECEIVABLE = f"pharmacy-receivable:{PHARMACY}:imss"
CSV = ROOT.parent / "shared" / "data" / "procurement-mx" / "compranet_csv_sample"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
NOW = datetime.now(UTC)


def eob(n: int) -> dict[str, Any]:
    def amount(code: str, centavos: int) -> dict[str, Any]:
        return {
            "category": {"coding": [{"system": ADJUDICATION, "code": code}]},
            "amount": {"value": centavos / 100, "currency": "MXN"},
        }

    return {
        "resourceType": "ExplanationOfBenefit",
        "id": f"eob-{n}",
        "status": "active",
        "type": {"coding": [{"code": "pharmacy"}]},
        "use": "claim",
        "patient": {"reference": "Patient/bench-p"},
        "created": (NOW - timedelta(hours=n)).isoformat(),
        "insurer": {"reference": "Organization/org-imss"},
        "provider": {"reference": f"Organization/org-{PHARMACY}"},
        "claim": {"reference": f"Claim/c-{n}"},
        "outcome": "complete",
        "insurance": [{"focal": True, "coverage": {"reference": "Coverage/bench-cov"}}],
        "item": [
            {
                "sequence": 1,
                "productOrService": {"text": "Medication/med-metformin-850-tab"},
                "adjudication": [
                    amount("submitted", 4_500),
                    amount("benefit", 4_000),
                    amount("copay", 500),
                ],
            }
        ],
    }


def setup(services: Any, eobs: int, postings: int, var_dir: Path) -> None:
    load_catalogs(services)
    resources = [{"resourceType": "Patient", "id": "bench-p"}] + [eob(n) for n in range(eobs)]
    with services.db.begin() as conn:
        services.repo.put_many(conn, [PutItem(r) for r in resources])
    days = 120
    for day in range(days):
        when = NOW - timedelta(days=days - day)
        ledger = finance.Ledger(clock=lambda when=when: when)
        with services.db.begin() as conn:
            ledger.open_account(conn, RECEIVABLE, "asset")
            ledger.open_account(conn, "income:dispensing", "income")
            ledger.open_account(conn, "bank", "asset")
            share = postings // days
            owed = [
                finance.Transfer.between(
                    RECEIVABLE, "income:dispensing", 4_000, reference=f"Claim/{day}-{i}"
                )
                for i in range(share)
            ]
            ledger.post_transfers(conn, owed)
            if day >= days // 2:  # payments of the oldest half, one a day
                paid = finance.Transfer.between("bank", RECEIVABLE, 4_000 * share)
                ledger.post_transfer(conn, paid)
    save_report(procurement_report(CSV), var_dir / "procurement", NOW)
    if services.db.dialect == "postgresql":
        # Fresh tables have no statistics until autovacuum gets to them; a running server's do.
        with services.db.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def session(services: Any, client: TestClient, name: str, role: str, **fields: Any) -> None:
    now = epoch_us(services.repo.clock())
    with services.db.begin() as conn:
        user = users.add_user(
            conn, username=name, password="bench bench bench 1", role=role, now_us=now, **fields
        )
        client.cookies.set(
            "enlace_session", users.start_session(conn, user, now, second_factor=False)
        )


def median_ms(client: TestClient, path: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--eobs", type=int, default=500)
    parser.add_argument("--postings", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        var_dir = Path(tmp) / "var"
        services = build(Settings.from_env(database_url=url, var_dir=var_dir, log_requests=False))
        setup(services, args.eobs, args.postings, var_dir)
        result: dict[str, Any] = {
            "bench": "money_pages",
            "db": args.db,
            "eobs": args.eobs,
            "postings": args.postings,
            "repeat": args.repeat,
        }
        pages = [
            ("my_claims_ms", "/my/claims", ("pac", "patient"), {"patients": ("bench-p",)}),
            (
                "receivables_ms",
                "/pharmacy/receivables",
                ("farm", "pharmacist"),
                {"organization": f"org-{PHARMACY}"},
            ),
            ("procurement_ms", "/procurement", ("reg", "regulator"), {}),
        ]
        for key, path, (name, role), fields in pages:
            with TestClient(create_app(services)) as client:
                session(services, client, name, role, **fields)
                client.get(path)  # warm: templates compiled, catalogs cached
                result[key] = median_ms(client, path, args.repeat)
        services.db.dispose()
    emit(result)


if __name__ == "__main__":
    main()

"""Dispensing at the counter: `pharmacy.dispense` one prescription per transaction, as a
pharmacist's scan-and-hand-over is, on SQLite and PostgreSQL.

    .venv/bin/python bench/dispense.py --db sqlite --dispenses 1000
    .venv/bin/python bench/dispense.py --db postgres --dispenses 1000 [--profile]

Target (issue 8): a dispense (verify + pick + write + trace + claim) p99 ≤ 50 ms at ≥ 300
dispenses/s on 2 cores. The store holds the catalogs and plans, `--dispenses` IMSS affiliates
each with a metformin prescription (60 tablets, two packs of 30) and two packs commissioned and
received at one IMSS pharmacy (EPCIS through trace) and booked in the stock ledger. Timed: each
`dispense` call in its own committed transaction — two packs verified, the stock issue, the
MedicationDispense, the EPCIS event into the transparency log, the claim adjudicated with its
inclusion proof, ClaimResponse and EOB stored, the ledger posting. Setup is not timed. Prints
one JSON line with the throughput and the latency median and p99 (ms).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules import coverage, inventory, pharmacy, trace
from enlace.modules.catalog import load_catalogs
from enlace.modules.coverage import fhir_map, plan_for
from enlace.sim import supply_epcis as ev
from enlace.store.bulk import PutItem

PHARMACY = "pharmacy-imss-09015"
GTIN = "02990001000018"  # metformin-850-tab
DAY = date(2026, 2, 1)
HANDED = "2026-02-02T10:00:00-06:00"


class Platform:
    """The platform's own asker (no grants to apply)."""

    kind, role, organization, fhir_user = "internal", None, None, None

    def __call__(self, resource_type: str, resource_id: str) -> None:
        return None


def prescription(n: int) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": f"rx-{n}",
        "status": "active",
        "intent": "order",
        "medicationReference": {"reference": "Medication/med-metformin-850-tab"},
        "subject": {"reference": f"Patient/b{n}"},
        "requester": {"reference": "Practitioner/dr-bench"},
        "authoredOn": "2026-01-15",
        "insurance": [{"reference": f"Coverage/b{n}-cov"}],
        "dosageInstruction": [
            {
                "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                "route": {"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]},
                "doseAndRate": [{"doseQuantity": {"value": 1, "code": "{tbl}"}}],
            }
        ],
        "dispenseRequest": {
            "numberOfRepeatsAllowed": 2,
            "quantity": {"value": 60},
            "expectedSupplyDuration": {"value": 30, "code": "d"},
            "validityPeriod": {"start": "2026-01-15", "end": "2026-07-15"},
        },
    }


def scans(n: int) -> list[str]:
    return [ev.pack_scan(GTIN, f"S{n}x{k}", "L1", "2027-12-31") for k in (0, 1)]


def setup(services: Any, count: int) -> None:
    load_catalogs(services)
    coverage.load_plans(services)
    imss = plan_for("imss")
    assert imss is not None
    resources: list[dict[str, Any]] = []
    for n in range(count):
        resources += [
            {"resourceType": "Patient", "id": f"b{n}"},
            fhir_map.coverage(f"b{n}-cov", f"b{n}", imss, date(2025, 1, 1)),
            prescription(n),
        ]
    with services.db.begin() as conn:
        services.repo.put_many(conn, [PutItem(r) for r in resources])
    place = trace.facility_location_id(PHARMACY)
    for start in range(0, count, 250):
        packs = [s for n in range(start, min(count, start + 250)) for s in scans(n)]
        events = [
            ev.commissioning(
                f"urn:uuid:c-{start}", ev.event_time(DAY, 60), packs, "L1", "2027-12-31"
            ),
            ev.receiving(f"urn:uuid:r-{start}", ev.event_time(DAY, 300), place, packs),
        ]
        with services.db.begin() as conn:
            trace.capture(conn, ev.document(DAY, events), datetime(2026, 2, 1, 23, tzinfo=UTC))
    receipt = inventory.StockEvent(
        inventory.RECEIPT,
        PHARMACY,
        (inventory.Item("metformin-850-tab", "L1", 2 * count, date(2027, 12, 31)),),
        datetime(2026, 2, 1, 12, tzinfo=UTC),
        counterpart="distribution-center",
    )
    with services.db.begin() as conn:
        inventory.StockLedger().record(conn, receipt)


def params(n: int) -> dict[str, Any]:
    parameter: list[dict[str, Any]] = [
        {"name": "prescription", "valueReference": {"reference": f"MedicationRequest/rx-{n}"}},
        {"name": "pharmacy", "valueReference": {"reference": f"Organization/org-{PHARMACY}"}},
        *({"name": "pack", "valueString": s} for s in scans(n)),
        {"name": "handedOver", "valueDateTime": HANDED},
    ]
    return {"resourceType": "Parameters", "parameter": parameter}


def dispense_all(services: Any, count: int) -> list[float]:
    asker = Platform()
    latencies = []
    for n in range(count):
        began = time.perf_counter()
        with services.db.begin() as conn:
            answer = pharmacy.dispense(services, conn, params(n), asker)
        latencies.append(time.perf_counter() - began)
        if n == 0:
            claim = next(p for p in answer["parameter"] if p["name"] == "claimResponse")
            assert claim["resource"]["outcome"] == "complete", claim["resource"]["disposition"]
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--dispenses", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        settings = Settings.from_env(
            database_url=url, var_dir=Path(tmp) / "var", log_requests=False
        )
        services = build(settings)
        setup(services, args.dispenses)
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        began = time.perf_counter()
        latencies = dispense_all(services, args.dispenses)
        elapsed = time.perf_counter() - began
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        services.db.dispose()
    ordered = sorted(latencies)
    emit(
        {
            "bench": "dispense",
            "db": args.db,
            "dispenses": args.dispenses,
            "seconds": round(elapsed, 2),
            "dispenses_per_s": round(args.dispenses / elapsed, 1),
            "median_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
        }
    )


if __name__ == "__main__":
    main()

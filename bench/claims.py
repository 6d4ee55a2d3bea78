"""Batch adjudication: claims per second through `claims.adjudicate_batch`, on SQLite and PostgreSQL.

    .venv/bin/python bench/claims.py --db sqlite --claims 4000 --batch 1000
    .venv/bin/python bench/claims.py --db postgres --claims 4000 --batch 1000 --profile
    .venv/bin/python bench/claims.py --db sqlite --claims 4000 --batch 1000 --stored
    .venv/bin/python bench/claims.py --db postgres --claims 4000 --batch 500 --processes 2

Target (issue 7): ≥ 2,000 claims/s on 2 cores. The store holds the catalogs, the plans,
`--claims` IMSS affiliates each with a prescription and one metformin pack commissioned,
received and dispensed at an IMSS pharmacy (EPCIS through trace); each claim names its pack.
Timed: `adjudicate_batch` over `--batch` claims per transaction, committed (duplicates, proof
of dispense, coverage and usage, checkpoint and inclusion proofs, ClaimResponse + EOB + Claim
stored, ledger postings). Setup is not timed. With `--stored` the Claims are in the store
before the cycle (received during the month, as a monthly cycle finds them) and only the
ClaimResponse and EOB are written. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules import claims, coverage, trace
from enlace.modules.catalog import load_catalogs
from enlace.modules.coverage import fhir_map, plan_for
from enlace.sim import supply_epcis as ev
from enlace.store.bulk import PutItem

PHARMACY = "pharmacy-imss-09015"
GTIN = "02990001000018"
DAY = date(2026, 2, 1)


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
            {
                "resourceType": "MedicationRequest",
                "id": f"rx-b{n}",
                "status": "active",
                "intent": "order",
                "subject": {"reference": f"Patient/b{n}"},
                "medicationReference": {"reference": "Medication/med-metformin-850-tab"},
            },
        ]
    with services.db.begin() as conn:
        services.repo.put_many(conn, [PutItem(r) for r in resources])
    place = trace.facility_location_id(PHARMACY)
    for start in range(0, count, 500):
        scans = [
            ev.pack_scan(GTIN, f"S{n}", "L1", "2027-12-31")
            for n in range(start, min(count, start + 500))
        ]
        events = [
            ev.commissioning(
                f"urn:uuid:c-{start}", ev.event_time(DAY, 60), scans, "L1", "2027-12-31"
            ),
            ev.receiving(f"urn:uuid:r-{start}", ev.event_time(DAY, 300), place, scans),
        ]
        events += [
            ev.dispensing(
                f"urn:uuid:d-{start + i}", ev.event_time(DAY, 600), place, [s], f"rx-b{start + i}"
            )
            for i, s in enumerate(scans)
        ]
        with services.db.begin() as conn:
            trace.capture(conn, ev.document(DAY, events), datetime(2026, 2, 1, 23, tzinfo=UTC))


def claim(n: int) -> dict[str, Any]:
    return {
        "resourceType": "Claim",
        "status": "active",
        "use": "claim",
        "identifier": [{"system": "urn:bench", "value": f"c{n}"}],
        "type": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "pharmacy"}
            ]
        },
        "patient": {"reference": f"Patient/b{n}"},
        "created": "2026-02-01T18:00:00Z",
        "provider": {"reference": f"Organization/org-{PHARMACY}"},
        "priority": {"coding": [{"code": "normal"}]},
        "diagnosis": [
            {
                "sequence": 1,
                "diagnosisCodeableConcept": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11"}]
                },
            }
        ],
        "insurance": [
            {"sequence": 1, "focal": True, "coverage": {"reference": f"Coverage/b{n}-cov"}}
        ],
        "item": [
            {
                "sequence": 1,
                "servicedDate": "2026-02-01",
                "productOrService": {
                    "coding": [{"system": "https://www.gs1.org/gtin", "code": GTIN}]
                },
                "quantity": {"value": 1},
                "unitPrice": {"value": 45.0, "currency": "MXN"},
                "extension": [
                    {
                        "url": claims.PACK_EXTENSION,
                        "valueString": ev.pack_scan(GTIN, f"S{n}", "L1", "2027-12-31"),
                    }
                ],
            }
        ],
    }


POLICY = claims.ReviewPolicy(
    random_percent=2.0, value_threshold_centavos=1_000_000, variance_percent=200
)


def adjudicate_batches(
    settings: Settings, bodies: list[dict[str, Any]], batch: int, stored: bool, go: float
) -> tuple[float, float, dict[str, int]]:
    """One worker: its claims in batches of `batch`, each committed, starting at wall time
    `go` (so process start-up is not timed); its start, end and outcomes."""
    services = build(settings, upgrade=False)
    outcomes: dict[str, int] = {}
    time.sleep(max(0.0, go - time.time()))
    began = time.time()
    for start in range(0, len(bodies), batch):
        with services.db.begin() as conn:
            chunk = bodies[start : start + batch]
            result = claims.adjudicate_batch(services, conn, chunk, POLICY, stored)
        assert not result.refused, result.refused
        for r in result.responses:
            outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    ended = time.time()
    services.db.dispose()
    return began, ended, outcomes


def run(
    url: str, workdir: Path, count: int, batch: int, options: argparse.Namespace
) -> dict[str, Any]:
    settings = Settings.from_env(database_url=url, var_dir=workdir / "var", log_requests=False)
    services = build(settings)
    setup(services, count)
    bodies = [claim(n) for n in range(count)]
    if options.stored:  # received during the month; the cycle adjudicates them at its end
        bodies = [{**b, "id": f"claim-{n}"} for n, b in enumerate(bodies)]
        with services.db.begin() as conn:
            services.repo.put_many(conn, [PutItem(b) for b in bodies])
    services.db.dispose()
    workers = options.processes
    shares = [bodies[w::workers] for w in range(workers)]  # each its own patients and packs
    if options.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        runs = [adjudicate_batches(settings, shares[0], batch, options.stored, 0.0)]
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        count = len(shares[0])
    elif workers == 1:
        runs = [adjudicate_batches(settings, shares[0], batch, options.stored, 0.0)]
    else:
        go = time.time() + 15  # every worker imported and built by then
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            futures = [
                pool.submit(adjudicate_batches, settings, share, batch, options.stored, go)
                for share in shares
            ]
            runs = [f.result() for f in futures]
    elapsed = max(r[1] for r in runs) - min(r[0] for r in runs)
    counted = [r[2] for r in runs]
    outcomes: dict[str, int] = {}
    for c in counted:
        for key, n in c.items():
            outcomes[key] = outcomes.get(key, 0) + n
    return {
        "claims": count,
        "batch": batch,
        "stored": options.stored,
        "processes": workers,
        "seconds": round(elapsed, 3),
        "claims_per_s": round(count / elapsed),
        "outcomes": outcomes,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--claims", type=int, default=4000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="one process, cProfile")
    parser.add_argument("--processes", type=int, default=1, help="workers sharing the claims")
    parser.add_argument(
        "--stored", action="store_true", help="claims stored before the cycle (not timed)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        figures = run(url, Path(tmp), args.claims, args.batch, args)
    emit({"bench": "claims", "db": args.db, **figures})


if __name__ == "__main__":
    main()

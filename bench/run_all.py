"""Every benchmark, on SQLite and PostgreSQL, then a summary table. Figures go to bench/results/.

make bench                       # default sizes
ENLACE_BENCH_QUICK=1 make bench  # small sizes, for a smoke run
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = os.environ.get("ENLACE_BENCH_QUICK") == "1"

RUNS = [
    ["validate.py"],
    ["search_extract.py"],
    *[
        ["import_ndjson.py", "--db", db, "--resources", "10000" if QUICK else "100000"]
        for db in ("sqlite", "postgres")
    ],
    *[
        ["crud.py", "--db", db, "--duration", "5" if QUICK else "20"]
        for db in ("sqlite", "postgres")
    ],
    *[
        ["memory.py", "--db", db, "--resources", "20000" if QUICK else "1000000"]
        for db in ("sqlite", "postgres")
    ],
    *[
        ["search.py", "--db", db, "--resources", "20000" if QUICK else "1000000"]
        + (["--duration", "5", "--repeat", "10"] if QUICK else [])
        for db in ("sqlite", "postgres")
    ],
    ["ledger.py", "--transfers", "5000" if QUICK else "50000"],  # both stores
    ["routing.py", "--seeds", "1" if QUICK else "3", "--seconds", "5" if QUICK else "20"],
    *(
        ["eligibility.py", "--db", db, "--checks", "2000" if QUICK else "20000"]
        for db in ("sqlite", "postgres")
    ),
    *(
        ["epcis.py", "--db", db, "--packs", "5000" if QUICK else "50000"]
        for db in ("sqlite", "postgres")
    ),
    *(
        ["claims.py", "--db", db, "--claims", "1000" if QUICK else "4000"]
        for db in ("sqlite", "postgres")
    ),
    *(
        ["dispense.py", "--db", db, "--dispenses", "100" if QUICK else "1000"]
        for db in ("sqlite", "postgres")
    ),
    [
        "inventory.py",
        "--singles",
        "200" if QUICK else "2000",
        "--events",
        "2000" if QUICK else "20000",
    ],
    ["fraud.py", "--lines", "100000" if QUICK else "1000000", "--runs", "1" if QUICK else "3"],
    *(
        ["signals.py", "--db", db, "--reports", "100000" if QUICK else "1000000"]
        for db in ("sqlite", "postgres")
    ),
    ["adherence_model.py"]
    + (
        ["--therapies", "50000", "--train-patients", "3000", "--parse-lines", "20000"]
        if QUICK
        else []
    ),
    *(
        ["agp.py", "--db", db, "--patients", "3" if QUICK else "10"]
        for db in ("sqlite", "postgres")
    ),
    *(
        ["cds_order_sign.py", "--db", db, "--requests", "100" if QUICK else "300"]
        for db in ("sqlite", "postgres")
    ),
    [
        "alert_quality.py",
        "--patients",
        "300" if QUICK else "2000",
        "--days",
        "30" if QUICK else "90",
    ],
    ["supply_replay.py", "--runs", "1" if QUICK else "3"],
    ["indicators.py", "--patients", "20000" if QUICK else "200000", "--store-patients", "2000"],
    ["dashboards.py", "--patients", "2000" if QUICK else "20000"],
    ["indicator_sources.py", "--patients", "2000" if QUICK else "20000"],
    ["supply_forecast.py", "--series", "10000" if QUICK else "100000"],
    ["homecare_plan.py", "--runs", "1" if QUICK else "3"],
    ["coop_surplus.py", "--members", "300" if QUICK else "2000"],
    *(
        ["subscriptions.py", "--db", db, "--drain", "2000" if QUICK else "10000"]
        for db in ("sqlite", "postgres")
    ),
    [
        "kpi_snapshot.py",
        "--facilities",
        "500" if QUICK else "10000",
        "--repeats",
        "1" if QUICK else "3",
    ],
    *(
        [bench, "--db", db, "--runs", "1" if QUICK else "3", "--soak", "10" if QUICK else "60"]
        for bench in ("ingest_http.py", "ingest_mqtt.py")
        for db in ("sqlite", "postgres")
    ),
    *(
        [
            "screening.py",
            "--db",
            db,
            "--people",
            "10000" if QUICK else "100000",
            "--stored",
            "50" if QUICK else "300",
        ]
        for db in ("sqlite", "postgres")
    ),
    ["adherence_measures.py", "--therapies", "100000" if QUICK else "1000000"],
    *(
        ["adherence_job.py", "--db", db, "--patients", "1000" if QUICK else "5000"]
        for db in ("sqlite", "postgres")
    ),
    *(
        ["sqlonfhir.py", "--db", db, "--patients", "5000" if QUICK else "100000"]
        + (["--baseline", "500", "--repeats", "1"] if QUICK else [])
        for db in ("sqlite", "postgres")
    ),
    *(
        ["outbox_deliver.py", "--db", db, "--messages", "1000" if QUICK else "5000"]
        for db in ("sqlite", "postgres")
    ),
    [
        "uplift_experiment.py",
        "--patients",
        "5000" if QUICK else "20000",
        "--seeds",
        "3" if QUICK else "20",
    ],
    *(
        ["coldchain.py", "--db", db, "--messages", "100" if QUICK else "400"]
        for db in ("sqlite", "postgres")
    ),
    *(
        ["care_booking.py", "--db", db, "--slots", "50" if QUICK else "200"]
        for db in ("sqlite", "postgres")
    ),
    ["tally.py", "--ballots", "10000" if QUICK else "100000"],
]


def main() -> None:
    results = []
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    for run in RUNS:
        completed = subprocess.run(
            [sys.executable, str(HERE / run[0]), *run[1:]], capture_output=True, text=True
        )
        if completed.returncode != 0:
            print(f"FAILED {' '.join(run)}\n{completed.stderr[-2000:]}", file=sys.stderr)
            continue
        for line in completed.stdout.strip().splitlines():
            try:
                result = json.loads(line)
            except ValueError:  # a bench's own table or progress: shown, not collected
                print(line, flush=True)
                continue
            if not isinstance(result, dict) or "bench" not in result:
                continue
            results.append(result)
            print(line, flush=True)
    (out / "latest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in results))
    print("\n| bench | db | figures |\n|---|---|---|")
    for r in results:
        keys = [k for k in r if k not in ("bench", "db", "cpus", "python", "commit")]
        print(
            f"| {r['bench']} | {r.get('db', '')} | " + ", ".join(f"{k}={r[k]}" for k in keys) + " |"
        )


if __name__ == "__main__":
    main()

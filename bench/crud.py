"""Mixed CRUD throughput and latency against a live `enlace serve`, driven by wrk.

    .venv/bin/python bench/crud.py --db postgres --workers 2 --connections 32 --duration 20

Preloads patients through the API, then runs 50% read / 25% create / 25% update.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx

from common import ROOT, database, emit, new_id, server


def preload(base: str, count: int) -> list[str]:
    ids = [new_id() for _ in range(count)]
    for start in range(0, count, 200):
        entries = [
            {
                "request": {"method": "PUT", "url": f"Patient/{pid}"},
                "resource": {
                    "resourceType": "Patient",
                    "id": pid,
                    "active": True,
                    "name": [{"family": "Seed"}],
                },
            }
            for pid in ids[start : start + 200]
        ]
        bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
        response = httpx.post(
            f"{base}/fhir", json=bundle, timeout=60, headers={"Prefer": "return=minimal"}
        )
        response.raise_for_status()
    return ids


def run(
    db: str, workers: int, connections: int, duration: int, threads: int, patients: int
) -> dict[str, object]:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    with (
        tempfile.TemporaryDirectory() as tmp,
        database(db, Path(tmp)) as url,
        server(url, Path(tmp), workers) as (base, _),
    ):
        ids_file = Path(tmp) / "ids.txt"
        ids_file.write_text("\n".join(preload(base, patients)) + "\n")
        env = {**os.environ, "ENLACE_BENCH_IDS": str(ids_file)}
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "crud.lua"),
            base,
        ]
        subprocess.run(
            [*command[:3], "-d3s", *command[4:]], env=env, capture_output=True, check=True
        )  # warm-up
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    return {"bench": "crud", "db": db, "workers": workers, "connections": connections, **figures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--patients", type=int, default=2000)
    args = parser.parse_args()
    emit(run(args.db, args.workers, args.connections, args.duration, args.threads, args.patients))


if __name__ == "__main__":
    main()

"""Mixed CRUD throughput and latency against a live `enlace serve`, driven by wrk.

    .venv/bin/python bench/crud.py --db postgres --workers 2 --connections 32 --duration 20
    .venv/bin/python bench/crud.py --db postgres --security compare

Preloads patients through the API, then runs 50% read / 25% create / 25% update.
`--security on` serves with auth and audit on (a bearer token from `enlace token issue`; every
read and write audited); `compare` runs off then on in one process and reports the ratio
(issue 4: with them on, throughput must stay ≥ 80% of the figure without).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
from pathlib import Path

import httpx

from common import ROOT, database, emit, new_id, server


def preload(base: str, count: int, headers: dict[str, str]) -> list[str]:
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
        for attempt in range(3):  # the machine is shared: a worker may be slow to accept
            try:
                response = httpx.post(
                    f"{base}/fhir",
                    json=bundle,
                    timeout=60,
                    headers={"Prefer": "return=minimal", **headers},
                )
                response.raise_for_status()
                break
            except httpx.TransportError:
                if attempt == 2:
                    raise
    return ids


SECURITY_OFF = {"ENLACE_AUTH": "0", "ENLACE_AUDIT": "0"}
SECURITY_ON = {"ENLACE_AUTH": "1", "ENLACE_AUDIT": "1"}
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
SCOPE = "system/Patient.cruds"


def bearer(url: str, workdir: Path) -> str:
    """A backend client and a 300 s token for it, through the CLI as an operator would."""
    env = {**os.environ, "ENLACE_DATABASE_URL": url, "ENLACE_VAR_DIR": str(workdir)}
    enlace = str(ROOT / ".venv" / "bin" / "enlace")
    added = subprocess.run(
        [
            enlace,
            "clients",
            "add",
            "--name",
            "bench",
            "--kind",
            "backend",
            "--scope",
            SCOPE,
            "--jwks-url",
            "https://bench.invalid/jwks.json",
        ],  # never fetched: tokens come from the CLI
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    client_id = added.split("client_id:", 1)[1].split()[0]
    return subprocess.run(
        [enlace, "token", "issue", "--client", client_id, "--scope", SCOPE, "--base-url", BASE],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def run(
    db: str,
    workers: int,
    connections: int,
    duration: int,
    threads: int,
    patients: int,
    secured: bool = False,
) -> dict[str, object]:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp, database(db, Path(tmp)) as url:
        if secured:
            subprocess.run(  # migrate first: the CLI registers the client in this database
                [str(ROOT / ".venv" / "bin" / "enlace"), "db", "upgrade"],
                env={**os.environ, "ENLACE_DATABASE_URL": url, "ENLACE_VAR_DIR": tmp},
                check=True,
                capture_output=True,
            )
        token = bearer(url, Path(tmp)) if secured else ""
        extra = SECURITY_ON if secured else SECURITY_OFF
        with server(url, Path(tmp), workers, PORT, extra) as (base, _):
            figures = _drive(base, Path(tmp), token, connections, duration, threads, patients)
    return {
        "bench": "crud",
        "db": db,
        "workers": workers,
        "connections": connections,
        "security": "on" if secured else "off",
        **figures,
    }


def _drive(
    base: str,
    tmp: Path,
    token: str,
    connections: int,
    duration: int,
    threads: int,
    patients: int,
) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    ids_file = tmp / "ids.txt"
    ids_file.write_text("\n".join(preload(base, patients, headers)) + "\n")
    env = {**os.environ, "ENLACE_BENCH_IDS": str(ids_file), "ENLACE_BENCH_TOKEN": token}
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
    figures: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--security", choices=["off", "on", "compare"], default="off")
    parser.add_argument("--runs", type=int, default=3, help="alternating off/on pairs (compare)")
    args = parser.parse_args()
    shape = (args.db, args.workers, args.connections, args.duration, args.threads, args.patients)
    if args.security != "compare":
        emit(run(*shape, secured=args.security == "on"))
        return
    # Alternate, so that what else the shared machine does weighs on both alike; medians.
    pairs = [(run(*shape, secured=False), run(*shape, secured=True)) for _ in range(args.runs)]
    off = statistics.median(float(str(a["rps"])) for a, _ in pairs)
    on = statistics.median(float(str(b["rps"])) for _, b in pairs)
    emit(
        {
            "bench": "crud-security",
            "db": args.db,
            "rps_off": off,
            "rps_on": on,
            "ratio_on_off": round(on / off, 3),
            "pair_ratios": [
                round(float(str(b["rps"])) / float(str(a["rps"])), 3) for a, b in pairs
            ],
            "p99_off_ms": statistics.median(float(str(a["p99_ms"])) for a, _ in pairs),
            "p99_on_ms": statistics.median(float(str(b["p99_ms"])) for _, b in pairs),
            "runs": pairs,
        }
    )


if __name__ == "__main__":
    main()

"""Pack verification over HTTP: the pharmacist's `POST /trace/verify` and the public Digital
Link page as JSON (`GET /01/...`, with its inclusion proof), against a live `enlace serve`.

.venv/bin/python bench/verify_http.py [--db sqlite|postgres] [--packs 20000]
                                      [--route verify|public] [--connections 4,8,16]
                                      [--workers 2] [--duration 15]

Packs are commissioned and received through the Python API (bench/epcis.py's documents), then
wrk drives closed loops at each connection count (auth and the read audit off, as in
bench/eligibility.py: this measures the verification path, not token checks). Every answer must
be 200 and "authentic"; wrong answers are counted. One JSON line per connection count.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from common import ROOT, database, emit, server
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules.trace.epcis_capture import capture_document
from enlace.modules.trace.epcis_locations import register_facilities
from epcis import PER_EVENT, PHARMACY, PLANT, T0, documents, lot, pack

PORT = 8767
WARM_UP_SECONDS = 3


def load(url: str, workdir: Path, packs: int) -> None:
    services = build(Settings.from_env(database_url=url, var_dir=workdir, log_requests=False))
    with services.db.begin() as conn:
        register_facilities(conn)
    for step, place, minutes in (("commissioning", PLANT, 0), ("receiving", PHARMACY, 240)):
        for document in documents(packs, 500, step, place, minutes):
            capture_document(services.db, document, T0)
    services.db.dispose()


def codes(packs: int, route: str) -> list[str]:
    """Each pack's Digital Link with lot and expiry (the public route takes its path)."""
    found = []
    for i in range(packs):
        link = f"{pack(i).replace('/21/', f'/10/{lot(i - i % PER_EVENT)}/21/')}?17=271130"
        parts = urlsplit(link)
        found.append(f"{parts.path}?{parts.query}" if route == "public" else link)
    return found


def run_wrk(base: str, env: dict[str, str], connections: int, seconds: int) -> dict[str, Any]:
    script = str(ROOT / "bench" / "verify.lua")
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, base]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--packs", type=int, default=20_000)
    parser.add_argument("--route", choices=("verify", "public"), default="verify")
    parser.add_argument("--connections", default="4,8,16")
    parser.add_argument("--workers", type=int, default=2, help="enlace serve worker processes")
    parser.add_argument("--duration", type=int, default=15)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        workdir = Path(tmp)
        load(url, workdir, args.packs)
        listing = workdir / "codes.txt"
        listing.write_text("\n".join(codes(args.packs, args.route)) + "\n")
        env = {**os.environ, "ENLACE_BENCH_CODES": str(listing), "ENLACE_BENCH_ROUTE": args.route}
        extra = {"ENLACE_AUTH": "0", "ENLACE_AUDIT": "0"}
        with server(url, workdir, args.workers, PORT, extra) as (base, _):
            run_wrk(base, env, 4, WARM_UP_SECONDS)
            for connections in (int(c) for c in args.connections.split(",")):
                figures = run_wrk(base, env, connections, args.duration)
                emit(
                    {
                        "bench": "verify_http",
                        "route": args.route,
                        "db": args.db,
                        "packs": args.packs,
                        "workers": args.workers,
                        "connections": connections,
                        **figures,
                    }
                )


if __name__ == "__main__":
    main()

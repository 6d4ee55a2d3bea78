"""Server resident memory while serving a store of N resources (default 1 million).

    .venv/bin/python bench/memory.py --db postgres --resources 1000000

Loads N Synthea-derived resources with the bulk importer, starts `enlace serve` (2 workers), drives
reads and searches with wrk, and samples the resident set of the server's processes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from common import ROOT, cloned, database, emit, server, synthea_resources
from enlace.bootstrap import build
from enlace.interactions.bulk_import import import_paths
from enlace.kernel.settings import Settings


def rss_mb(pid: int) -> dict[int, float]:
    """Resident MB of a process and its children, from /proc."""
    sizes = {}
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes[p] = int(line.split()[1]) / 1024
    return sizes


def run(db: str, count: int, duration: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp, database(db, Path(tmp)) as url:
        source = Path(tmp) / "data.ndjson"
        ids = []
        with source.open("wb") as handle:
            for line in cloned(synthea_resources(), count):
                handle.write(line + b"\n")
                if line.startswith(b'{"resourceType": "Patient"'):
                    ids.append(line.split(b'"id": "')[1].split(b'"')[0].decode())
        services = build(Settings.from_env(database_url=url, var_dir=Path(tmp)))
        started = time.perf_counter()
        import_paths(services, [source])
        load_s = time.perf_counter() - started
        services.db.dispose()
        (Path(tmp) / "ids.txt").write_text("\n".join(ids) + "\n")
        with server(url, Path(tmp), workers=2) as (base, process):
            peak: dict[int, float] = {}
            stop = threading.Event()

            def sample() -> None:
                while not stop.is_set():
                    for p, size in rss_mb(process.pid).items():
                        peak[p] = max(peak.get(p, 0.0), size)
                    time.sleep(0.5)

            sampler = threading.Thread(target=sample)
            sampler.start()
            env = {**os.environ, "ENLACE_BENCH_IDS": str(Path(tmp) / "ids.txt")}
            subprocess.run(
                [
                    "wrk",
                    "-t2",
                    "-c32",
                    f"-d{duration}s",
                    "-s",
                    str(ROOT / "bench" / "reads.lua"),
                    base,
                ],
                env=env,
                capture_output=True,
                check=True,
            )
            stop.set()
            sampler.join()
    workers = sorted(peak.values())
    return {
        "bench": "memory",
        "db": db,
        "resources": count,
        "load_s": round(load_s, 1),
        "rss_total_mb": round(sum(workers), 1),
        "rss_per_process_mb": [round(w, 1) for w in workers],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--resources", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=20)
    args = parser.parse_args()
    emit(run(args.db, args.resources, args.duration))


if __name__ == "__main__":
    main()

"""Indicators on Parquet with DuckDB at national scale (issue 17 part 6, docs/scale.md).

Generates a population of `--patients` people as Parquet view files (enlace.sim.parquet_population,
chunked), then runs every computable FHIR indicator at the national and clinic levels and the
clinics-of-excellence ranking over DuckDB views of those files (enlace.modules.analytics.parquet).
Prints one JSON line: rows and bytes per view, generation time, compute wall and CPU seconds and
the process's peak memory. Run one size per process (peak memory is the process's):

    nice -n 10 .venv/bin/python bench/parquet_analytics.py --patients 1000000 --dir /tmp/pq1m
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
from pathlib import Path
from typing import Any

from common import emit
from enlace.modules.analytics import indicators
from enlace.modules.analytics.parquet import open_parquet
from enlace.sim import parquet_population

PERIOD = indicators.parse_period("2026-09")


def timed(work: Any) -> tuple[float, float]:
    began, cpu = time.perf_counter(), time.process_time()
    work()
    return round(time.perf_counter() - began, 2), round(time.process_time() - cpu, 2)


def generate(root: Path, patients: int, chunk: int) -> dict[str, Any]:
    written: list[parquet_population.Written] = []
    wall, cpu = timed(lambda: written.extend(parquet_population.write(root, patients, chunk)))
    rows: dict[str, int] = {}
    size: dict[str, int] = {}
    for item in written:
        rows[item.view] = rows.get(item.view, 0) + item.rows
        size[item.view] = size.get(item.view, 0) + item.path.stat().st_size
    return {
        "rows": rows,
        "total_rows": sum(rows.values()),
        "parquet_mb": round(sum(size.values()) / 1e6, 1),
        "bytes_per_patient": round(sum(size.values()) / patients),
        "generate_s": wall,
        "generate_cpu_s": cpu,
    }


def compute(root: Path, memory_limit: str, parts: list[str]) -> dict[str, Any]:
    spill = root / "_spill"
    spill.mkdir(exist_ok=True)
    con = open_parquet(root, memory_limit=memory_limit, threads=2, spill=spill)
    every = [i for i in indicators.catalog() if i.sql is not None]
    work = {
        "national": lambda: indicators.compute_on(con, every, PERIOD, "national"),
        "clinic": lambda: indicators.compute_on(con, every, PERIOD, "clinic"),
        "ranking": lambda: indicators.rank_on(con, PERIOD),
    }
    out: dict[str, Any] = {"indicators_computed": len(every)}
    for part in parts:
        out[f"{part}_s"], out[f"{part}_cpu_s"] = timed(work[part])
    con.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--memory-limit", default="6GB")
    parser.add_argument("--keep", action="store_true", help="keep the Parquet files")
    parser.add_argument("--parts", default="national,clinic,ranking", help="what to time")
    args = parser.parse_args()
    if args.dir.exists():
        shutil.rmtree(args.dir)
    args.dir.mkdir(parents=True)
    result: dict[str, Any] = {"bench": "parquet_analytics", "patients": args.patients,
                              "memory_limit": args.memory_limit}  # fmt: skip
    result.update(generate(args.dir, args.patients, args.chunk))
    result.update(compute(args.dir, args.memory_limit, args.parts.split(",")))
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if not args.keep:
        shutil.rmtree(args.dir)
    emit(result)


if __name__ == "__main__":
    main()

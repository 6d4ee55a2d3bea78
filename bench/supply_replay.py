"""Benchmark: the full lost-sales replay of the Côte d'Ivoire LMIS data (156 sites x 11
products, 2016-2019) under Enlace's policy and the max-min baseline, as `enlace supply replay`
runs it: read and check the CSV, build the panel, replay every policy point. Prints one JSON
line: read and replay times (median of --runs) and the frontier of both policies."""

from __future__ import annotations

import argparse
import statistics
import time

from common import ROOT, emit
from enlace.modules.supply import service

LMIS = ROOT.parent / "shared" / "data" / "lmis-cotedivoire" / "contraceptive_logistics_data.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lmis", default=str(LMIS))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    reads, replays = [], []
    result: dict[str, object] = {}
    for _ in range(args.runs):
        began = time.perf_counter()
        panel, _warnings = service.read_panel(args.lmis)
        read = time.perf_counter()
        result = service.replay_frontiers(panel, service.ReplaySettings())
        reads.append(read - began)
        replays.append(time.perf_counter() - read)
    emit(
        {
            "bench": "supply_replay",
            "series": len(panel.keys),
            "policy_points": len(result["enlace"]) + len(result["baseline"]),  # type: ignore[arg-type]
            "runs": args.runs,
            "read_median_s": round(statistics.median(reads), 2),
            "replay_median_s": round(statistics.median(replays), 2),
            "total_median_s": round(
                statistics.median(r + p for r, p in zip(reads, replays, strict=True)), 2
            ),
            "enlace": result["enlace"],
            "baseline": result["baseline"],
        }
    )


if __name__ == "__main__":
    main()

"""Procurement red flags: compiled releases per second through all ten Cardinal indicators.

.venv/bin/python bench/procurement.py [--releases 50000] [--seed 7]

Writes N synthetic compiled releases (bids, awards, classified medicine items) once as a release
package and once as JSON Lines, then times `procurement_report` on each file (streaming read, every
indicator, price comparison) and `flag_releases` on releases already in memory. Peak RSS shows
that reading a package does not hold the file.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from common import emit
from enlace.modules.procurement import flag_releases, procurement_report

STATUSES = ("valid", "valid", "valid", "disqualified", "pending")
METHODS = ("open", "selective", "direct")


def synthetic_release(rng: random.Random, index: int) -> dict[str, Any]:
    bidders = [f"T{rng.randrange(2000)}" for _ in range(rng.randint(1, 6))]
    bids = [
        {
            "status": rng.choice(STATUSES),
            "tenderers": [{"id": bidder}],
            "value": {"amount": round(rng.uniform(1e4, 1e6), 2), "currency": "MXN"},
            "date": f"2024-03-{rng.randint(10, 20):02d}T12:00:00Z",
        }
        for bidder in bidders
    ]
    item = {
        "description": "Metformina 850 mg tableta, caja con 30",
        "classification": {"id": f"{rng.randint(10, 60)}000000"},
        "unit": {"value": {"amount": round(rng.uniform(20, 120), 2), "currency": "MXN"}},
    }
    return {
        "ocid": f"ocds-bench-{index}",
        "buyer": {"id": f"B{rng.randrange(300)}"},
        "tender": {
            "procurementMethod": rng.choice(METHODS),
            "numberOfTenderers": len(set(bidders)),
            "procuringEntity": {"id": f"PE{rng.randrange(500)}"},
            "tenderPeriod": {
                "startDate": f"2024-03-{rng.randint(1, 5):02d}T09:00:00Z",
                "endDate": f"2024-03-{rng.randint(6, 18):02d}T09:00:00Z",
            },
        },
        "bids": {"details": bids},
        "awards": [{"status": "active", "suppliers": [{"id": bidders[0]}], "items": [item]}],
    }


def timed_report(path: Path, count: int) -> dict[str, float]:
    started = time.perf_counter()
    report = procurement_report(path)
    seconds = time.perf_counter() - started
    assert report.releases == count
    return {"seconds": round(seconds, 3), "releases_per_s": round(count / seconds)}


def write_inputs(workdir: Path, count: int, seed: int) -> tuple[Path, Path]:
    """The package and the JSON Lines file, written one release at a time."""
    package, lines = workdir / "package.json", workdir / "releases.jsonl"
    rng = random.Random(seed)
    with package.open("w") as pack, lines.open("w") as jsonl:
        pack.write('{"uri": "bench", "releases": [')
        for index in range(count):
            text = json.dumps(synthetic_release(rng, index))
            pack.write(("," if index else "") + text)
            jsonl.write(text + "\n")
        pack.write("]}")
    return package, lines


def peak_rss_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--releases", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        package, lines = write_inputs(Path(workdir), args.releases, args.seed)
        from_package = timed_report(package, args.releases)
        from_lines = timed_report(lines, args.releases)
        streaming_rss = peak_rss_mb()  # before any release list is held in memory
        package_mb = package.stat().st_size / 1e6
    rng = random.Random(args.seed)
    releases = [synthetic_release(rng, i) for i in range(args.releases)]
    started = time.perf_counter()
    report = flag_releases(releases)
    in_memory = time.perf_counter() - started
    emit(
        {
            "bench": "procurement",
            "releases": args.releases,
            "flags": len(report.flags),
            "price_comparisons": len(report.prices),
            "in_memory_releases_per_s": round(args.releases / in_memory),
            "package_releases_per_s": from_package["releases_per_s"],
            "jsonl_releases_per_s": from_lines["releases_per_s"],
            "package_mb": round(package_mb, 1),
            "streaming_peak_rss_mb": streaming_rss,
        }
    )


if __name__ == "__main__":
    main()

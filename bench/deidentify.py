"""Safe Harbor de-identification as a de-identified $export runs it: stored NDJSON bytes in, bytes
out (orjson parse, walk, serialize), over all Synthea resources, median of 5 passes; plus the
k-anonymity tally of the patients.

.venv/bin/python bench/deidentify.py
"""

from __future__ import annotations

import statistics
import time
from datetime import date

import orjson

from common import emit, synthea_resources
from enlace.security.deidentify import Deidentifier


def main() -> None:
    lines = [orjson.dumps(resource) for resource in synthea_resources()]
    patients = [orjson.loads(line) for line in lines if b'"resourceType":"Patient"' in line]
    deidentifier = Deidentifier(b"bench secret", as_of=date(2026, 1, 1))
    walls, cpus = [], []
    for _ in range(5):
        wall, cpu = time.perf_counter(), time.process_time()
        written = sum(
            len(orjson.dumps(deidentifier.resource(orjson.loads(line)))) for line in lines
        )
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    started = time.perf_counter()
    release = Deidentifier(b"bench secret").release_patients(patients, k=11)
    tally_s = time.perf_counter() - started
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    emit(
        {
            "bench": "deidentify",
            "resources": len(lines),
            "bytes_in": sum(map(len, lines)),
            "bytes_out": written,
            "median_us_per_resource": round(wall / len(lines) * 1e6, 1),
            "resources_per_s": round(len(lines) / wall),
            "resources_per_cpu_s": round(len(lines) / cpu),
            "patients_tallied_per_s": round(len(patients) / tally_s),
            "patients_suppressed_at_k11": len(release.suppressed_ids),
        }
    )


if __name__ == "__main__":
    main()

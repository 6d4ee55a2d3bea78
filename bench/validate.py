"""Structural validation cost per resource over all Synthea resources (median of 5 passes).

.venv/bin/python bench/validate.py
"""

from __future__ import annotations

import statistics
import time

from common import emit, synthea_resources
from enlace.fhir.definitions import load_definitions
from enlace.fhir.validation import validate_resource


def main() -> None:
    definitions = load_definitions()
    resources = synthea_resources()
    passes = []
    for _ in range(5):
        started = time.perf_counter()
        invalid = sum(1 for resource in resources if validate_resource(resource, definitions))
        passes.append(time.perf_counter() - started)
    median = statistics.median(passes)
    emit(
        {
            "bench": "validate",
            "resources": len(resources),
            "invalid": invalid,
            "median_us_per_resource": round(median / len(resources) * 1e6, 1),
            "resources_per_s": round(len(resources) / median),
        }
    )


if __name__ == "__main__":
    main()

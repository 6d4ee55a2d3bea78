"""Search value extraction cost: every compiled search parameter of a resource, per resource type.

Compiles each type's parameters once (`search.expressions.compile_type`), then times extracting all
of them from every Synthea resource: median of 5 passes, in µs per resource, by type.

.venv/bin/python bench/search_extract.py
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from typing import Any

from common import emit, synthea_resources
from enlace.search.expressions import compile_type, coverage
from enlace.search.registry import load_registry

PASSES = 5


def main() -> None:
    registry = load_registry()
    resources = synthea_resources()
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for resource in resources:
        by_type[resource["resourceType"]].append(resource)
    compiled, total, unsupported = coverage(registry)
    per_type: dict[str, float] = {}
    params: dict[str, int] = {}
    values: dict[str, int] = {}
    for resource_type, items in sorted(by_type.items()):
        extractors = [c.extract for c in compile_type(registry, resource_type).values()]
        params[resource_type] = len(extractors)
        values[resource_type] = sum(len(f(r)) for r in items for f in extractors)
        passes = []
        for _ in range(PASSES):
            started = time.perf_counter()
            for resource in items:
                for extract in extractors:
                    extract(resource)
            passes.append(time.perf_counter() - started)
        per_type[resource_type] = round(statistics.median(passes) / len(items) * 1e6, 2)
    emit(
        {
            "bench": "search_extract",
            "resources": len(resources),
            "coverage": {
                "compiled": compiled,
                "total": total,
                "percent": round(100 * compiled / total, 2),
                "unsupported": [list(u) for u in unsupported],
            },
            "median_us_per_resource": per_type,
            "params_per_type": params,
            "values_per_type": values,
        }
    )


if __name__ == "__main__":
    main()

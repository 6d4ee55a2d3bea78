"""SQL-on-FHIR v2 views: the compiled engine against a row-by-row interpretation, and
materialization from the store into DuckDB (full, then incremental after a day of changes).

.venv/bin/python bench/sqlonfhir.py [--db sqlite|postgres] [--patients 20000] [--repeats 3]
    [--baseline 2000] [--no-store]

Data: `--patients` synthetic Patients, each with 5 Observations (3 lab values with valueQuantity,
2 blood pressures with two components), so 6 resources per patient. Two views (a flat patient
view; an observation view with a where, a unionAll of the observation's own value and a forEach
over its components) written in standard FHIRPath so fhirpathpy can run them too.

Engine figures (in memory, no database): rows/s and resources/s of the compiled engine
(`ViewRunner`) over every resource, median of `--repeats`; the same views interpreted row by
row over the first `--baseline` resources of each type — each column's path evaluated per
resource with `fhirpathpy.evaluate` (parsed each time: the straightforward way), and with
fhirpathpy paths compiled once (a stronger baseline) — in the same run, with the ratios (against the compiled engine timed on the same
sample just before and after each baseline, so the load moves both alike). The three must give
the same rows (checked).

Store figures: the resources written with `put_many`, then `analytics.refresh` of both views into
a DuckDB file: a full refresh (resources/s), then 1% of the patients and observations updated
and 0.1% deleted (a "day of changes"), and an incremental refresh (seconds, resources/s); with
`--workers N` (default 2) the full refresh is also run with pages evaluated in N processes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from itertools import product
from pathlib import Path
from typing import Any

import fhirpathpy
from fhirpathpy.models import models

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules import analytics
from enlace.store.bulk import PutItem

STATES = ("CMX", "JAL", "NLE", "MEX", "PUE")
LABS = (("4548-4", "%", 7.5), ("2339-0", "mg/dL", 140.0), ("2093-3", "mg/dL", 190.0))

PATIENT_VIEW: dict[str, Any] = {
    "name": "bench_patients",
    "resource": "Patient",
    "select": [
        {
            "column": [
                {"name": "id", "path": "id", "type": "id"},
                {"name": "gender", "path": "gender", "type": "code"},
                {"name": "birth_date", "path": "birthDate", "type": "date"},
                {"name": "family", "path": "name.first().family", "type": "string"},
                {"name": "given", "path": "name.first().given.first()", "type": "string"},
                {"name": "state", "path": "address.first().state", "type": "string"},
                {"name": "deceased", "path": "deceased.ofType(boolean)", "type": "boolean"},
            ]
        }
    ],
}

_VALUE_COLUMNS = [
    {"name": "code", "path": "code.coding.first().code", "type": "code"},
    {"name": "value", "path": "valueQuantity.value", "type": "decimal"},
    {"name": "unit", "path": "valueQuantity.code", "type": "code"},
]
OBSERVATION_VIEW: dict[str, Any] = {
    "name": "bench_observations",
    "resource": "Observation",
    "where": [{"path": "status = 'final'"}],
    "select": [
        {
            "column": [
                {"name": "id", "path": "id", "type": "id"},
                {"name": "patient", "path": "subject.reference", "type": "string"},
                {"name": "effective", "path": "effective.ofType(dateTime)", "type": "dateTime"},
            ]
        },
        {
            "unionAll": [
                {"column": _VALUE_COLUMNS},
                {"forEach": "component", "column": _VALUE_COLUMNS},
            ]
        },
    ],
}


# -- data ---------------------------------------------------------------------------------------
def patient(n: int, rng: random.Random) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resourceType": "Patient",
        "id": f"bp{n}",
        "gender": rng.choice(("female", "male")),
        "birthDate": f"{rng.randint(1940, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "name": [{"family": f"Apellido{n % 997}", "given": [f"Nombre{n % 113}"]}],
        "address": [{"state": rng.choice(STATES)}],
    }
    if rng.random() < 0.02:
        body["deceasedBoolean"] = True
    return body


def observations(n: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for k in range(5):
        body: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"bo{n}-{k}",
            "status": "final" if rng.random() < 0.97 else "amended",
            "subject": {"reference": f"Patient/bp{n}"},
            "effectiveDateTime": f"2026-{rng.randint(1, 9):02d}-{rng.randint(1, 28):02d}",
        }
        if k < 3:
            code, unit, mean = LABS[k]
            body["code"] = {"coding": [{"system": "http://loinc.org", "code": code}]}
            body["valueQuantity"] = {"value": round(rng.gauss(mean, mean / 8), 1), "code": unit}
        else:
            body["code"] = {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]}
            body["component"] = [
                {"code": {"coding": [{"code": c}]},
                 "valueQuantity": {"value": rng.randint(lo, hi), "code": "mm[Hg]"}}
                for c, lo, hi in (("8480-6", 100, 180), ("8462-4", 60, 110))
            ]  # fmt: skip
        out.append(body)
    return out


def dataset(patients: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(13)
    people = [patient(n, rng) for n in range(patients)]
    labs = [o for n in range(patients) for o in observations(n, rng)]
    return people, labs


# -- the row-by-row baseline -----------------------------------------------------------------------
Evaluate = Callable[[dict[str, Any], str], list[Any]]


def interpreted(
    evaluate: Evaluate,
) -> Callable[[dict[str, Any], dict[str, Any]], list[dict[str, Any]]]:
    """The ViewDefinition walked for each resource, each path evaluated by `evaluate`."""

    def node_rows(node: dict[str, Any], focus: dict[str, Any]) -> list[dict[str, Any]]:
        items = evaluate(focus, node["forEach"]) if "forEach" in node else [focus]
        out: list[dict[str, Any]] = []
        for item in items:
            base = {}
            for column in node.get("column", []):
                values = evaluate(item, column["path"])
                value = values[0] if values else None
                # fhirpathpy gives decimals as Decimal; the engine keeps JSON's float.
                base[column["name"]] = float(value) if isinstance(value, Decimal) else value
            parts = [[base]] + [node_rows(s, item) for s in node.get("select", [])]
            if node.get("unionAll"):
                parts.append([r for u in node["unionAll"] for r in node_rows(u, item)])
            out.extend(
                {k: v for part in combo for k, v in part.items()} for combo in product(*parts)
            )
        return out

    def rows(view: dict[str, Any], resource: dict[str, Any]) -> list[dict[str, Any]]:
        for where in view.get("where", []):
            if evaluate(resource, where["path"]) != [True]:
                return []
        return node_rows({"select": view["select"]}, resource)

    return rows


def fhirpathpy_each_time() -> Evaluate:
    r4 = models["r4"]
    return lambda resource, path: fhirpathpy.evaluate(resource, path, None, r4)


def fhirpathpy_compiled() -> Evaluate:
    r4, cache = models["r4"], {}

    def evaluate(resource: dict[str, Any], path: str) -> list[Any]:
        function = cache.get(path)
        if function is None:
            function = cache[path] = fhirpathpy.compile(path, r4)
        return function(resource, {})

    return evaluate


# -- measurements -----------------------------------------------------------------------------
def engine_figures(
    people: list[dict[str, Any]], labs: list[dict[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    pairs = [(PATIENT_VIEW, people), (OBSERVATION_VIEW, labs)]
    runners = [(analytics.ViewRunner(analytics.compile_view(v)), data) for v, data in pairs]
    times, rows = [], 0
    for _ in range(args.repeats):
        started = time.perf_counter()
        rows = sum(sum(1 for _ in runner.run(data)) for runner, data in runners)
        times.append(time.perf_counter() - started)
    compiled_s = statistics.median(times)
    resources = len(people) + len(labs)
    sample = [(v, data[: args.baseline]) for v, data in pairs]
    compiled_sample_rows = [
        list(r.dicts(d)) for (r, _), (_, d) in zip(runners, sample, strict=True)
    ]
    figures: dict[str, Any] = {
        "resources": resources,
        "rows": rows,
        "compiled_s": round(compiled_s, 3),
        "compiled_rows_per_s": round(rows / compiled_s),
        "compiled_resources_per_s": round(resources / compiled_s),
    }
    sample_rows = sum(len(p) for p in compiled_sample_rows)

    def compiled_on_sample() -> float:
        started = time.perf_counter()
        for (runner, _), (_, data) in zip(runners, sample, strict=True):
            sum(1 for _ in runner.run(data))
        return time.perf_counter() - started

    for label, evaluate in (("fhirpathpy", fhirpathpy_each_time()),
                            ("fhirpathpy_compiled", fhirpathpy_compiled())):  # fmt: skip
        walk = interpreted(evaluate)
        before = min(compiled_on_sample() for _ in range(3))
        started = time.perf_counter()
        produced = [[r for res in data for r in walk(view, res)] for view, data in sample]
        seconds = time.perf_counter() - started
        after = min(compiled_on_sample() for _ in range(3))
        if produced != compiled_sample_rows:
            raise SystemExit(f"{label} rows differ from the compiled engine's")
        figures[f"{label}_rows_per_s"] = round(sample_rows / seconds)
        # The ratio against the compiled engine on the same sample, timed right before and
        # after the baseline: the machine's load moves both alike.
        figures[f"ratio_vs_{label}"] = round(seconds / ((before + after) / 2), 1)
    figures["baseline_resources"] = sum(len(d) for _, d in sample)
    return figures


def store_figures(
    url: str, workdir: Path, people: list[dict[str, Any]], labs: list[dict[str, Any]], workers: int
) -> dict[str, Any]:
    settings = Settings.from_env(database_url=url, var_dir=workdir / "var", log_requests=False)
    services = build(settings)
    for chunk in range(0, len(people) + len(labs), 5000):
        with services.db.begin() as conn:
            services.repo.put_many(
                conn, [PutItem(r) for r in (people + labs)[chunk : chunk + 5000]]
            )
    with services.db.begin() as conn:
        for view in (PATIENT_VIEW, OBSERVATION_VIEW):
            analytics.save_view(conn, view)
    duck = workdir / "bench.duckdb"
    names = [PATIENT_VIEW["name"], OBSERVATION_VIEW["name"]]
    full = analytics.refresh(services, names, path=duck, full=True)
    parallel: dict[str, Any] = {}
    if workers > 1:  # the same rebuild with pages evaluated in worker processes
        in_pool = analytics.refresh(services, names, path=duck, full=True, workers=workers)
        seconds = sum(r.seconds for r in in_pool)
        parallel = {
            "workers": workers,
            "full_refresh_workers_s": round(seconds, 3),
            "full_workers_resources_per_s": round(sum(r.resources for r in in_pool) / seconds),
        }
    rng = random.Random(5)
    changed = rng.sample(people, len(people) // 100) + rng.sample(labs, len(labs) // 100)
    for body in changed:
        body["meta"] = {"tag": [{"code": "edited"}]}
        body.pop("deceasedBoolean", None)
    gone = rng.sample(labs, len(labs) // 1000)
    with services.db.begin() as conn:
        services.repo.put_many(conn, [PutItem(b) for b in changed])
        for body in gone:
            services.repo.delete(conn, "Observation", body["id"])
    incremental = analytics.refresh(services, names, path=duck, margin_us=0)
    services.db.dispose()
    full_s = sum(r.seconds for r in full)
    incremental_s = sum(r.seconds for r in incremental)
    return {
        "full_refresh_s": round(full_s, 3),
        "full_resources_per_s": round(sum(r.resources for r in full) / full_s),
        "rows_materialized": sum(r.row_count for r in full),
        "day_changes": len(changed) + len(gone),
        "incremental_refresh_s": round(incremental_s, 3),
        "incremental_resources": sum(r.resources for r in incremental),
        "incremental_resources_per_s": round(sum(r.resources for r in incremental) / incremental_s),
        **parallel,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", type=int, default=2000, help="resources per view")
    parser.add_argument("--no-store", action="store_true", help="engine figures only")
    parser.add_argument("--workers", type=int, default=2, help="also a rebuild in N processes")
    args = parser.parse_args()
    people, labs = dataset(args.patients)
    result: dict[str, Any] = {"bench": "sqlonfhir", "db": args.db, "patients": args.patients}
    result.update(engine_figures(people, labs, args))
    if not args.no_store:
        with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
            result.update(store_figures(url, Path(tmp), people, labs, args.workers))
    emit(result)


if __name__ == "__main__":
    main()

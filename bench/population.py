"""Synthetic population: generation rate (people/s, pure) and load rate into SQLite and PostgreSQL
(baseline records only: Patient, Conditions, baseline Observations; no history yet).

    ENLACE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/population.py --patients 20000 --db sqlite --db postgres

Where time goes: `generate` (drawing people), `map` (building the FHIR dicts, measured apart on
the same people), and the load (mapping + `repo.put_many`: hashing, sealing, search index rows,
inserts) per store; `load_people_per_s` is the end-to-end figure.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.sim.fhir_map import resources
from enlace.sim.loader import load_population
from enlace.sim.population import generate


def run(patients: int, seed: int, dbs: list[str]) -> dict[str, object]:
    started = time.perf_counter()
    population = generate(patients, seed)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    count = sum(len(resources(p, seed, population.reference_date)) for p in population.people)
    mapped = time.perf_counter() - started
    out: dict[str, object] = {
        "bench": "population",
        "patients": patients,
        "resources": count,
        "generate_s": round(generated, 2),
        "generate_people_per_s": round(patients / generated),
        "map_s": round(mapped, 2),
        "map_resources_per_s": round(count / mapped),
    }
    for db in dbs:
        with tempfile.TemporaryDirectory() as tmp, database(db, Path(tmp)) as url:
            services = build(Settings.from_env(database_url=url, var_dir=Path(tmp)))
            started = time.perf_counter()
            report = load_population(services, population)
            loaded = time.perf_counter() - started
            services.db.dispose()
        out[f"{db}_load_s"] = round(loaded, 2)
        out[f"{db}_load_people_per_s"] = round(patients / loaded)
        out[f"{db}_load_resources_per_s"] = round(report.resources / loaded)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    emit(run(args.patients, args.seed, args.db or ["sqlite"]))


if __name__ == "__main__":
    main()

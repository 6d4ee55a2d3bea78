"""Synthetic population and its history: generation rate (people/s, pure), load rate into SQLite
and PostgreSQL (Patient, Conditions, baseline Observations), then `--days` simulated days of care
(the scenario driver: visits, screenings, labs, prescriptions) and the total against the issue's
target (100,000 people with 6 months of history in 10 minutes).

    ENLACE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/population.py --patients 100000 --days 180 --states CMX,JAL,NLE \\
        --db sqlite --db postgres

Where time goes: `generate` (drawing people), `map` (building the FHIR dicts, measured apart on
the same people), and the load (mapping + `repo.put_many`: hashing, sealing, search index rows,
inserts) per store; `load_people_per_s` is the end-to-end figure.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from common import database, emit
from enlace.bootstrap import build
from enlace.interactions.context import Services
from enlace.kernel.settings import Settings
from enlace.modules.catalog import load_catalogs
from enlace.sim.actors import discover
from enlace.sim.driver import run_scenario
from enlace.sim.fhir_map import resources
from enlace.sim.loader import load_population
from enlace.sim.population import generate


def run(
    patients: int,
    seed: int,
    dbs: list[str],
    days: int,
    states: list[str] | None,
    without: tuple[str, ...] = (),
) -> dict[str, object]:
    started = time.perf_counter()
    population = generate(patients, seed, states)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    count = sum(len(resources(p, seed, population.reference_date)) for p in population.people)
    mapped = time.perf_counter() - started
    out: dict[str, object] = {
        "bench": "population",
        "patients": patients,
        "days": days,
        "without": ",".join(without),
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
            if days:
                load_catalogs(services)
                started = time.perf_counter()
                actors = [a for a in discover() if a.name not in without]
                history = run_scenario(services, days, actors=actors)
                simulated = time.perf_counter() - started
                out[f"{db}_history_s"] = round(simulated, 2)
                out[f"{db}_history_resources"] = history.resources
                out[f"{db}_history_resources_per_s"] = round(history.resources / simulated)
                out[f"{db}_total_s"] = round(generated + loaded + simulated, 2)
            out[f"{db}_size_mb"] = round(_size_mb(services, url, Path(tmp)), 1)
            services.db.dispose()
        out[f"{db}_load_s"] = round(loaded, 2)
        out[f"{db}_load_people_per_s"] = round(patients / loaded)
        out[f"{db}_load_resources_per_s"] = round(report.resources / loaded)
    return out


def _size_mb(services: Services, url: str, directory: Path) -> float:
    if url.startswith("sqlite"):
        return sum(f.stat().st_size for f in directory.glob("*.db*")) / 1e6
    with services.db.read() as conn:
        return (
            float(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
            / 1e6
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgres"])
    parser.add_argument("--days", type=int, default=0, help="simulated days of history")
    parser.add_argument("--states", default="", help="e.g. CMX,JAL,NLE (default: all 32)")
    parser.add_argument("--without", default="", help="actors left out, e.g. pharmacy,distributor")
    args = parser.parse_args()
    states = args.states.split(",") if args.states else None
    without = tuple(a for a in args.without.split(",") if a)
    emit(run(args.patients, args.seed, args.db or ["sqlite"], args.days, states, without))


if __name__ == "__main__":
    main()

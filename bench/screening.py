"""Screening throughput: the pure engine in batch (target >= 5,000 people/s) and record_screening
per person on SQLite or PostgreSQL (docs/performance.md, "Screening").

.venv/bin/python bench/screening.py [--people 100000] [--runs 3] [--db sqlite|postgres] [--stored 300]

A seeded synthetic population of adults as a MIDO campaign would meet them (some without lab
values, some with unanswered questions, capillary and plasma glucose) is made as raw screening
JSON and parsed once (parsing timed apart); `screen_many` then runs over all of them `--runs`
times, the best run reported, in wall-clock and in CPU time of the process (on a busy shared
machine the second is the engine's own speed). `--stored` people are then written one by one through
`record_screening` (each its own transaction, as the form does), and the median and p95
milliseconds per person reported.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules.screening import screen_many
from enlace.modules.screening.engine_input import RawScreening, parse_screening
from enlace.modules.screening.service import record_screening


def person(rng: random.Random) -> dict[str, Any]:
    sex = rng.choice(("male", "female"))
    height = rng.gauss(168 if sex == "male" else 156, 7)
    bmi = max(17.0, rng.gauss(28.5, 5))
    measurements: dict[str, Any] = {
        "weight": round(bmi * (height / 100) ** 2, 1),
        "height": round(height, 1),
        "waist": round(rng.gauss(96 if sex == "male" else 92, 11), 1),
        "bloodPressure": {
            "systolic": round(rng.gauss(128, 17)),
            "diastolic": round(rng.gauss(80, 10)),
        },
        "glucose": {
            "value": round(max(60.0, rng.lognormvariate(4.62, 0.25))),
            "unit": "mg/dL",
            "kind": rng.choice(("fasting", "casual")),
            "sample": rng.choice(("capillary", "capillary", "plasma")),
        },
    }
    if measurements["bloodPressure"]["systolic"] <= measurements["bloodPressure"]["diastolic"] + 10:
        measurements["bloodPressure"]["systolic"] = measurements["bloodPressure"]["diastolic"] + 30
    if rng.random() < 0.4:
        measurements["hba1c"] = round(rng.gauss(5.9, 0.9), 1)
    if rng.random() < 0.5:
        measurements["totalCholesterol"] = round(rng.gauss(195, 38))
        measurements["hdl"] = round(rng.gauss(45, 10))
    answers: dict[str, Any] = {
        "age": rng.randint(20, 85),
        "sex": sex,
        "familyHistoryDiabetes": rng.choice(("none", "none", "second-degree", "first-degree")),
        "physicalActivity": rng.random() < 0.4,
        "dailyVegetables": rng.random() < 0.5,
        "everBpMedication": rng.random() < 0.15,
        "everHighGlucose": rng.random() < 0.1,
        "smoker": rng.random() < 0.17,
    }
    if rng.random() < 0.05:  # an unanswered question: FINDRISC not computable
        del answers["dailyVegetables"]
    return {
        "performedAt": "2026-03-01T09:30:00-06:00",
        "setting": "community",
        "measurements": measurements,
        "answers": answers,
    }


def population(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [person(rng) for _ in range(count)]


def engine(args: argparse.Namespace) -> dict[str, object]:
    raws = population(args.people, args.seed)
    began = time.perf_counter()
    parsed = [parse_screening(raw) for raw in raws]
    parse_s = time.perf_counter() - began
    inputs = [p.input for p in parsed if isinstance(p, RawScreening)]
    best = best_cpu = float("inf")
    probable = 0
    for _ in range(args.runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        results = list(screen_many(inputs))
        best = min(best, time.perf_counter() - began)
        best_cpu = min(best_cpu, time.process_time() - began_cpu)
        probable = sum(1 for r in results if r.probable_conditions)
    return {
        "bench": "screening_engine",
        "people": len(inputs),
        "refused": len(raws) - len(inputs),
        "runs": args.runs,
        "people_per_s": round(len(inputs) / best),
        # per second of this process's CPU: the figure when the machine's cores are shared
        "people_per_cpu_s": round(len(inputs) / best_cpu),
        "parse_people_per_s": round(len(raws) / parse_s),
        "with_probable_disease_pct": round(100 * probable / len(inputs), 1),
    }


def stored(url: str, workdir: Path, args: argparse.Namespace) -> dict[str, object]:
    settings = Settings.from_env(database_url=url, var_dir=workdir / "var", log_requests=False)
    services = build(settings)
    raws = population(args.stored, args.seed + 1)
    with services.db.begin() as conn:
        clinic = services.repo.create(conn, {"resourceType": "Organization", "name": "Centro"}).id
        patients = [
            services.repo.create(
                conn,
                {
                    "resourceType": "Patient",
                    "managingOrganization": {"reference": f"Organization/{clinic}"},
                },
            ).id
            for _ in raws
        ]
    timings, resources = [], 0
    for patient, raw in zip(patients, raws, strict=True):
        began = time.perf_counter()
        with services.db.begin() as conn:
            recorded = record_screening(
                conn,
                services.repo,
                patient,
                raw,
                performer="Practitioner/bench",
                setting="community",
                clock=lambda: datetime.now(UTC),
            )
        timings.append((time.perf_counter() - began) * 1000)
        resources += len(recorded.observations) + 1 + len(recorded.tasks)
    services.db.dispose()
    ordered = sorted(timings)
    return {
        "bench": "screening_store",
        "db": services.db.dialect,
        "people": len(raws),
        "resources_per_person": round(resources / len(raws), 1),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "people_per_s": round(len(raws) / (sum(timings) / 1000)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--db", choices=["sqlite", "postgres", "none"], default="sqlite")
    parser.add_argument("--stored", type=int, default=300)
    args = parser.parse_args()
    if args.people > 0:
        emit(engine(args))
    if args.db != "none" and args.stored > 0:
        with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
            emit(stored(url, Path(tmp), args))


if __name__ == "__main__":
    main()

"""Search throughput and latency over a large store (issue 3), against a live `enlace serve`.

    .venv/bin/python bench/search.py --db postgres --resources 1000000
    .venv/bin/python bench/search.py --db sqlite --resources 20000 --check-only

Loads N Synthea-derived resources with the bulk importer (recording, while the NDJSON is written,
each patient's id and the common LOINC codes it has Observations of), starts `enlace serve
--workers 2`, checks that every query answers 200 with matches, then measures:

- patient-scoped searches with wrk (`search_patient.lua`, a random patient per request): the mix
  40/30/15/15 at `--connections` (`--mix-runs` times, the median run reported), and with
  `--per-query` each query alone;
- population searches: each one `--repeat` times in sequence (median and p99 of the latencies),
  then all of them as a wrk mix (`search_population.lua`) at `--population-connections`.

`--explain` (PostgreSQL) runs each query once in process, captures its SQL and writes
`EXPLAIN (ANALYZE, BUFFERS)` of every statement to bench/results/search_plans_<db>.txt.
`--keep` leaves the loaded store in place (var/bench-search-<db>, or the PostgreSQL database
`enlace_bench_search`) and `--reuse` runs against it without loading again.
The machine's load average is recorded with each figure (`load`): read medians, not single runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from common import _UUID_TAIL, ROOT, cloned, database, emit, server, synthea_resources
from enlace.bootstrap import build
from enlace.interactions.bulk_import import import_paths
from enlace.kernel.settings import Settings

# Common LOINC codes of the Synthea sample (all 40 patients have the first five; HbA1c and
# glucose only some). Systolic BP (8480-6) occurs only as a component of the BP panel 55284-4.
CODES = ("29463-7", "8302-2", "39156-5", "55284-4", "72514-3", "4548-4", "2339-0")

PATIENT_KINDS = ("obs", "meds", "cond", "comp")

POPULATION = {
    "hba1c_gt7": "/fhir/Observation?code=http://loinc.org|4548-4&value-quantity=gt7"
    "&_total=accurate&_count=20",
    "t2d_conditions": "/fhir/Condition?code=http://snomed.info/sct|44054006&_total=accurate",
    "born_1960s": "/fhir/Patient?birthdate=ge1960-01-01&birthdate=lt1970-01-01&_total=accurate",
    "bp_since_2015": "/fhir/Observation?code=http://loinc.org|55284-4&date=ge2015"
    "&_total=accurate&_count=10",
    "systolic_component_since_2015": "/fhir/Observation?component-code=http://loinc.org|8480-6"
    "&date=ge2015&_total=accurate&_count=10",
    "hba1c_female_chain": "/fhir/Observation?code=http://loinc.org|4548-4"
    "&subject:Patient.gender=female&_total=accurate&_count=10",
    "has_t2d": "/fhir/Patient?_has:Condition:patient:code=44054006&_count=20&_total=accurate",
}

KEEP_DATABASE = "enlace_bench_search"


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def patient_facts(template: list[dict[str, Any]], count: int) -> list[tuple[str, list[str]]]:
    """(id, common codes) of every patient the first `count` cloned lines hold, with the codes
    of the Observations among those lines (the clone order is the template order, copy by copy)."""
    size = len(template)
    patients: dict[str, int] = {}
    first: dict[str, dict[str, int]] = defaultdict(dict)
    for index, resource in enumerate(template):
        if resource["resourceType"] == "Patient":
            patients[f"Patient/{resource['id']}"] = index
        elif resource["resourceType"] == "Observation":
            subject = resource.get("subject", {}).get("reference", "")
            for coding in resource.get("code", {}).get("coding", []):
                if coding.get("code") in CODES:
                    first[subject].setdefault(coding["code"], index)
    facts = []
    for copy in range(count // size + 1):
        base = copy * size
        for reference, index in patients.items():
            if base + index >= count:
                continue
            pid = _UUID_TAIL.sub(r"\g<1>" + f"{copy:06d}", reference.removeprefix("Patient/"))
            codes = [c for c, at in first[reference].items() if base + at < count]
            facts.append((pid, codes))
    return facts


@contextmanager
def store(db: str, workdir: Path, keep: bool) -> Iterator[str]:
    """The database URL: a throwaway one, or the kept one with --keep/--reuse."""
    if not keep:
        with database(db, workdir) as url:
            yield url
        return
    if db == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    yield f"{admin_url().rsplit('/', 1)[0]}/{KEEP_DATABASE}"


def admin_url() -> str:
    return os.environ.get(
        "ENLACE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )


def recreate_kept_postgres() -> None:
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{KEEP_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{KEEP_DATABASE}"')


def load(url: str, workdir: Path, count: int) -> dict[str, Any]:
    source = workdir / "data.ndjson"
    template = synthea_resources()
    with source.open("wb") as handle:
        for line in cloned(template, count):
            handle.write(line + b"\n")
    facts = patient_facts(template, count)
    (workdir / "patients.txt").write_text("".join(f"{p} {','.join(c)}\n" for p, c in facts))
    services = build(Settings.from_env(database_url=url, var_dir=workdir))
    started = time.perf_counter()
    report = import_paths(services, [source])
    load_s = time.perf_counter() - started
    services.db.dispose()
    source.unlink()
    meta = {"resources": report.resources, "load_s": round(load_s, 1), "patients": len(facts)}
    (workdir / "meta.json").write_text(json.dumps(meta))
    return meta


def patient_paths(pid: str, codes: list[str]) -> dict[str, str]:
    code = random.choice(codes) if codes else "8302-2"
    return {
        "obs": f"/fhir/Observation?patient=Patient/{pid}&code=http://loinc.org|{code}"
        "&_sort=-date&_count=10",
        "meds": f"/fhir/MedicationRequest?patient=Patient/{pid}&status=active"
        "&_include=MedicationRequest:medication&_include=MedicationRequest:requester",
        "cond": f"/fhir/Condition?patient={pid}&clinical-status=active",
        "comp": f"/fhir/Patient/{pid}/Observation?_count=20",
    }


def read_patients(workdir: Path) -> list[tuple[str, list[str]]]:
    facts = []
    for line in (workdir / "patients.txt").read_text().splitlines():
        pid, _, codes = line.partition(" ")
        facts.append((pid, [c for c in codes.split(",") if c]))
    return facts


def summarize(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 200:
        return {"status": response.status_code, "error": response.text[:300]}
    body = response.json()
    entries = body.get("entry", [])
    modes: dict[str, int] = defaultdict(int)
    for entry in entries:
        modes[entry.get("search", {}).get("mode", "?")] += 1
    return {"status": 200, "total": body.get("total"), **modes}


def check(client: httpx.Client, facts: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """Each query once (patient-scoped ones over 30 random patients): status, total, entries."""
    report: dict[str, Any] = {}
    sample = random.Random(7).sample(facts, min(30, len(facts)))
    for kind in PATIENT_KINDS:
        answers = [summarize(client.get(patient_paths(p, c)[kind])) for p, c in sample]
        statuses = sorted({a["status"] for a in answers})
        report[kind] = {
            "statuses": statuses,
            "non_empty": sum(1 for a in answers if a.get("match")),
            "of": len(answers),
            "median_matches": statistics.median(a.get("match", 0) for a in answers),
            "included": sum(a.get("include", 0) for a in answers),
            "outcomes": sum(a.get("outcome", 0) for a in answers),
            "errors": [a["error"] for a in answers if "error" in a][:1],
        }
    for name, path in POPULATION.items():
        report[name] = summarize(client.get(path))
    return report


def sequential(client: httpx.Client, repeat: int, budget_s: float) -> dict[str, Any]:
    """Each population query `repeat` times in a row (at most `budget_s` per query)."""
    figures = {}
    for name, path in POPULATION.items():
        client.get(path)  # warm-up
        times, statuses = [], set()
        total = None
        started = time.perf_counter()
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            statuses.add(response.status_code)
            if response.status_code == 200:
                total = response.json().get("total")
            if time.perf_counter() - started > budget_s:
                break
        times.sort()
        figures[name] = {
            "median_ms": round(statistics.median(times), 1),
            "p99_ms": round(times[min(len(times) - 1, round(0.99 * (len(times) - 1)))], 1),
            "runs": len(times),
            "total": total,
            "statuses": sorted(statuses),
            "load": load_average(),
        }
    return figures


def wrk(
    base: str, script: str, env: dict[str, str], connections: int, duration: int, threads: int = 2
) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(ROOT / "bench" / script),
        base,
    ]
    environment = {**os.environ, "ENLACE_BENCH_LUA_DIR": str(ROOT / "bench"), **env}
    load = load_average()
    output = subprocess.run(
        command, env=environment, capture_output=True, text=True, check=True
    ).stdout
    return {**json.loads(output.strip().splitlines()[-1]), "load": load}


def explain(url: str, workdir: Path, paths: dict[str, str]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement each request runs, in process."""
    from sqlalchemy import event

    from enlace.entrypoints.http.app import create_app

    services = build(Settings.from_env(database_url=url, var_dir=workdir))
    app = create_app(services)
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((statement, parameters))

    engines = {services.db.read_engine, services.db.write_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", capture)

    async def fetch(path: str) -> int:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            return (await client.get(path)).status_code

    sections = []
    for name, path in paths.items():
        asyncio.run(fetch(path))  # warm
        captured.clear()
        status = asyncio.run(fetch(path))
        statements = list(captured)
        sections.append(f"=== {name} ({status}): GET {path}\n")
        raw = services.db.read_engine.raw_connection()
        try:
            for statement, parameters in statements:
                if services.db.dialect == "postgresql":
                    cursor = raw.cursor()
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                else:
                    cursor = raw.cursor()
                    cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                    plan = "\n".join(str(row) for row in cursor.fetchall())
                sections.append(f"--- SQL\n{statement}\n--- params {parameters}\n{plan}\n")
            raw.rollback()
        finally:
            raw.close()
    for engine in engines:
        event.remove(engine, "before_cursor_execute", capture)
    services.db.dispose()
    return "\n".join(sections)


def run(args: argparse.Namespace) -> dict[str, Any]:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")
    keep = args.keep or args.reuse
    kept = ROOT / "var" / f"bench-search-{args.db}"
    with tempfile.TemporaryDirectory() as tmp:
        workdir = kept if keep else Path(tmp)
        if args.keep:
            shutil.rmtree(kept, ignore_errors=True)
            kept.mkdir(parents=True)
            if args.db == "postgres":
                recreate_kept_postgres()
        with store(args.db, workdir, keep) as url:
            if args.reuse:
                meta = json.loads((workdir / "meta.json").read_text())
            else:
                meta = load(url, workdir, args.resources)
            result: dict[str, Any] = {"bench": "search", "db": args.db, **meta}
            facts = read_patients(workdir)
            with (
                server(url, workdir, workers=2) as (base, _),
                httpx.Client(base_url=base, timeout=120) as client,
            ):
                result["check"] = check(client, facts)
                if args.check_only:
                    return result
                env = {"ENLACE_BENCH_PATIENTS": str(workdir / "patients.txt")}
                wrk(base, "search_patient.lua", env, args.connections, 3)  # warm-up
                runs = [
                    wrk(base, "search_patient.lua", env, args.connections, args.duration)
                    for _ in range(args.mix_runs)
                ]
                result["patient_mix"] = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]
                if len(runs) > 1:
                    result["patient_mix_runs"] = runs
                if args.per_query:
                    for kind in PATIENT_KINDS:
                        result[f"patient_{kind}"] = wrk(
                            base,
                            "search_patient.lua",
                            {**env, "ENLACE_BENCH_KIND": kind},
                            args.connections,
                            max(5, args.duration // 2),
                        )
                result["population"] = sequential(client, args.repeat, args.budget)
                paths = workdir / "population.txt"
                paths.write_text("".join(p.replace("|", "%7C") + "\n" for p in POPULATION.values()))
                result["population_mix"] = wrk(
                    base,
                    "search_population.lua",
                    {"ENLACE_BENCH_PATHS": str(paths)},
                    args.population_connections,
                    args.duration,
                )
            if args.explain:
                pid, codes = random.Random(11).choice([f for f in facts if f[1]])
                targets = {**patient_paths(pid, codes), **POPULATION}
                out = ROOT / "bench" / "results"
                out.mkdir(exist_ok=True)
                plans = out / f"search_plans_{args.db}.txt"
                plans.write_text(explain(url, workdir, targets))
                result["plans"] = str(plans.relative_to(ROOT))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--resources", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--mix-runs", type=int, default=1, help="patient mix runs (median)")
    parser.add_argument("--population-connections", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=50, help="runs of each population query")
    parser.add_argument("--budget", type=float, default=60, help="seconds per population query")
    parser.add_argument("--per-query", action="store_true", help="also each patient query alone")
    parser.add_argument("--check-only", action="store_true")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--keep", action="store_true", help="load and keep the store")
    parser.add_argument("--reuse", action="store_true", help="the store --keep left")
    args = parser.parse_args()
    emit(run(args))


if __name__ == "__main__":
    main()

"""Indicator library benchmark (issue 13, part 5): the full computable indicator set at the
national and clinic levels plus the clinics-of-excellence ranking, over a synthetic population
written straight into DuckDB in the shape of the materialized views (compute figures); and the
store -> DuckDB refresh of every view the indicators read, full and incremental after a day of
changes (1 % of patients' resources rewritten), on a smaller store (refresh figures). Prints one
JSON line, including an extrapolation to 1 M patients (labelled as such).

    .venv/bin/python bench/indicators.py --patients 200000 --store-patients 2000
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from common import database, emit
from enlace.bootstrap import build
from enlace.kernel.settings import Settings
from enlace.modules.analytics import indicators
from enlace.store.repository import PutItem

PERIOD = indicators.parse_period("2026-09")
OBS = (("4548-4", 7.2, 1.5), ("8480-6", 132, 18), ("8462-4", 84, 10), ("39156-5", 29, 5),
       ("8280-0", 96, 12), ("2093-3", 195, 35), ("13457-7", 110, 30), ("1558-6", 105, 25))  # fmt: skip


def synthetic(con: duckdb.DuckDBPyConnection, patients: int) -> dict[str, int]:
    """Materialized-view-shaped tables: ~1 clinic per 1,000 patients, 5 physicians per clinic,
    4 institutions, clinics spread over 32 states; 16 observation rows, 3 encounters per patient;
    conditions, prescriptions and dispenses for about half of them."""
    clinics = max(10, patients // 1000)
    con.execute("SELECT setseed(0.13)")
    con.execute(
        "CREATE TABLE indicator_organizations AS SELECT 'inst' || i AS id, 'Inst ' || i AS name, "
        "NULL::VARCHAR AS parent_id, NULL::VARCHAR AS state FROM range(4) t(i) UNION ALL "
        "SELECT 'c' || i, 'Clínica ' || i, 'inst' || (i % 4), lpad(CAST(1 + i % 32 AS VARCHAR), "
        f"2, '0') FROM range({clinics}) t(i)"
    )
    con.execute(
        "CREATE TABLE indicator_patients AS SELECT 'p' || i AS id, CASE WHEN i % 2 = 0 THEN "
        "'female' ELSE 'male' END AS gender, CAST(1940 + i % 66 AS VARCHAR) || '-0' || "
        "CAST(1 + i % 9 AS VARCHAR) || '-15' AS birth_date, i % 97 = 0 AS deceased, "
        "NULL::VARCHAR AS deceased_at, 'c' || (i % "
        f"{clinics}) AS clinic_id, 'dr' || (i % {clinics * 5}) AS physician_id, 'F' || i AS "
        f"family, 'G' AS given FROM range({patients}) t(i)"
    )
    con.execute(
        "CREATE TABLE condition_list AS SELECT 'dx' || i || '-' || k AS id, 'p' || i AS "
        "patient_id, ['E11.9', 'I10', 'E66.9', 'E78'][k + 1] AS code, NULL AS system, 'active' "
        "AS clinical_status, '2019-05-01' AS onset, NULL AS recorded FROM range("
        f"{patients}) t(i), range(4) s(k) WHERE hash(i * 7 + k) % 10 < [4, 3, 2, 2][k + 1]"
    )
    parts = " UNION ALL ".join(
        f"SELECT 'o' || i || '-{n}-' || r AS id, 'p' || i AS patient_id, 'final' AS status, "
        f"strftime(DATE '2025-10-01' + CAST(random() * 364 AS INTEGER), '%Y-%m-%d') AS "
        f"effective, '{code}' AS code, round({mean} + {sd} * (random() + random() - 1) * 1.7, 1) "
        f"AS value, NULL AS unit FROM range({patients}) t(i), range(2) s(r)"
        for n, (code, mean, sd) in enumerate(OBS)
    )
    con.execute(f"CREATE TABLE observation_values AS {parts}")
    con.execute(
        "CREATE TABLE indicator_encounters AS SELECT 'e' || i || '-' || k AS id, 'p' || i AS "
        "patient_id, 'finished' AS status, strftime(DATE '2025-04-01' + CAST(random() * 545 AS "
        f"INTEGER), '%Y-%m-%d') AS start FROM range({patients}) t(i), range(3) s(k)"
    )
    con.execute(
        "CREATE TABLE indicator_procedures AS SELECT 'pr' || i AS id, 'p' || i AS patient_id, "
        "CASE WHEN i % 3 = 0 THEN '401191002' ELSE '134395001' END AS code, 'completed' AS "
        "status, '2026-06-01' AS performed FROM range("
        f"{patients}) t(i) WHERE hash(i) % 10 < 3"
    )
    con.execute(
        "CREATE TABLE medication_requests AS SELECT 'rx' || i AS id, 'p' || i AS patient_id, "
        "'active' AS status, 'A10BA02' AS medication_code, '2026-09-' || lpad(CAST(1 + i % 28 "
        "AS VARCHAR), 2, '0') AS authored_on, NULL AS requester_id, 60.0 AS quantity, 30.0 AS "
        f"days_supply FROM range({patients}) t(i) WHERE hash(i * 7) % 10 < 5"
    )
    con.execute(
        "CREATE TABLE indicator_dispenses AS SELECT 'md' || id AS id, patient_id, id AS "
        "prescription_id, 'completed' AS status, authored_on AS handed_over, 60.0 AS quantity "
        "FROM medication_requests WHERE hash(id) % 10 < 8"
    )
    tables = ("indicator_patients", "condition_list", "observation_values",
              "indicator_encounters", "indicator_procedures", "medication_requests",
              "indicator_dispenses")  # fmt: skip
    return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables}  # type: ignore[index]


def timed(work: Any, repeats: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (all threads of the process) of `work`."""
    walls, cpus = [], []
    for _ in range(repeats):
        began, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
    return round(statistics.median(walls), 3), round(statistics.median(cpus), 3)


def compute_figures(patients: int, repeats: int) -> dict[str, Any]:
    con = duckdb.connect(":memory:")
    began = time.perf_counter()
    rows = synthetic(con, patients)
    generated = time.perf_counter() - began
    every = [i for i in indicators.catalog() if i.sql is not None]
    national = timed(lambda: indicators.compute_on(con, every, PERIOD, "national"), repeats)
    clinic = timed(lambda: indicators.compute_on(con, every, PERIOD, "clinic"), repeats)
    ranking = timed(lambda: indicators.rank_on(con, PERIOD), repeats)
    return {
        "rows": rows,
        "generate_s": round(generated, 1),
        "indicators_computed": len(every),
        "national_s": national[0],
        "national_cpu_s": national[1],
        "clinic_s": clinic[0],
        "clinic_cpu_s": clinic[1],
        "ranking_s": ranking[0],
        "ranking_cpu_s": ranking[1],
    }


def fhir_patient(n: int, rng: random.Random) -> list[dict[str, Any]]:
    pid, ref = f"bp{n}", {"reference": f"Patient/bp{n}"}
    out: list[dict[str, Any]] = [{
        "resourceType": "Patient", "id": pid, "gender": rng.choice(("female", "male")),
        "birthDate": f"{rng.randint(1940, 2005)}-0{rng.randint(1, 9)}-15",
        "managingOrganization": {"reference": f"Organization/bc{n % 10}"},
        "generalPractitioner": [{"reference": f"Practitioner/bdr{n % 40}"}],
    }]  # fmt: skip
    if rng.random() < 0.4:
        out.append({"resourceType": "Condition", "id": f"bdx{n}", "subject": ref,
                    "code": {"coding": [{"code": "E11.9"}]}, "onsetDateTime": "2020-01-01"})  # fmt: skip
    for k, (code, mean, sd) in enumerate(OBS):
        out.append({
            "resourceType": "Observation", "id": f"bo{n}-{k}", "status": "final", "subject": ref,
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "effectiveDateTime": f"2026-0{rng.randint(1, 9)}-{rng.randint(10, 28)}",
            "valueQuantity": {"value": round(rng.gauss(mean, sd), 1), "code": "1"},
        })  # fmt: skip
    out.append({"resourceType": "Encounter", "id": f"be{n}", "status": "finished", "subject": ref,
                "class": {"code": "AMB"}, "period": {"start": "2026-09-02"}})  # fmt: skip
    return out


def refresh_figures(url: str, workdir: Path, patients: int) -> dict[str, Any]:
    services = build(Settings.from_env(database_url=url, var_dir=workdir / "var",
                                       log_requests=False))  # fmt: skip
    rng = random.Random(13)
    orgs = [{"resourceType": "Organization", "id": f"bc{i}", "name": f"C{i}"} for i in range(10)]
    people = [r for n in range(patients) for r in fhir_patient(n, rng)] + orgs
    for chunk in range(0, len(people), 5000):
        with services.db.begin() as conn:
            services.repo.put_many(conn, [PutItem(r) for r in people[chunk : chunk + 5000]])
    full = indicators.refresh_sources(services, full=True)
    changed = [r for n in rng.sample(range(patients), max(1, patients // 100))
               for r in fhir_patient(n, rng)]  # fmt: skip
    with services.db.begin() as conn:
        services.repo.put_many(conn, [PutItem(r) for r in changed])
    began = time.perf_counter()
    incremental = indicators.refresh_sources(services)
    incremental_s = time.perf_counter() - began
    services.db.dispose()
    full_s = sum(r.seconds for r in full)
    return {
        "store_resources": len(people),
        "full_refresh_s": round(full_s, 2),
        "full_resources_per_s": round(sum(r.resources for r in full) / full_s),
        "day_changes": len(changed),
        "incremental_refresh_s": round(incremental_s, 2),
        "incremental_resources": sum(r.resources for r in incremental),
    }


def extrapolate(result: dict[str, Any], patients: int) -> dict[str, Any]:
    """Linear in patients for 1 M patients with the store's resources per patient; a day of
    changes is 1 % of them, refreshed at the full refresh's rate plus the measured fixed cost
    of an incremental refresh. An extrapolation, not a measurement."""
    scale = 1_000_000 / patients
    compute_s = (result["clinic_s"] + result["ranking_s"]) * scale
    per_patient = result["store_resources"] / result["store_patients"]
    rate = result["full_resources_per_s"]
    full = 1_000_000 * per_patient / rate
    day = result["incremental_refresh_s"] + 10_000 * per_patient / rate
    return {
        "extrapolated_1M_full_s": round(full + compute_s),
        "extrapolated_1M_incremental_s": round(day + compute_s),
        "extrapolated_1M_compute_s": round(compute_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--store-patients", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    result: dict[str, Any] = {"bench": "indicators", "db": args.db, "patients": args.patients,
                              "store_patients": args.store_patients}  # fmt: skip
    result.update(compute_figures(args.patients, args.repeats))
    with tempfile.TemporaryDirectory() as tmp, database(args.db, Path(tmp)) as url:
        result.update(refresh_figures(url, Path(tmp), args.store_patients))
    result.update(extrapolate(result, args.patients))
    emit(result)


if __name__ == "__main__":
    main()

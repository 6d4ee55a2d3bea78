"""The capacity model for Mexico (issue 17 part 6): cores, memory, disk and PostgreSQL nodes for
the national chronic-care load, computed from per-core figures measured on this project's
machine (each cited to its section of docs/performance.md). docs/capacity.md is this script's
`--markdown` output plus the reasoning; change a figure or an assumption and run it again:

    .venv/bin/python bench/capacity.py                 # one JSON line
    .venv/bin/python bench/capacity.py --markdown      # the tables of docs/capacity.md
    .venv/bin/python bench/capacity.py --cgm-share 1.0 # every person with diabetes on a CGM

Every measured figure came from 2 shared vCPUs running the application AND its database (and
often other helpers' tests): "per core" below is the measured rate divided by 2, which charges
each core with its share of the database's work too. That is conservative for a split
deployment, where API/ingestion cores and database cores are separate machines.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass
from typing import Any

PERF = "docs/performance.md"


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    source: str


# Measured, per core (the 2-vCPU figure / 2), with where it was measured.
MEASURED = {
    "ingest_readings_per_core_s": Figure(
        20_783 / 2, "readings/s",
        f"{PERF} 'Monitoring: ingestion': HTTP, 2 workers, PostgreSQL, 20,783/s median",
    ),
    "fhir_mixed_per_core_s": Figure(
        2_224 / 2, "requests/s (50% read, 25% create, 25% update)",
        f"{PERF} 'Foundation': mixed CRUD on PostgreSQL, 2,224 req/s, p99 44 ms",
    ),
    "fhir_import_per_core_s": Figure(
        5_993 / 2, "resources/s",
        f"{PERF} 'Foundation': NDJSON import on PostgreSQL, 5,993 res/s",
    ),
    "dispense_per_core_s": Figure(
        12.0 / 2, "dispenses/s (verify, stock, record, trace, claim)",
        f"{PERF} 'Dispensing': PostgreSQL, 12.0 dispenses/s (claim adjudicated inline)",
    ),
    "indicators_cpu_s_per_million": Figure(
        510.3 / 10, "CPU seconds, 19 indicators, national level, per million patients",
        f"{PERF} 'Analytics at national scale on Parquet': DuckDB, 10 M patients, 510 CPU s",
    ),
    "reading_bytes": Figure(
        236.9, "bytes on disk per CGM reading (heap + primary key + patient index)",
        f"{PERF} 'Storage footprint' and 'Patient keys': a monitoring_readings partition, 1 M rows, after VACUUM, key (patient, device, code, time)",
    ),
    "resource_bytes": Figure(
        3_232.0, "bytes on disk per FHIR resource version (current + history + search indexes)",
        f"{PERF} 'The store's patient key': 30,000 Observations through the repository, patient_key on every row",
    ),
    "api_process_mb": Figure(
        97.0, "MB resident per API worker process",
        f"{PERF} 'Memory while serving a store of one million resources'",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Assumptions:
    diabetes: float = 12.8e6
    hypertension: float = 22.0e6
    both_share_of_diabetes: float = 0.5  # people with diabetes who also have hypertension
    cgm_share: float = 0.10  # of people with diabetes wearing a CGM (insulin-treated ~10 %)
    cgm_readings_per_day: float = 288
    bp_share: float = 0.30  # of people with hypertension sending home blood pressure
    bp_readings_per_day: float = 2
    fhir_writes_per_person_year: float = 60  # visits, labs, orders, care plans, claims' resources
    fhir_reads_per_write: float = 3
    fills_per_person_year: float = 24  # two chronic medicines a month
    peak_factor: float = 3.0  # busiest hour over the day's mean
    pharmacy_hours_per_day: float = 12
    target_utilization: float = 0.6  # cores busy at the peak hour
    reading_retention_days: float = 365 * 2
    pg_reading_days: float = 90  # readings kept in PostgreSQL; older ones archived to Parquet
    archived_reading_bytes: float = 12  # Parquet (zstd), an assumption: not measured on readings
    replicas: int = 2  # every PostgreSQL node has a streaming standby
    disk_per_pg_node_tb: float = 4.0
    indicator_refreshes_per_day: float = 4


def model(a: Assumptions, m: dict[str, Figure] = MEASURED) -> dict[str, Any]:
    day = 86_400
    people = a.diabetes + a.hypertension - a.both_share_of_diabetes * a.diabetes
    readings_day = (a.diabetes * a.cgm_share * a.cgm_readings_per_day
                    + a.hypertension * a.bp_share * a.bp_readings_per_day)  # fmt: skip
    readings_peak = readings_day / day * a.peak_factor
    writes_peak = people * a.fhir_writes_per_person_year / 365 / day * a.peak_factor
    requests_peak = writes_peak * (1 + a.fhir_reads_per_write)
    dispenses_peak = people * a.fills_per_person_year / 365 / (a.pharmacy_hours_per_day * 3600)
    dispenses_peak *= a.peak_factor / 2  # the busiest pharmacy hour against the open hours' mean
    indicator_cpu_day = (m["indicators_cpu_s_per_million"].value * people / 1e6
                         * a.indicator_refreshes_per_day)  # fmt: skip
    busy = {
        "ingestion": readings_peak / m["ingest_readings_per_core_s"].value,
        "fhir_api": requests_peak / m["fhir_mixed_per_core_s"].value,
        "dispensing": dispenses_peak / m["dispense_per_core_s"].value,
        "indicators": indicator_cpu_day / day * a.peak_factor,
    }
    cores = {k: math.ceil(v / a.target_utilization) for k, v in busy.items()}
    reading_tb = readings_day * a.pg_reading_days * m["reading_bytes"].value / 1e12
    archive_tb = (readings_day * (a.reading_retention_days - a.pg_reading_days)
                  * a.archived_reading_bytes / 1e12)  # fmt: skip
    resource_tb_year = people * a.fhir_writes_per_person_year * m["resource_bytes"].value / 1e12
    data_tb = reading_tb + resource_tb_year * 5  # five years of the record
    pg_nodes = math.ceil(data_tb / a.disk_per_pg_node_tb)
    return {
        "people": round(people),
        "readings_per_day": round(readings_day),
        "readings_per_s_peak": round(readings_peak),
        "fhir_requests_per_s_peak": round(requests_peak),
        "dispenses_per_s_peak": round(dispenses_peak, 1),
        "indicator_cpu_s_per_day": round(indicator_cpu_day),
        "cores_busy_at_peak": {k: round(v, 1) for k, v in busy.items()},
        "cores": cores,
        "cores_total": sum(cores.values()),
        "api_ram_gb": round(sum(cores.values()) * m["api_process_mb"].value * 2 / 1024, 1),
        "readings_in_postgres_tb": round(reading_tb, 1),
        "readings_archived_parquet_tb": round(archive_tb, 1),
        "fhir_tb_per_year": round(resource_tb_year, 2),
        "postgres_data_tb": round(data_tb, 1),
        "pg_worker_nodes": max(2, pg_nodes),
        "pg_nodes_with_standbys": max(2, pg_nodes) * a.replicas + a.replicas,  # + coordinator
    }


def markdown(a: Assumptions, out: dict[str, Any]) -> str:
    lines = ["| measured figure (per core) | value | source |", "|---|---|---|"]
    lines += [f"| `{k}` | {f.value:,.1f} {f.unit} | {f.source} |" for k, f in MEASURED.items()]
    lines += ["", "| assumption | value |", "|---|---|"]
    lines += [f"| `{k}` | {v:,} |" for k, v in asdict(a).items()]
    lines += ["", "| result | value |", "|---|---|"]
    for key, value in out.items():
        shown = ", ".join(f"{k} {v:,}" for k, v in value.items()) if isinstance(value, dict) \
            else f"{value:,}"  # fmt: skip
        lines.append(f"| `{key}` | {shown} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--markdown", action="store_true")
    for name, default in asdict(Assumptions()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(default), default=default)
    args = vars(parser.parse_args())
    show = args.pop("markdown")
    assumptions = Assumptions(**args)
    out = model(assumptions)
    print(markdown(assumptions, out) if show else json.dumps({"bench": "capacity", **out}))


if __name__ == "__main__":
    main()

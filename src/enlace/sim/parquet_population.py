"""A synthetic national population written straight to Parquet in the shape of the materialized
views the indicators read (docs/scale.md, "Analytics at 10 M patients").

Nothing goes through the FHIR store: at 10 M patients the point is the analytics engine, and the
store -> view step is measured on its own (performance.md, SQL-on-FHIR views). DuckDB generates
each chunk of patients with SQL and writes one Parquet file per view per chunk, so memory stays
that of one chunk whatever the total. Deterministic: every draw is a hash of (patient, draw,
seed), so a chunk is the same whichever process or order writes it.

Shape (per patient, on average): 1 patient row, ~1.3 diagnoses (type 2 diabetes 40 %,
hypertension 45 %, obesity 30 %, dyslipidemia 20 %), 16 observation values over the year (eight
LOINC codes twice; blood pressure pairs share their day), 3 encounters, 0.3 procedures, ~1.1
prescriptions and ~0.9 dispenses. Organizations: 4 institutions, one network per institution and
state (32 states), ~1 clinic per 1,000 patients, 5 physicians per clinic.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

STATES = 32
INSTITUTIONS = ("IMSS", "ISSSTE", "IMSS-Bienestar", "SSA")
# LOINC code, mean, spread: HbA1c, systolic, diastolic, BMI, waist, cholesterol, LDL, glucose.
OBSERVATIONS = (
    ("4548-4", 7.4, 1.6),
    ("8480-6", 131, 18),
    ("8462-4", 83, 10),
    ("39156-5", 29.5, 5),
    ("8280-0", 97, 12),
    ("2093-3", 196, 35),
    ("13457-7", 112, 30),
    ("1558-6", 118, 35),
)
DIAGNOSES = (("E11.9", 0.40), ("I10", 0.45), ("E66.9", 0.30), ("E78.5", 0.20))
YEAR_START = "2025-10-01"  # the generated year ends on 2026-09-30


@dataclass(frozen=True)
class Written:
    view: str
    rows: int
    path: Path


def _u(draw: str, seed: int) -> str:
    """A uniform [0, 1) draw for patient `i`, stable for (i, draw, seed)."""
    return f"((hash(i, {draw}, {seed}) % 1000003) / 1000003.0)"


def _day(offset: str) -> str:
    return f"strftime(DATE '{YEAR_START}' + CAST({offset} AS INTEGER), '%Y-%m-%d')"


def clinics_for(patients: int) -> int:
    return max(STATES, patients // 1000)


def organizations_sql(clinics: int) -> str:
    institutions = " UNION ALL ".join(
        f"SELECT 'inst{n}' AS id, '{name}' AS name, NULL::VARCHAR AS parent_id, "
        "NULL::VARCHAR AS state"
        for n, name in enumerate(INSTITUTIONS)
    )
    state = "lpad(CAST(1 + s AS VARCHAR), 2, '0')"
    networks = (
        f"SELECT 'net' || n || '-' || s, 'Red ' || n || ' · ' || {state}, 'inst' || n, {state} "
        f"FROM range({len(INSTITUTIONS)}) a(n), range({STATES}) b(s)"
    )
    clinic_state = f"lpad(CAST(1 + i % {STATES} AS VARCHAR), 2, '0')"
    clinic_rows = (
        f"SELECT 'c' || i, 'Clínica ' || i, 'net' || (i % {len(INSTITUTIONS)}) || '-' || "
        f"(i % {STATES}), {clinic_state} FROM range({clinics}) t(i)"
    )
    return f"{institutions} UNION ALL {networks} UNION ALL {clinic_rows}"


def patients_sql(lo: int, hi: int, clinics: int, seed: int) -> str:
    age = f"CAST(20 + 70 * {_u('1', seed)} * {_u('2', seed)} + 25 * {_u('3', seed)} AS INTEGER)"
    return (
        f"SELECT 'p' || i AS id, CASE WHEN {_u('4', seed)} < 0.52 THEN 'female' ELSE 'male' END "
        f"AS gender, CAST(2026 - {age} AS VARCHAR) || '-' || lpad(CAST(1 + i % 12 AS VARCHAR), 2, "
        f"'0') || '-15' AS birth_date, {_u('5', seed)} < 0.01 AS deceased, NULL::VARCHAR AS "
        f"deceased_at, 'c' || (i % {clinics}) AS clinic_id, 'dr' || (i % {clinics}) || '-' || "
        f"(i % 5) AS physician_id, 'F' || i AS family, 'G' AS given FROM range({lo}, {hi}) t(i)"
    )


def conditions_sql(lo: int, hi: int, seed: int) -> str:
    parts = [
        f"SELECT 'dx' || i || '-{k}' AS id, 'p' || i AS patient_id, '{code}' AS code, "
        "'http://hl7.org/fhir/sid/icd-10' AS system, 'active' AS clinical_status, "
        f"'2019-05-01' AS onset, NULL::VARCHAR AS recorded FROM range({lo}, {hi}) t(i) "
        f"WHERE {_u(str(10 + k), seed)} < {share}"
        for k, (code, share) in enumerate(DIAGNOSES)
    ]
    return " UNION ALL ".join(parts)


def observations_sql(lo: int, hi: int, seed: int) -> str:
    parts = []
    for n, (code, mean, spread) in enumerate(OBSERVATIONS):
        # Systolic and diastolic (n = 1, 2) share the draw of their day: one measurement.
        day_draw = 100 + (1 if n in (1, 2) else n)
        for r in range(2):
            value = f"round({mean} + {spread} * ({_u(f'{200 + 10 * n + r}', seed)} + "
            value += f"{_u(f'{300 + 10 * n + r}', seed)} - 1) * 1.7, 1)"
            day = _day(f"{_u(f'{day_draw * 10 + r}', seed)} * 182 + {182 * r}")
            parts.append(
                f"SELECT 'o' || i || '-{n}-{r}' AS id, 'p' || i AS patient_id, 'final' AS "
                f"status, {day} AS effective, '{code}' AS code, {value} AS value, "
                f"NULL::VARCHAR AS unit FROM range({lo}, {hi}) t(i)"
            )
    return " UNION ALL ".join(parts)


def encounters_sql(lo: int, hi: int, seed: int) -> str:
    day = _day(f"{_u('400 + k', seed)} * 364")
    return (
        f"SELECT 'e' || i || '-' || k AS id, 'p' || i AS patient_id, 'finished' AS status, "
        f"{day} AS start FROM range({lo}, {hi}) t(i), range(3) s(k)"
    )


def procedures_sql(lo: int, hi: int, seed: int) -> str:
    return (
        "SELECT 'pr' || i AS id, 'p' || i AS patient_id, CASE WHEN i % 3 = 0 THEN "
        "'401191002' ELSE '134395001' END AS code, 'completed' AS status, "
        f"{_day(_u('500', seed) + ' * 364')} AS performed FROM range({lo}, {hi}) t(i) "
        f"WHERE {_u('501', seed)} < 0.3"
    )


def requests_sql(lo: int, hi: int, seed: int) -> str:
    return (
        f"SELECT 'rx' || i || '-' || k AS id, 'p' || i AS patient_id, 'active' AS status, "
        "CASE WHEN i % 2 = 0 THEN 'A10BA02' ELSE 'C09AA02' END AS medication_code, "
        f"{_day(_u('600 + k', seed) + ' * 150 + 214 * k')} AS authored_on, "
        "'dr' || i AS requester_id, 60.0 AS quantity, 30.0 AS days_supply "
        f"FROM range({lo}, {hi}) t(i), range(2) s(k) WHERE {_u('610 + k', seed)} < 0.55"
    )


def dispenses_sql(lo: int, hi: int, seed: int) -> str:
    return (
        f"SELECT 'md' || id AS id, patient_id, id AS prescription_id, 'completed' AS status, "
        f"authored_on AS handed_over, 60.0 AS quantity FROM ({requests_sql(lo, hi, seed)}) "
        "WHERE hash(id) % 10 < 8"
    )


def chunk_queries(lo: int, hi: int, clinics: int, seed: int) -> dict[str, str]:
    """Each view's rows for patients [lo, hi)."""
    return {
        "indicator_patients": patients_sql(lo, hi, clinics, seed),
        "condition_list": conditions_sql(lo, hi, seed),
        "observation_values": observations_sql(lo, hi, seed),
        "indicator_encounters": encounters_sql(lo, hi, seed),
        "indicator_procedures": procedures_sql(lo, hi, seed),
        "medication_requests": requests_sql(lo, hi, seed),
        "indicator_dispenses": dispenses_sql(lo, hi, seed),
    }


def write(
    directory: Path,
    patients: int,
    chunk: int = 500_000,
    seed: int = 13,
    con: duckdb.DuckDBPyConnection | None = None,
) -> list[Written]:
    """Writes `directory/<view>/part-NNNNN.parquet` for `patients` people in chunks of `chunk`;
    what was written, one entry per file."""
    con = con or duckdb.connect()
    clinics = clinics_for(patients)
    out = [_copy(con, organizations_sql(clinics), directory, "indicator_organizations", 0)]
    for part, lo in enumerate(range(0, patients, chunk)):
        hi = min(patients, lo + chunk)
        for view, query in chunk_queries(lo, hi, clinics, seed).items():
            out.append(_copy(con, query, directory, view, part))
    return out


def _copy(
    con: duckdb.DuckDBPyConnection, query: str, directory: Path, view: str, part: int
) -> Written:
    folder = directory / view
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"part-{part:05d}.parquet"
    con.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet, COMPRESSION zstd)")
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone()
    return Written(view, int(rows[0]) if rows else 0, path)

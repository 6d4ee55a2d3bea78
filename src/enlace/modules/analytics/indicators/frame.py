"""The period's frame in DuckDB: the attributed population `pop` and the organization tree
`units` every indicator is aggregated over, plus empty stand-ins for views never materialized
(a platform with no Procedure yet still computes the other indicators)."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from enlace.modules.analytics.indicators import queries as q
from enlace.modules.analytics.indicators.periods import Period

# The columns the indicator SQL reads from each view (a missing view becomes an empty table).
NEEDED: dict[str, dict[str, str]] = {
    "indicator_patients": {
        "id": "VARCHAR",
        "gender": "VARCHAR",
        "birth_date": "VARCHAR",
        "deceased": "BOOLEAN",
        "deceased_at": "VARCHAR",
        "clinic_id": "VARCHAR",
        "physician_id": "VARCHAR",
        "family": "VARCHAR",
        "given": "VARCHAR",
    },
    "indicator_organizations": {
        "id": "VARCHAR",
        "name": "VARCHAR",
        "parent_id": "VARCHAR",
        "state": "VARCHAR",
    },
    "indicator_encounters": {
        "id": "VARCHAR",
        "patient_id": "VARCHAR",
        "status": "VARCHAR",
        "start": "VARCHAR",
    },
    "indicator_procedures": {
        "id": "VARCHAR",
        "patient_id": "VARCHAR",
        "code": "VARCHAR",
        "status": "VARCHAR",
        "performed": "VARCHAR",
    },
    "indicator_dispenses": {
        "id": "VARCHAR",
        "patient_id": "VARCHAR",
        "prescription_id": "VARCHAR",
        "status": "VARCHAR",
        "handed_over": "VARCHAR",
        "quantity": "DOUBLE",
    },
    "observation_values": {
        "id": "VARCHAR",
        "patient_id": "VARCHAR",
        "status": "VARCHAR",
        "effective": "VARCHAR",
        "code": "VARCHAR",
        "value": "DOUBLE",
        "unit": "VARCHAR",
    },
    "condition_list": {
        "id": "VARCHAR",
        "patient_id": "VARCHAR",
        "code": "VARCHAR",
        "system": "VARCHAR",
        "clinical_status": "VARCHAR",
        "onset": "VARCHAR",
        "recorded": "VARCHAR",
    },
    "medication_requests": {
        "id": "VARCHAR",
        "patient_id": "VARCHAR",
        "status": "VARCHAR",
        "medication_code": "VARCHAR",
        "authored_on": "VARCHAR",
        "requester_id": "VARCHAR",
        "quantity": "DOUBLE",
        "days_supply": "DOUBLE",
    },
}


def ensure_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Creates an empty temporary table for each needed view not materialized; their names.
    A DuckDB view of that name counts as materialized (views over Parquet files: a temporary
    table would shadow it)."""
    present = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views()"
        ).fetchall()
    }
    missing = [name for name in NEEDED if name not in present]
    for name in missing:
        body = ", ".join(f'"{c}" {t}' for c, t in NEEDED[name].items())
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} ({body})")
    return missing


def placeholders(period: Period) -> dict[str, str]:
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "y1": period.lookback(12).isoformat(),
        "m6": period.lookback(6).isoformat(),
        "m18": period.lookback(18).isoformat(),
    }


def build(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    """`pop`: patients with a clinic, their age at the period's last day and whether alive at
    its end; `units`: each clinic's network, institution and state; and the period's working
    tables every indicator shares (diagnoses, newest values, codes seen, latest blood pressure)
    so the views are scanned once per period, not once per indicator."""
    fill = placeholders(period)
    for name, query in (
        ("dx", q.DIAGNOSES),
        ("latest_values", q.LATEST_VALUES),
        ("seen_codes", q.SEEN_CODES),
        ("latest_bp", q.BP_OF_LATEST_DAY),
    ):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query.format(**fill)}")  # fmt: skip
    last = (period.end - timedelta(days=1)).isoformat()
    end = period.end.isoformat()
    con.execute(
        "CREATE OR REPLACE TEMP TABLE pop AS SELECT id AS patient_id, gender, clinic_id, "
        "coalesce(physician_id, '-') AS physician_id, "
        "trim(coalesce(given, '') || ' ' || coalesce(family, '')) AS name, "
        f"{int(last[:4])} - TRY_CAST(substr(birth_date, 1, 4) AS INTEGER) - CASE WHEN "
        f"'{last[5:]}' < substr(birth_date, 6, 5) THEN 1 ELSE 0 END AS age, "
        f"NOT coalesce(deceased, FALSE) AND coalesce(deceased_at, '9999') >= '{end}' "
        f"AND coalesce(birth_date, '0000') < '{end}' AS alive "
        "FROM indicator_patients WHERE clinic_id IS NOT NULL"
    )
    # A clinic's parent is its network when the parent itself has a parent (the institution);
    # otherwise the parent is the institution and the network is the institution in the state.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE units AS SELECT c.clinic_id, "
        "coalesce(o.name, c.clinic_id) AS clinic_name, "
        "coalesce(o.state, p.state, g.state, '-') AS state, "
        "coalesce(g.id, p.id, '-') AS institution_id, "
        "coalesce(g.name, p.name, coalesce(g.id, p.id, '-')) AS institution_name, "
        "CASE WHEN g.id IS NOT NULL THEN p.id ELSE coalesce(p.id, '-') || ':' || "
        "coalesce(o.state, p.state, '-') END AS network_id, "
        "CASE WHEN g.id IS NOT NULL THEN coalesce(p.name, p.id) ELSE coalesce(p.name, p.id, '-') "
        "|| ' · ' || coalesce(o.state, p.state, '-') END AS network_name "
        "FROM (SELECT DISTINCT clinic_id FROM pop) c "
        "LEFT JOIN indicator_organizations o ON o.id = c.clinic_id "
        "LEFT JOIN indicator_organizations p ON p.id = o.parent_id "
        "LEFT JOIN indicator_organizations g ON g.id = p.parent_id"
    )


def window_has_data(con: duckdb.DuckDBPyConnection, period: Period) -> bool:
    """Whether anything clinical was recorded in the period (else its indicators would report
    a population with no measurements as 'uncontrolled')."""
    start, end = period.start.isoformat(), period.end.isoformat()
    row = con.execute(
        "SELECT EXISTS (SELECT 1 FROM observation_values WHERE effective >= $s AND effective < $e)"
        " OR EXISTS (SELECT 1 FROM indicator_encounters WHERE start >= $s AND start < $e)"
        " OR EXISTS (SELECT 1 FROM medication_requests WHERE authored_on >= $s "
        "AND authored_on < $e)",
        {"s": start, "e": end},
    ).fetchone()
    return bool(row and row[0])


def latest_activity(con: duckdb.DuckDBPyConnection) -> date | None:
    """The day of the latest clinical record (encounter, measurement or prescription) in the
    views, or None when there is none: the boards' default period follows it."""
    row = con.execute(
        "SELECT max(d) FROM (SELECT max(start[:10]) AS d FROM indicator_encounters"
        " UNION ALL SELECT max(effective[:10]) FROM observation_values"
        " UNION ALL SELECT max(authored_on[:10]) FROM medication_requests)"
    ).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else None

"""Views materialized from the store into DuckDB (default) and into the platform's own database,
on SQLite and PostgreSQL: typed columns, incremental refresh of only what changed (deletes
remove rows), no work when nothing changed, Parquet/CSV export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import MetaData, Table, select

from enlace.interactions.context import Services
from enlace.kernel import errors
from enlace.modules import analytics

VIEWS = ["patient_demographics", "observation_values"]


def _write(services: Services, resource: dict[str, Any], resource_id: str) -> None:
    with services.db.begin() as conn:
        services.repo.update(conn, {**resource, "id": resource_id}, resource_id)


def _patient(gender: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "gender": gender, "birthDate": "1960-05", **fields}


def _glucose(patient_id: str, value: float) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": "2026-03-01T08:00:00Z",
        "valueQuantity": {"value": value, "unit": "mg/dL", "code": "mg/dL"},
    }


def _blood_pressure(patient_id: str) -> dict[str, Any]:
    def component(code: str, value: int) -> dict[str, Any]:
        return {
            "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
            "valueQuantity": {"value": value, "unit": "mmHg", "code": "mm[Hg]"},
        }

    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": "2026-03-02T08:00:00Z",
        "component": [component("8480-6", 150), component("8462-4", 95)],
    }


def _seed(services: Services) -> None:
    _write(services, _patient("female", deceasedBoolean=False), "p1")
    _write(services, _patient("male"), "p2")
    _write(services, _patient("female"), "p3")
    _write(services, _glucose("p1", 182.5), "o1")
    _write(services, _blood_pressure("p2"), "o2")


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path)) as con:
        return con.execute(sql).fetchall()


def test_full_then_incremental_refresh_into_duckdb(services: Services, tmp_path: Path) -> None:
    _seed(services)
    duck = tmp_path / "analytics.duckdb"
    first = {r.view: r for r in analytics.refresh(services, VIEWS, path=duck)}
    assert first["patient_demographics"].full and first["patient_demographics"].row_count == 3
    # o1: one row; o2: its own row (no value) + one per component = 3.
    assert first["observation_values"].row_count == 4
    types = dict(_rows(duck, "SELECT column_name, data_type FROM information_schema.columns "
                        "WHERE table_name = 'observation_values'"))  # fmt: skip
    assert types["value"] == "DOUBLE" and types["code"] == "VARCHAR"
    assert _rows(duck, "SELECT value FROM observation_values WHERE code = '8480-6'") == [(150.0,)]
    assert _rows(duck, "SELECT patient_id FROM observation_values WHERE id = 'o1'") == [("p1",)]
    assert _rows(duck, "SELECT deceased FROM patient_demographics WHERE id = 'p1'") == [(False,)]

    # A day of changes: p2 edited twice, p3 deleted, p4 new; nothing touches Observation.
    _write(services, _patient("other"), "p2")
    _write(services, _patient("unknown"), "p2")
    with services.db.begin() as conn:
        services.repo.delete(conn, "Patient", "p3")
    _write(services, _patient("male"), "p4")
    # margin 0: the test clock steps 1 ms a write, so PostgreSQL's 2 s margin would re-read p1.
    second = {r.view: r for r in analytics.refresh(services, VIEWS, path=duck, margin_us=0)}
    patients = second["patient_demographics"]
    assert not patients.full
    assert (patients.resources, patients.deleted, patients.row_count) == (3, 1, 3)
    assert second["observation_values"].resources == 0
    assert _rows(duck, "SELECT id, gender FROM patient_demographics ORDER BY id") == [
        ("p1", "female"), ("p2", "unknown"), ("p4", "male"),
    ]  # fmt: skip

    third = analytics.refresh(services, ["patient_demographics"], path=duck, margin_us=0)[0]
    assert (third.full, third.resources, third.row_count) == (False, 0, 3)
    # With a margin, the recent history behind the mark is read again (idempotently).
    fourth = analytics.refresh(services, ["patient_demographics"], path=duck, margin_us=10**9)[0]
    assert (fourth.resources, fourth.row_count) == (4, 3)


def test_changed_definition_rebuilds(services: Services, tmp_path: Path) -> None:
    _seed(services)
    duck = tmp_path / "a.duckdb"
    view: dict[str, Any] = {"resource": "Patient", "name": "genders",
            "select": [{"column": [{"name": "id", "path": "id", "type": "id"}]}]}  # fmt: skip
    with services.db.begin() as conn:
        analytics.save_view(conn, view)
    assert analytics.refresh(services, ["genders"], path=duck)[0].full
    view["select"][0]["column"].append({"name": "g", "path": "gender", "type": "code"})
    with services.db.begin() as conn:
        analytics.save_view(conn, view)
    again = analytics.refresh(services, ["genders"], path=duck)[0]
    assert again.full and again.resources == 3
    assert _rows(duck, "SELECT g FROM genders WHERE id = 'p2'") == [("male",)]


def test_refresh_into_the_platform_database(services: Services) -> None:
    _seed(services)
    first = analytics.refresh(services, ["patient_demographics"], target="sql")[0]
    assert (first.full, first.row_count) == (True, 3)
    with services.db.begin() as conn:
        services.repo.delete(conn, "Patient", "p1")
    second = analytics.refresh(services, ["patient_demographics"], target="sql", margin_us=0)[0]
    assert (second.full, second.resources, second.deleted, second.row_count) == (False, 1, 1, 2)
    with services.db.begin() as conn:
        table = Table("analytics_view_patient_demographics", MetaData(), autoload_with=conn)
        assert sorted(conn.execute(select(table.c.id)).scalars()) == ["p2", "p3"]
        table.drop(conn)


def test_export_parquet_and_csv(services: Services, tmp_path: Path) -> None:
    _seed(services)
    duck = tmp_path / "a.duckdb"
    with pytest.raises(errors.FhirError):
        analytics.export(services, "patient_demographics", tmp_path / "x.csv", "csv", path=duck)
    analytics.refresh(services, ["patient_demographics"], path=duck)
    parquet = analytics.export(
        services, "patient_demographics", tmp_path / "p.parquet", "parquet", path=duck
    )
    csv_file = analytics.export(
        services, "patient_demographics", tmp_path / "p.csv", "csv", path=duck
    )
    with duckdb.connect() as con:
        assert con.execute(f"SELECT count(*) FROM '{parquet}'").fetchone() == (3,)
    header = csv_file.read_text().splitlines()[0]
    assert header.startswith("id,gender,birth_date") and "_resource_id" not in header


def test_unknown_view_and_target_are_refused(services: Services, tmp_path: Path) -> None:
    with pytest.raises(errors.FhirError) as unknown:
        analytics.refresh(services, ["nope"], path=tmp_path / "a.duckdb")
    assert unknown.value.status == 404
    with pytest.raises(errors.FhirError) as target:
        analytics.refresh(services, target="oracle")
    assert target.value.status == 400


def test_views_of_one_type_share_a_scan(services: Services, tmp_path: Path) -> None:
    """A full refresh of two Patient views reads the store once and fills both; afterwards one
    can be incremental while the other (changed) is rebuilt."""
    _seed(services)
    duck = tmp_path / "a.duckdb"
    first: dict[str, Any] = {"resource": "Patient", "name": "pa",
                             "select": [{"column": [{"name": "id", "path": "id"}]}]}  # fmt: skip
    second: dict[str, Any] = {"resource": "Patient", "name": "pb", "where": [{"path": "gender = 'female'"}],
                              "select": [{"column": [{"name": "id", "path": "id"}]}]}  # fmt: skip
    with services.db.begin() as conn:
        analytics.save_view(conn, first)
        analytics.save_view(conn, second)
    results = analytics.refresh(services, ["pa", "pb"], path=duck)
    assert [(r.view, r.full, r.resources, r.row_count) for r in results] == [
        ("pa", True, 3, 3), ("pb", True, 3, 2),
    ]  # fmt: skip
    second["where"] = [{"path": "gender = 'male'"}]
    with services.db.begin() as conn:
        analytics.save_view(conn, second)
    _write(services, _patient("male"), "p5")
    again = analytics.refresh(services, ["pa", "pb"], path=duck, margin_us=0)
    assert [(r.view, r.full, r.resources, r.row_count) for r in again] == [
        ("pa", False, 1, 4), ("pb", True, 4, 2),
    ]  # fmt: skip


def test_a_rebuild_in_worker_processes_gives_the_same_rows(
    services: Services, tmp_path: Path
) -> None:
    _seed(services)
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    analytics.refresh(services, VIEWS, path=one, full=True)
    results = analytics.refresh(services, VIEWS, path=two, full=True, workers=2)
    assert [(r.view, r.resources, r.row_count) for r in results] == [
        ("patient_demographics", 3, 3), ("observation_values", 2, 4),
    ]  # fmt: skip
    for table in VIEWS:
        sql = f"SELECT * FROM {table} ORDER BY ALL"
        assert _rows(one, sql) == _rows(two, sql)
    with pytest.raises(errors.FhirError):
        analytics.refresh(services, VIEWS, path=two, workers=0)

"""Database failures under a request (issue 17): a lost connection is 503 + Retry-After + a
transient OperationOutcome on /fhir and on the routes outside it; a full disk is 507."""

from __future__ import annotations

import sqlite3

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from enlace.entrypoints.http.app import create_app
from enlace.entrypoints.http.db_failures import RETRY_AFTER_S, database_failure, is_disk_full
from enlace.interactions.context import Services

FHIR_JSON = {"Content-Type": "application/fhir+json"}


def _lose_the_database(services: Services) -> None:
    """PostgreSQL: every connection dropped, as in a restart; SQLite: the table is gone."""
    if services.db.dialect == "sqlite":
        with services.db.begin() as conn:
            conn.execute(text("DROP TABLE resources"))
        return
    admin = create_engine(services.db.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    admin.dispose()


def test_a_lost_database_is_503_with_retry_after_then_recovers(services: Services) -> None:
    with TestClient(create_app(services)) as client:
        created = client.post("/fhir/Patient", json={"resourceType": "Patient"}, headers=FHIR_JSON)
        pid = created.json()["id"]
        _lose_the_database(services)
        away = client.get(f"/fhir/Patient/{pid}")
        assert away.status_code == 503
        assert away.headers["Retry-After"] == str(RETRY_AFTER_S)
        assert away.json()["issue"][0]["code"] == "transient"
        if services.db.dialect == "postgresql":  # the pools reconnect: no restart of the API
            # one failure per engine (read, write) whose stale connections meet the loss first
            answers = [client.get(f"/fhir/Patient/{pid}").status_code for _ in range(4)]
            assert answers[-1] == 200 and set(answers) <= {200, 503}


def test_a_route_outside_fhir_answers_503_with_an_outcome(services: Services) -> None:
    app = create_app(services)

    @app.app.fallback.get("/test-only/database")
    def failing() -> None:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    with TestClient(app) as client:
        answer = client.get("/test-only/database")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == str(RETRY_AFTER_S)
    assert answer.json()["resourceType"] == "OperationOutcome"


def test_a_full_disk_is_507_not_a_retry() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL
    failure = database_failure(OperationalError("INSERT", {}, full), "req-1")
    assert is_disk_full(OperationalError("INSERT", {}, full))
    assert failure.status == 507 and "Retry-After" not in failure.headers
    assert "storage is full" in failure.outcome()["issue"][0]["diagnostics"]
    locked = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    assert database_failure(locked, "req-2").status == 503

"""A search that outruns its budget answers 503 `too-costly`, never 500, and the server recovers.

SQLite: a budget of one microsecond stops any statement at the progress handler's first look.
PostgreSQL: another transaction holds an exclusive lock on `resources`, so the search waits
until `statement_timeout` stops it. Both are deterministic, whatever the machine's speed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.store.database import open_database
from enlace.store.timeouts import install_read_budget, is_timeout
from tests.integration.conftest import FHIR_JSON, patient

SEARCH = "/fhir/Patient?name:contains=a&_total=accurate"


@pytest.fixture
def budgeted(services: Services) -> Iterator[Services]:
    yield services
    install_read_budget(services.db.read_engine, services.settings.search_timeout_seconds)


def _load_patients(client: TestClient, count: int) -> None:
    entries = [{"resource": patient(), "request": {"method": "POST", "url": "Patient"}}] * count
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    assert client.post("/fhir", json=bundle, headers=FHIR_JSON).status_code == 200


def test_search_over_budget_is_503_too_costly(client: TestClient, budgeted: Services) -> None:
    services = budgeted
    _load_patients(client, 300)
    if services.db.dialect == "sqlite":
        install_read_budget(services.db.read_engine, 1e-6)
        slow = client.get(SEARCH)
    else:
        install_read_budget(services.db.read_engine, 0.3)
        with services.db.begin() as locker:
            locker.execute(text("LOCK TABLE resources IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            slow = client.get(SEARCH)
            assert 0.25 < time.monotonic() - started < 5
    assert slow.status_code == 503, slow.text
    issue = slow.json()["issue"][0]
    assert issue["code"] == "too-costly"
    assert "budget" in issue["diagnostics"]
    install_read_budget(services.db.read_engine, 10)
    recovered = client.get(SEARCH)
    assert recovered.status_code == 200
    assert recovered.json()["total"] == 300


def test_read_statements_stop_at_the_budget_and_connections_stay_usable(
    database_url: str,
) -> None:
    db = open_database(database_url)
    try:
        install_read_budget(db.read_engine, 0.2)
        slow = (
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) "
            "SELECT count(*) FROM c"
            if db.dialect == "sqlite"
            else "SELECT pg_sleep(3)"
        )
        started = time.monotonic()
        with pytest.raises(FhirError) as stopped, db.read() as conn:
            conn.execute(text(slow)).all()
        assert 0.15 < time.monotonic() - started < 2
        assert (stopped.value.status, stopped.value.issues[0].code) == (503, "too-costly")
        assert is_timeout(stopped.value.__cause__)  # type: ignore[arg-type]
        with db.read() as conn:  # the same pool, fine afterwards
            assert conn.execute(text("SELECT 1")).scalar() == 1
            time.sleep(0.3)  # a deadline left from the stopped statement must not linger
            assert conn.execute(text("SELECT 2")).scalar() == 2
    finally:
        db.dispose()


def test_writes_and_a_zero_budget_are_not_limited(database_url: str) -> None:
    db = open_database(database_url)
    try:
        install_read_budget(db.read_engine, 0.05)
        pause = (
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) "
            "SELECT count(*) FROM c"
            if db.dialect == "sqlite"
            else "SELECT pg_sleep(0.2)"
        )
        with db.begin() as conn:  # the write engine has no budget
            conn.execute(text(pause)).all()
        install_read_budget(db.read_engine, 0)
        with db.read() as conn:
            conn.execute(text(pause)).all()
    finally:
        db.dispose()

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.store.database import Database, open_database
from tests.support.postgres import PostgresUnavailable, fresh_database, postgres_server

FHIR_JSON = {"Content-Type": "application/fhir+json"}


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database of its own on each store, no migration run: the migration tests take
    it to the revisions they need."""
    if request.param == "sqlite":
        db = open_database(f"sqlite:///{tmp_path / 'old.db'}", pool_size=1)
        yield db
        db.dispose()
        return
    try:
        with postgres_server() as admin, fresh_database(admin) as url:
            db = open_database(url, pool_size=1)
            yield db
            db.dispose()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")


def patient(**fields: object) -> dict[str, object]:
    return {"resourceType": "Patient", "name": [{"family": "García", "given": ["Ana"]}], **fields}

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services

FHIR_JSON = {"Content-Type": "application/fhir+json"}


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as test_client:
        yield test_client


def patient(**fields: object) -> dict[str, object]:
    return {"resourceType": "Patient", "name": [{"family": "García", "given": ["Ana"]}], **fields}

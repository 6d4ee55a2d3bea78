"""GET /fhir/openapi.json: a valid OpenAPI 3.1 document generated from the CapabilityStatement
(every type, interaction, search parameter and operation it declares, nothing else), and the
FastAPI routes' own schema (entrypoints/http/openapi_routes.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.entrypoints.http.openapi_routes import routes_schema
from enlace.interactions.context import Services
from tests.integration.conftest import FHIR_JSON
from tests.integration.test_http_auth import token
from tests.support.search_parameters import GENDER_X

METHODS = {"get", "put", "post", "delete", "patch"}


def document(client: TestClient, **headers: str) -> dict[str, Any]:
    response = client.get("/fhir/openapi.json", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def valid(schema: dict[str, Any]) -> None:
    """Checked against the OpenAPI 3.1 meta-schema (Schemathesis' validator)."""
    schemathesis.openapi.from_dict(schema).validate()


def operations(doc: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        op["operationId"]: (method, path)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def test_a_valid_openapi_31_document_of_every_declared_type(client: TestClient) -> None:
    doc = document(client)
    valid(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["servers"][0]["url"] == "http://testserver/fhir"
    statement = client.get("/fhir/metadata").json()
    declared = {entry["type"]: entry for entry in statement["rest"][0]["resource"]}
    found = operations(doc)
    for name, entry in declared.items():
        for interaction in entry["interaction"]:
            assert f"{name}-{interaction['code']}" in found, (name, interaction)
    assert len(found) == len(set(found))  # operation ids are unique


def test_search_parameters_with_their_types(client: TestClient) -> None:
    doc = document(client)
    statement = client.get("/fhir/metadata").json()
    patient = next(e for e in statement["rest"][0]["resource"] if e["type"] == "Patient")
    search = {p["name"]: p for p in doc["paths"]["/Patient"]["get"]["parameters"] if "name" in p}
    for declared in patient["searchParam"]:
        assert search[declared["name"]]["x-fhir-search-type"] == declared["type"]
    assert search["birthdate"]["schema"] == {"$ref": "#/components/schemas/date-value"}
    audit = {p["name"] for p in doc["paths"]["/AuditEvent"]["get"]["parameters"] if "name" in p}
    assert {"patient", "agent", "action", "date"} <= audit
    assert "post" not in doc["paths"]["/AuditEvent"]  # the statement declares read and search


def test_operations_at_their_levels(client: TestClient) -> None:
    found = operations(document(client))
    assert found["system-transaction"] == ("post", "/")
    assert found["system-export"] == ("get", "/$export")
    assert found["system-export-status"] == ("get", "/$export-poll-status/{job}")
    assert found["system-reindex"] == ("post", "/$reindex")
    assert found["Patient-validate"] == ("post", "/Patient/$validate")
    assert found["Patient-validate-instance"] == ("post", "/Patient/{id}/$validate")
    assert found["Patient-everything"] == ("get", "/Patient/{id}/$everything")
    assert found["Patient-access-log"] == ("get", "/Patient/{id}/$access-log")
    assert found["Patient-export"] == ("get", "/Patient/$export")
    assert found["Group-export"] == ("get", "/Group/{id}/$export")
    assert "/$validate" not in {path for _, path in found.values()}  # no system-level $validate


def test_request_bodies_and_refusals(client: TestClient) -> None:
    doc = document(client)
    create = doc["paths"]["/Patient"]["post"]
    schema = create["requestBody"]["content"]["application/fhir+json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Patient"}
    assert doc["components"]["schemas"]["Patient"]["properties"]["resourceType"] == {
        "const": "Patient"
    }
    assert set(doc["paths"]["/Patient/{id}"]["patch"]["requestBody"]["content"]) == {
        "application/json-patch+json",
        "application/merge-patch+json",
    }
    assert create["responses"]["4XX"] == {"$ref": "#/components/responses/Refused"}
    assert "read" in create["responses"]["201"]["links"]  # for stateful fuzzing


def test_built_once_and_rebuilt_when_search_parameters_change(client: TestClient) -> None:
    first = client.get("/fhir/openapi.json").content
    assert client.get("/fhir/openapi.json").content == first
    created = client.post("/fhir/SearchParameter", json=GENDER_X, headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    doc = document(client)
    names = {p.get("name") for p in doc["paths"]["/Patient"]["get"]["parameters"]}
    assert "gender-x" in names


def test_only_get(client: TestClient) -> None:
    response = client.post("/fhir/openapi.json", json={}, headers=FHIR_JSON)
    assert response.status_code == 405 and response.headers["allow"] == "GET"
    assert client.get("/fhir/openapi.json/more").status_code == 405


@pytest.fixture
def auth_client(services: Services) -> Iterator[TestClient]:
    services.settings = replace(services.settings, auth_enabled=True)
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


def test_with_auth_on_a_smart_oauth_scheme(auth_client: TestClient, services: Services) -> None:
    bearer = token(services, "system/*.rs", now=services.repo.clock())
    doc = document(auth_client, Authorization=f"Bearer {bearer}")
    valid(doc)
    flows = doc["components"]["securitySchemes"]["smart"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "http://testserver/auth/token"
    assert doc["security"] == [{"smart": []}]
    assert doc["paths"]["/metadata"]["get"]["security"] == []
    assert doc["paths"]["/openapi.json"]["get"]["security"] == []


def test_public_like_metadata(auth_client: TestClient) -> None:
    """The API's description is public, like the CapabilityStatement it is made from."""
    assert auth_client.get("/fhir/metadata").status_code == 200
    assert auth_client.get("/fhir/openapi.json").status_code == 200


def test_fastapi_routes_schema(services: Services) -> None:
    app = create_app(services).app.fallback  # type: ignore[attr-defined]
    schema = routes_schema(app)
    valid(schema)
    token = schema["paths"]["/auth/token"]["post"]
    form = token["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert {"grant_type", "client_assertion", "code_verifier"} <= set(form["properties"])
    login = schema["paths"]["/login"]["post"]["requestBody"]["content"]
    assert set(login["application/x-www-form-urlencoded"]["schema"]["properties"]) == {
        "username",
        "password",
        "next",
        "csrf",
    }
    assert "text/html" in schema["paths"]["/login"]["get"]["responses"]["200"]["content"]

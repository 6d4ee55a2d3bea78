"""POST /fhir/ViewDefinition/$run over HTTP: inline resources or the store's, JSON/NDJSON/CSV, and
every kind of bad input a 4xx OperationOutcome naming where the problem is."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.conftest import FHIR_JSON, patient

VIEW: dict[str, Any] = {
    "resourceType": "ViewDefinition",
    "name": "names",
    "resource": "Patient",
    "select": [
        {"column": [{"name": "id", "path": "getResourceKey()", "type": "id"}]},
        {"forEach": "name", "column": [{"name": "family", "path": "family", "type": "string"}]},
    ],
}


def _parameters(*parameters: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Parameters", "parameter": list(parameters)}


def _view(view: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": "viewResource", "resource": view or VIEW}


def _resource(resource: dict[str, Any]) -> dict[str, Any]:
    return {"name": "resource", "resource": resource}


def _run(client: TestClient, body: Any) -> Any:
    return client.post("/fhir/ViewDefinition/$run", json=body, headers=FHIR_JSON)


def test_run_over_inline_resources_in_each_format(client: TestClient) -> None:
    people = [
        _resource({"resourceType": "Patient", "id": "a", "name": [{"family": "Ruiz"}, {"family": "Paz"}]}),
        _resource({"resourceType": "Patient", "id": "b"}),
        _resource({"resourceType": "Observation", "id": "o", "status": "final", "code": {}}),
    ]  # fmt: skip
    as_json = _run(client, _parameters(_view(), *people))
    assert as_json.status_code == 200, as_json.text
    assert as_json.json() == [{"id": "a", "family": "Ruiz"}, {"id": "a", "family": "Paz"}]
    ndjson = _run(client, _parameters(_view(), {"name": "_format", "valueCode": "ndjson"}, *people))
    assert ndjson.headers["content-type"].startswith("application/x-ndjson")
    assert [json.loads(line) for line in ndjson.text.splitlines()] == as_json.json()
    csv = _run(client, _parameters(_view(), {"name": "_format", "valueCode": "csv"}, *people))
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text == "id,family\na,Ruiz\na,Paz\n"
    limited = _run(client, _parameters(_view(), {"name": "_limit", "valueInteger": 1}, *people))
    assert limited.json() == [{"id": "a", "family": "Ruiz"}]


def test_run_over_the_store(client: TestClient) -> None:
    created = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()
    rows = _run(client, _parameters(_view())).json()
    assert rows == [{"id": created["id"], "family": "García"}]


def test_invalid_views_are_400_naming_the_element(client: TestClient) -> None:
    broken = {
        **VIEW,
        "select": [{"forEach": "name.@@", "column": [{"name": "x", "path": "family"}]}],
    }
    answer = _run(client, _parameters(_view(broken)))
    assert answer.status_code == 400
    issue = answer.json()["issue"][0]
    assert issue["expression"] == ["Parameters.parameter[0].resource.select[0].forEach"]
    no_resource = _run(client, _parameters(_view({"select": VIEW["select"]})))
    assert no_resource.status_code == 400
    assert no_resource.json()["issue"][0]["expression"] == [
        "Parameters.parameter[0].resource.resource"
    ]
    undefined = {**VIEW, "where": [{"path": "gender = %wanted"}]}
    assert (
        "%wanted" in _run(client, _parameters(_view(undefined))).json()["issue"][0]["diagnostics"]
    )


def test_bad_parameters_are_400(client: TestClient) -> None:
    assert _run(client, _parameters()).status_code == 400  # no viewResource
    wrong_format = _run(client, _parameters(_view(), {"name": "_format", "valueCode": "xml"}))
    assert wrong_format.status_code == 400
    assert wrong_format.json()["issue"][0]["expression"] == ["Parameters.parameter[1].valueCode"]
    unknown = _run(client, _parameters(_view(), {"name": "colour", "valueString": "red"}))
    assert unknown.json()["issue"][0]["expression"] == ["Parameters.parameter[1].name"]
    assert _run(client, {"resourceType": "Patient"}).status_code == 400
    assert _run(client, [1, 2]).status_code == 400


def test_a_row_time_failure_is_422_naming_the_column(client: TestClient) -> None:
    many = {**VIEW, "select": [{"column": [{"name": "family", "path": "name.family"}]}]}
    person = _resource(
        {"resourceType": "Patient", "id": "a", "name": [{"family": "A"}, {"family": "B"}]}
    )
    answer = _run(client, _parameters(_view(many), person))
    assert answer.status_code == 422
    assert answer.json()["issue"][0]["expression"] == ["ViewDefinition.select[0].column[0]"]


def test_other_view_definition_urls_stay_unknown(client: TestClient) -> None:
    assert client.get("/fhir/ViewDefinition").status_code == 404
    assert client.get("/fhir/ViewDefinition/$run").status_code == 404

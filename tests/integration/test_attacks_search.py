"""SQL injection, NULs and oversized values in search parameters, on both stores. Every value
reaches SQL as a bound parameter or is refused before it: an attack either matches nothing (200,
an empty Bundle) or is a 4xx OperationOutcome naming the parameter; nothing is ever written,
and the tables are all still there afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from enlace.interactions.context import Services
from tests.integration.conftest import FHIR_JSON, patient

FORM = {"Content-Type": "application/x-www-form-urlencoded"}

# Values that would widen or end a hand-built SQL statement: each must match nothing.
MATCH_NOTHING = [
    "name=' OR 1=1 --",
    "name=' OR '1'='1",
    "family=García' OR '1'='1",
    "_id=1;DROP TABLE resources",
    "_id=1' UNION SELECT content FROM resources --",
    "identifier=x|y' OR 1=1 --",
    "general-practitioner.name=' OR 1=1 --",
    "name:contains=%",  # LIKE wildcards are literal characters
    "name=_",
    "name:exact=Garc%",
    "address=%' OR ''='",
]
# Values in the syntax of a parameter (sort keys, includes, dates, counts): each is a 400.
REFUSED = [
    "_sort=id;",
    "_sort=name;DROP TABLE resources",
    "_include=*:*'--",
    "_revinclude=Observation:subject' OR 1=1",
    "_elements=id,(SELECT 1)",
    "birthdate=2000' OR 1=1",
    "_lastUpdated=gt2020-01-01' OR 1=1 --",
    "_count=1;DROP TABLE resources",
]
NULS = ["name=%00", "_id=a%00b", "identifier=a%00b|c", "name:contains=%00", "family=Garc%00ía"]


@pytest.fixture
def seeded(client: TestClient) -> list[str]:
    ids = []
    for family, given in (("García", "Ana"), ("López", "Luis")):
        body = patient(name=[{"family": family, "given": [given]}])
        ids.append(client.post("/fhir/Patient", json=body, headers=FHIR_JSON).json()["id"])
    return ids


def stored(services: Services) -> tuple[int, ...]:
    """Rows of every table a write touches: an attack that wrote anything shows here (and one
    that dropped a table makes the query fail)."""
    tables = ("resources", "resource_history", "token_index", "reference_index")
    with services.db.read() as conn:
        return tuple(
            int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables
        )


def matches(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    entries = response.json().get("entry", [])
    return [e for e in entries if e.get("search", {}).get("mode") == "match"]


def refused(response: Any, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    outcome: dict[str, Any] = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    return outcome


@pytest.mark.parametrize("query", MATCH_NOTHING)
def test_injection_in_a_search_value_matches_nothing(
    client: TestClient, services: Services, seeded: list[str], query: str
) -> None:
    before = stored(services)
    assert matches(client.get(f"/fhir/Patient?{query}")) == []
    form = client.post("/fhir/Patient/_search", content=query.replace("+", "%2B"), headers=FORM)
    assert matches(form) == []
    assert stored(services) == before
    assert len(matches(client.get("/fhir/Patient"))) == 2  # both patients still there


@pytest.mark.parametrize("query", REFUSED)
def test_injection_in_search_syntax_is_400(
    client: TestClient, services: Services, seeded: list[str], query: str
) -> None:
    before = stored(services)
    outcome = refused(client.get(f"/fhir/Patient?{query}"))
    assert outcome["issue"][0]["severity"] == "error"
    assert stored(services) == before


@pytest.mark.parametrize("query", NULS)
def test_nul_in_a_search_value_is_400(
    client: TestClient, services: Services, seeded: list[str], query: str
) -> None:
    before = stored(services)
    outcome = refused(client.get(f"/fhir/Patient?{query}"))
    assert "NUL" in outcome["issue"][0]["diagnostics"]
    refused(client.post("/fhir/Patient/_search", content=query, headers=FORM))
    assert stored(services) == before


def test_injection_in_a_parameter_name(client: TestClient, seeded: list[str]) -> None:
    """An unknown parameter (here `_has` with a made-up inner parameter) is ignored with a
    warning, as R4 allows; `Prefer: handling=strict` makes it a 400."""
    query = "_has:Observation:subject:code' OR 1=1=x"
    lenient = client.get(f"/fhir/Patient?{query}")
    assert lenient.status_code == 200
    warnings = [e for e in lenient.json()["entry"] if e["search"]["mode"] == "outcome"]
    assert warnings, lenient.text
    strict = client.get(f"/fhir/Patient?{query}", headers={"Prefer": "handling=strict"})
    refused(strict)


def test_conditional_delete_with_injected_criteria_deletes_nothing(
    client: TestClient, services: Services, seeded: list[str]
) -> None:
    before = stored(services)
    for criteria in ("name=' OR 1=1 --", "_id=1;DROP TABLE resources"):
        assert client.delete(f"/fhir/Patient?{criteria}").status_code in (200, 204)
    assert stored(services) == before
    for pid in seeded:
        assert client.get(f"/fhir/Patient/{pid}").status_code == 200


def test_long_values(client: TestClient, services: Services, seeded: list[str]) -> None:
    """Up to the query string limit a long value is a value (no match); past it, 414 before
    the application runs. A form body has no such limit: the value is bound all the same."""
    before = stored(services)
    assert matches(client.get("/fhir/Patient?name=" + "a" * 8000)) == []
    refused(client.get("/fhir/Patient?name=" + "a" * 8200), 414)
    refused(client.get("/fhir/Patient?name=" + "%27" * 3000), 414)  # counted as sent, encoded
    refused(client.get("/fhir/Patient?" + "n" * 9000 + "=x"), 414)  # a long name, too
    long_form = "name=" + "' OR 1=1 --" * 50_000  # 550 KB
    assert matches(client.post("/fhir/Patient/_search", content=long_form, headers=FORM)) == []
    assert stored(services) == before


def test_too_many_parameters_or_values(client: TestClient, seeded: list[str]) -> None:
    refused(client.get("/fhir/Patient?" + "&".join(f"name=n{n}" for n in range(51))))
    refused(client.get("/fhir/Patient?_id=" + ",".join(f"p{n}" for n in range(101))))

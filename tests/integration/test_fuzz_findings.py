"""What fuzzing found (tests/e2e/test_fuzz_openapi.py and the probes behind it), each as the exact
request, with the answer it should get: all fixed (commit 7f49f65), kept as regression tests. A
new finding in code not yet fixed is pinned with `known_bug` (strict xfail on the stores where it
still fails) together with its entry in tests/e2e/fuzz_hooks.KNOWN_5XX, both removed with the fix.

The families: integers beyond 64 bits reaching SQL (cursors, version and AuditEvent ids), NUL
characters reaching PostgreSQL text columns (ids, job ids, resource strings), a decimal exponent
out of Python's range, and a bulk export file name resolved outside the export directory.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from enlace.interactions.context import Services
from tests.integration.conftest import FHIR_JSON, patient

BEYOND_64_BITS = "18446744073709551616"  # 2**64


def known_bug(request: pytest.FixtureRequest, services: Services, *dialects: str) -> None:
    """Strict xfail on the stores where the bug is still there (both when none is named)."""
    if not dialects or services.db.dialect in dialects:
        request.applymarker(pytest.mark.xfail(strict=True, reason="fuzzing finding, not fixed"))


def stored(services: Services) -> tuple[int, int]:
    with services.db.read() as conn:
        resources = conn.execute(text("SELECT count(*) FROM resources")).scalar_one()
        history = conn.execute(text("SELECT count(*) FROM resource_history")).scalar_one()
    return int(resources), int(history)


def refused(response: object, status: int) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.json()["resourceType"] == "OperationOutcome"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "query",
    [
        "Observation?value-quantity=1e999999999",
        "Observation?combo-value-quantity=2.879E-4637526",
        "RiskAssessment?probability=1e-999999999",
        "Encounter?length=-12136.696400656e7583770",
    ],
)
def test_number_search_with_a_huge_exponent(
    request: pytest.FixtureRequest, client: TestClient, services: Services, query: str
) -> None:
    """500 (decimal.InvalidOperation in search/values_core.number_entry: Decimal.scaleb of an
    exponent beyond the context's range); should be the 400 "out of range" `1e308` gets."""
    refused(client.get(f"/fhir/{query}"), 400)


def test_history_cursor_beyond_64_bits(
    request: pytest.FixtureRequest, client: TestClient, services: Services
) -> None:
    """500 (store/repository.history: OverflowError on SQLite, bigint out of range on
    PostgreSQL); should be the 400 a search gives for a cursor it did not issue. Inside a batch
    the same entry makes the whole batch a 500 instead of one entry's 400."""
    refused(client.get(f"/fhir/_history?_cursor={BEYOND_64_BITS}"), 400)
    batch = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [{"request": {"method": "GET", "url": f"_history?_cursor={BEYOND_64_BITS}"}}],
    }
    answer = client.post("/fhir", json=batch, headers=FHIR_JSON)
    assert answer.status_code == 200, answer.text
    assert answer.json()["entry"][0]["response"]["status"].startswith("400")


def test_version_id_beyond_64_bits(
    request: pytest.FixtureRequest, client: TestClient, services: Services
) -> None:
    """vread: 500 on SQLite (OverflowError in store/sql.run); PostgreSQL answers 404."""
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    refused(client.get(f"/fhir/Patient/{pid}/_history/{BEYOND_64_BITS}"), 404)


def test_audit_cursor_beyond_64_bits(
    request: pytest.FixtureRequest, client: TestClient, services: Services
) -> None:
    """500 (security/audit_log.search_audit) for AuditEvent search and $access-log."""
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    refused(client.get(f"/fhir/AuditEvent?_cursor={BEYOND_64_BITS}"), 400)
    refused(client.get(f"/fhir/Patient/{pid}/$access-log?_cursor={BEYOND_64_BITS}"), 400)


def test_audit_event_id_beyond_64_bits(
    request: pytest.FixtureRequest, client: TestClient, services: Services
) -> None:
    """500 (interactions/audit_ops.read: the id is all digits, so it goes to SQL as an int)."""
    refused(client.get(f"/fhir/AuditEvent/{BEYOND_64_BITS}"), 404)


def test_nul_in_a_resource_id(
    request: pytest.FixtureRequest, client: TestClient, services: Services
) -> None:
    """PostgreSQL: 500 (text fields cannot hold NUL; store/sql.run) for read, history and
    delete of `Patient/a%00b`; SQLite answers 404 (and 200 for the delete of nothing). No valid
    FHIR id holds a NUL: 404 without asking the database."""
    before = stored(services)
    refused(client.get("/fhir/Patient/a%00b"), 404)
    refused(client.get("/fhir/Patient/a%00b/_history"), 404)
    assert client.delete("/fhir/Patient/a%00b").status_code in (200, 204, 404)
    assert stored(services) == before


def test_nul_in_a_resource_string(
    request: pytest.FixtureRequest, client: TestClient, services: Services
) -> None:
    """A NUL inside a string element: PostgreSQL 500 (store/sql.insert_index_rows), SQLite
    stores it (201). FHIR strings hold no control characters but tab, CR and LF
    (datatypes.html#string): a 400 naming the element, and nothing written."""
    body = patient(name=[{"family": "a\u0000b"}])
    refused(client.post("/fhir/Patient", json=body, headers=FHIR_JSON), 400)
    assert stored(services) == (0, 0)


def test_nul_in_an_export_job_id(
    request: pytest.FixtureRequest, client: TestClient, services: Services
) -> None:
    """PostgreSQL: 500 (interactions/bulk_export.poll_or_cancel); SQLite answers 404."""
    refused(client.get("/fhir/$export-poll-status/%00"), 404)
    refused(client.delete("/fhir/$export-poll-status/%00"), 404)


def test_export_file_name_outside_the_export_directory(
    request: pytest.FixtureRequest, client: TestClient, services: Services
) -> None:
    """`$export-file/%2E%2E/<name>.ndjson` joins the job id `..` to the export directory and
    serves `<var>/<name>.ndjson`, outside it (interactions/bulk_export.file checks the file name
    for `..` and `/` but not the job id). With auth on a job id must belong to the asker, so the
    platform's own unrestricted access (auth off) is what reaches it; still, the path should be
    checked to lie inside the export directory."""
    services.settings.export_dir.mkdir(parents=True)  # as after the server's first export
    outside = services.settings.export_dir.parent / "outside.ndjson"
    outside.write_text('{"resourceType": "Basic", "id": "not-an-export"}\n')
    refused(client.get("/fhir/$export-file/%2E%2E/outside.ndjson"), 404)


def test_ids_of_dots_alone_are_refused(client: TestClient, services: Services) -> None:
    """`PUT Patient/..` created a Patient whose Location read `Patient/../_history/1`."""
    before = stored(services)
    body = patient(id="..")
    refused(client.put("/fhir/Patient/%2E%2E", json=body, headers=FHIR_JSON), 400)
    refused(client.get("/fhir/Patient/%2E"), 404)
    assert stored(services) == before


def test_nul_in_an_oauth_or_login_parameter(client: TestClient, services: Services) -> None:
    """`make faults` (2026-11-27, PostgreSQL): GET /auth/authorize?client_id=%00 reached the
    client lookup and PostgreSQL refused the NUL: a 500. Query strings and form bodies of the
    non-FHIR routes are refused at the edge with the parameter named; nothing is written."""
    before = stored(services)
    response = client.get(
        "/auth/authorize?code_challenge_method=f&client_id=%00", follow_redirects=False
    )
    refused(response, 400)
    assert response.json()["issue"][0]["expression"] == ["client_id"]
    assert "NUL" in response.json()["issue"][0]["diagnostics"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    refused(client.post("/login", content="username=ana%00&password=x&csrf=y", headers=form), 400)
    refused(client.post("/auth/token", content="grant_type=a%00b", headers=form), 400)
    assert client.get("/auth/authorize?client_id=nobody", follow_redirects=False).status_code < 500
    assert stored(services) == before

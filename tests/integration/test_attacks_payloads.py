"""JSON injection, oversized and deeply nested bodies, path traversal and header injection, on
both stores. Each attack gets the status that names its problem (400, 404, 413) as an
OperationOutcome, and nothing is written; where a body is accepted, what is stored is exactly
what was validated."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from tests.integration.conftest import FHIR_JSON, patient
from tests.unit.test_request_limits import nested

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def stored(services: Services) -> tuple[int, int]:
    with services.db.read() as conn:
        resources = conn.execute(text("SELECT count(*) FROM resources")).scalar_one()
        history = conn.execute(text("SELECT count(*) FROM resource_history")).scalar_one()
    return int(resources), int(history)


def refused(response: Any, status: int, words: str = "") -> None:
    assert response.status_code == status, response.text
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert words in " ".join(issue.get("diagnostics", "") for issue in outcome["issue"])


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"resourceType":"Patient","resourceType":"Observation"}', "does not match"),
        ('{"resourceType":"Patient","gender":"male","gender":"robot"}', "robot"),
        ('{"resourceType":"Patient","__proto__":{"admin":true}}', "__proto__"),
        ('{"resourceType":"Patient","constructor":{"prototype":{"admin":true}}}', "constructor"),
        ('{"resourceType":"Patient","name":[{"family":"x","__proto__":{}}]}', "__proto__"),
        ('{"resourceType":"Patient","multipleBirthInteger":2147483648}', "integer"),
        ('{"resourceType":"Patient","multipleBirthInteger":1e400}', "not valid JSON"),
        ('{"resourceType":"Patient","multipleBirthInteger":' + "9" * 5000 + "}", "JSON"),
        ('{"resourceType":"Patient","active":true}garbage', "not valid JSON"),
    ],
)
def test_json_injection_is_400_and_nothing_written(
    client: TestClient, services: Services, body: str, words: str
) -> None:
    refused(client.post("/fhir/Patient", content=body, headers=FHIR_JSON), 400, words)
    refused(client.put("/fhir/Patient/p1", content=body, headers=FHIR_JSON), 400)
    assert stored(services) == (0, 0)


def test_duplicate_keys_last_one_wins_and_is_what_was_validated(
    client: TestClient, services: Services
) -> None:
    """JSON parsed once (orjson: the last duplicate wins); the validator, the indexes and the
    stored bytes all see that one value, so a duplicate cannot smuggle past validation."""
    body = '{"resourceType":"Patient","gender":"robot","gender":"female"}'
    created = client.post("/fhir/Patient", content=body, headers=FHIR_JSON)
    assert created.status_code == 201, created.text
    pid = created.json()["id"]
    read = client.get(f"/fhir/Patient/{pid}")
    assert read.json()["gender"] == "female" and b"robot" not in read.content
    found = client.get("/fhir/Patient?gender=female").json()
    assert [e["resource"]["id"] for e in found["entry"]] == [pid]


def test_ten_megabyte_strings(client: TestClient, services: Services) -> None:
    """A string of 10 MB inside the 10 MiB body limit is refused by the validator (strings
    stop at 1 MiB characters); a body past the limit is 413 before anything parses it."""
    ten_mb = patient(name=[{"family": "x" * 10_000_000}])
    refused(client.post("/fhir/Patient", json=ten_mb, headers=FHIR_JSON), 400, "1048576")
    over = patient(name=[{"family": "x" * services.settings.max_body_bytes}])
    refused(client.post("/fhir/Patient", json=over, headers=FHIR_JSON), 413, "exceeds")
    assert stored(services) == (0, 0)


def test_deeply_nested_patch_bundle_and_validate_bodies(
    client: TestClient, services: Services
) -> None:
    pid = client.post("/fhir/Patient", json=patient(), headers=FHIR_JSON).json()["id"]
    before = stored(services)
    deep = nested(200)
    operations = [{"op": "add", "path": "/extension", "value": [deep]}]
    refused(client.patch(f"/fhir/Patient/{pid}", json=operations, headers=JSON_PATCH), 400)
    refused(client.patch(f"/fhir/Patient/{pid}", json=deep, headers=MERGE_PATCH), 400, "deeper")
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": deep, "request": {"method": "POST", "url": "Patient"}}],
    }
    refused(client.post("/fhir", json=bundle, headers=FHIR_JSON), 400, "deeper")
    refused(client.post("/fhir/Patient/$validate", json=deep, headers=FHIR_JSON), 400, "deeper")
    assert stored(services) == before


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/Patient/..%2F..%2Fetc%2Fpasswd",
        "/fhir/Patient/%2E%2E%2F%2E%2E%2Fresources",
        "/fhir/Patient/x%2F..%2F..%2Fmetadata/_history",
        "/fhir/$export-file/job/..%2F..%2Fenlace.db",
        "/fhir/$export-file/job/..",
        "/fhir/$export-poll-status/..%2F..",
        "/fhir/$reindex-status/..%2F..",
        "/fhir/$arco-export/..%2F..%2Fenlace.db",
    ],
)
def test_path_traversal_in_ids_and_file_names_is_404(
    client: TestClient, services: Services, path: str
) -> None:
    refused(client.get(path), 404)
    assert stored(services) == (0, 0)


def test_path_traversal_in_a_written_id_is_refused(client: TestClient, services: Services) -> None:
    """`Patient/../x`: `..` is no id a resource may have (400 before any routing further). An id
    with a slash is not an id."""
    body = patient(id="../x")
    refused(client.put("/fhir/Patient/..%2Fx", json=body, headers=FHIR_JSON), 400)
    refused(client.put("/fhir/Patient/x", json=body, headers=FHIR_JSON), 400, "id")
    refused(client.post("/fhir/Patient", json=body, headers=FHIR_JSON), 400)
    assert stored(services) == (0, 0)


def test_malformed_multipart_login_form_is_400_not_500(client: TestClient) -> None:
    """`Content-Type: multipart/form-data` without a boundary (found by fuzzing: the login pages
    answered their 500 page)."""
    for path in ("/login", "/login/totp", "/logout"):
        response = client.post(
            path, content=b"username=a", headers={"Content-Type": "multipart/form-data"}
        )
        assert response.status_code == 400, (path, response.status_code)


@pytest.mark.parametrize(
    ("header", "value", "status"),
    [
        ("prefer", "return=minimal\r\nX-Injected: 1", 201),
        ("if-none-exist", "name=x\r\nX-Injected: 1", 201),
        ("x-request-id", "abc\r\nSet-Cookie: session=stolen", 201),
        ("x-request-id", "r" * 8000, 201),
        ("x-break-glass-reason", "why\r\nX-Injected: 1", 201),
    ],
)
def test_crlf_in_request_headers_never_reaches_a_response_header(
    services: Services, header: str, value: str, status: int
) -> None:
    """Uvicorn refuses CR/LF in a header on the wire (tests/e2e/test_attacks_wire.py); behind a
    proxy that let one through, the application still echoes none of it: the X-Request-Id it
    returns is its own when the client's is not a plain token."""
    answer, headers = asyncio.run(_asgi_post(services, header, value))
    assert answer == status
    assert not any(b"\r" in v or b"\n" in v or name == b"x-injected" for name, v in headers)
    assert not any(name == b"set-cookie" for name, _ in headers)
    request_id = dict(headers)[b"x-request-id"]
    assert len(request_id) <= 128 and request_id != value.encode("latin-1")


def test_crlf_in_if_match_is_400(services: Services) -> None:
    answer, headers = asyncio.run(_asgi_post(services, "if-match", 'W/"1"\r\nX-Injected: 1', "PUT"))
    assert answer == 400
    assert not any(name == b"x-injected" for name, _ in headers)


async def _asgi_post(
    services: Services, header: str, value: str, method: str = "POST"
) -> tuple[int, list[tuple[bytes, bytes]]]:
    """The application called as an ASGI server would, with a raw header value no HTTP client
    would send."""
    app = create_app(services)
    body = json.dumps(patient(id="p1") if method == "PUT" else patient()).encode()
    path = "/fhir/Patient/p1" if method == "PUT" else "/fhir/Patient"
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 1), "server": ("testserver", 80),
        "headers": [
            (b"host", b"testserver"), (b"content-type", b"application/fhir+json"),
            (b"content-length", str(len(body)).encode()),
            (header.encode(), value.encode("latin-1")),
        ],
    }  # fmt: skip
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], list(sent[0]["headers"])

"""The hardening middleware around a stand-in application: headers, CORS, rate limits, sizes."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.hardening import Hardened, harden
from enlace.kernel.settings import Settings

APP_ORIGIN = "https://app.example"


async def stand_in(scope: Any, receive: Any, send: Any) -> None:
    """Echoes how many body bytes it got; /page is HTML, /cached sets its own cache headers,
    a token containing "forged" is rejected with 401 as the FHIR adapter would."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    headers = [(b"content-type", b"application/fhir+json")]
    if scope["path"] == "/page":
        headers = [(b"content-type", b"text/html; charset=utf-8")]
    if scope["path"] == "/cached":
        headers += [(b"cache-control", b"public, max-age=60"), (b"vary", b"Accept")]
    status = 401 if b"forged" in dict(scope["headers"]).get(b"authorization", b"") else 200
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": orjson.dumps({"received": size})})


def client_for(**changes: Any) -> TestClient:
    settings = replace(Settings(log_requests=False), **changes)
    return TestClient(harden(stand_in, settings), base_url="http://testserver")


def token(client_id: str, mark: str = "") -> dict[str, str]:
    claims = base64.urlsafe_b64encode(orjson.dumps({"client_id": client_id})).rstrip(b"=")
    return {"Authorization": f"Bearer e30.{claims.decode()}.{mark or 'sig'}"}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limited() -> Iterator[tuple[TestClient, Clock]]:
    client = client_for(rate_limit_per_second=1, rate_limit_burst=3)
    app = client.app
    assert isinstance(app, Hardened) and app.buckets is not None
    clock = app.buckets.clock = Clock()
    yield client, clock


def assert_outcome(response: Any, status: int, code: str, words: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/fhir+json")
    issue = response.json()["issue"][0]
    assert (issue["code"], words in issue["diagnostics"]) == (code, True), issue


# -- security headers ------------------------------------------------------------------------


def test_every_response_gets_the_security_headers() -> None:
    response = client_for().get("/fhir/Patient/1")
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert "microphone=()" in headers["permissions-policy"]
    assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in headers  # plain http in development
    assert "vary" not in headers and "access-control-allow-origin" not in headers


def test_html_pages_get_a_strict_content_security_policy() -> None:
    csp = client_for().get("/page").headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp


def test_hsts_over_https_and_always_in_production() -> None:
    https = client_for().get("https://testserver/fhir/metadata")
    assert https.headers["strict-transport-security"].startswith("max-age=63072000")
    production = client_for(environment="production").get("/fhir/metadata")
    assert "strict-transport-security" in production.headers


def test_cache_headers_the_application_set_are_kept() -> None:
    headers = client_for(cors_origins=(APP_ORIGIN,)).get("/cached").headers
    assert headers["cache-control"] == "public, max-age=60"
    assert headers["vary"] == "Accept, Origin"
    assert "cache-control" not in client_for().get("/fhir/metadata").headers


# -- CORS ------------------------------------------------------------------------------------


def test_an_allowed_origin_is_echoed_with_vary() -> None:
    headers = (
        client_for(cors_origins=(APP_ORIGIN,))
        .get("/fhir/Patient", headers={"Origin": APP_ORIGIN})
        .headers
    )
    assert headers["access-control-allow-origin"] == APP_ORIGIN
    assert headers["vary"] == "Origin"
    assert "ETag" in headers["access-control-expose-headers"]
    assert "access-control-allow-credentials" not in headers


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "https://app.example.evil"])
def test_other_origins_get_no_cors_headers(origin: str) -> None:
    response = client_for(cors_origins=(APP_ORIGIN,)).get(
        "/fhir/Patient", headers={"Origin": origin}
    )
    assert response.status_code == 200  # the browser, not the server, withholds the answer
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"


def preflight(client: TestClient, origin: str, method: str = "POST", headers: str = "") -> Any:
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        asked["Access-Control-Request-Headers"] = headers
    return client.options("/fhir/Patient", headers=asked)


def test_preflight_from_an_allowed_origin_is_answered() -> None:
    client = client_for(cors_origins=(APP_ORIGIN,))
    response = preflight(client, APP_ORIGIN, "PUT", "Authorization, Content-Type, If-Match, Prefer")
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "PUT" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"]
    assert all(h in allowed for h in ("authorization", "if-none-exist", "prefer"))
    assert response.headers["access-control-max-age"] == "600"


@pytest.mark.parametrize(
    ("cors", "origin", "method", "headers", "words"),
    [
        (
            (APP_ORIGIN,),
            "https://evil.example",
            "GET",
            "",
            "'https://evil.example' are not allowed",
        ),
        ((), APP_ORIGIN, "GET", "", "are not allowed"),
        ((APP_ORIGIN,), APP_ORIGIN, "TRACE", "", "TRACE requests are not allowed"),
        ((APP_ORIGIN,), APP_ORIGIN, "GET", "x-debug", "may not send x-debug"),
    ],
)
def test_preflight_refused_with_403(
    cors: tuple, origin: str, method: str, headers: str, words: str
) -> None:
    response = preflight(client_for(cors_origins=cors), origin, method, headers)
    assert_outcome(response, 403, "forbidden", words)
    if origin != APP_ORIGIN:
        assert "access-control-allow-origin" not in response.headers


def test_wildcard_allows_any_origin() -> None:
    response = preflight(client_for(cors_origins=("*",)), "https://anything.example")
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "https://anything.example"


# -- rate limits -----------------------------------------------------------------------------


def test_burst_then_429_with_retry_after_then_refill(limited: tuple[TestClient, Clock]) -> None:
    client, clock = limited
    assert [client.get("/fhir/Patient").status_code for _ in range(3)] == [200] * 3
    refused = client.get("/fhir/Patient")
    assert_outcome(refused, 429, "throttled", "retry after 1 s")
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["x-content-type-options"] == "nosniff"  # refusals are hardened too
    clock.now += 1.0
    assert client.get("/fhir/Patient").status_code == 200
    assert client.get("/fhir/Patient").status_code == 429


def test_each_client_id_has_its_own_bucket(limited: tuple[TestClient, Clock]) -> None:
    client, _ = limited
    for _ in range(3):
        assert client.get("/fhir/Patient", headers=token("app-a")).status_code == 200
    assert client.get("/fhir/Patient", headers=token("app-a")).status_code == 429
    assert client.get("/fhir/Patient", headers=token("app-b")).status_code == 200
    assert client.get("/fhir/Patient").status_code == 200  # the address's own bucket


def test_health_probes_are_never_limited(limited: tuple[TestClient, Clock]) -> None:
    client, _ = limited
    assert {client.get("/healthz").status_code for _ in range(10)} == {200}


def test_forged_tokens_are_charged_to_their_address(limited: tuple[TestClient, Clock]) -> None:
    client, clock = limited
    # Forged tokens naming someone else's client id: each 401 moves its cost to the address,
    # which runs out after its burst (3) and one more, then is in debt.
    forged = [client.get("/fhir/Patient", headers=token("victim", "forged")) for _ in range(6)]
    assert [r.status_code for r in forged] == [401] * 4 + [429] * 2
    # The address is in debt: refused whatever token it shows next, made-up ids included ...
    assert client.get("/fhir/Patient", headers=token("made-up-1")).status_code == 429
    assert client.get("/fhir/Patient").status_code == 429
    # ... while the victim's own bucket was never spent.
    app = client.app
    assert isinstance(app, Hardened) and app.buckets is not None
    assert app.buckets.take("client:victim") == 0.0
    clock.now += 6.0  # debt of 3 repaid, bucket refilled
    assert client.get("/fhir/Patient").status_code == 200


# -- sizes, shapes, query cost ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/fhir/Patient", "/login"])
def test_declared_oversized_body_is_413(path: str) -> None:
    client = client_for(max_body_bytes=100)
    response = client.post(path, content=b"x" * 101, headers={"Content-Type": "text/plain"})
    assert_outcome(response, 413, "too-costly", "exceeds the limit of 100 bytes")


def test_streamed_oversized_body_is_413_and_a_body_at_the_limit_passes() -> None:
    client = client_for(max_body_bytes=100)
    chunks = iter([b"x" * 60, b"x" * 60])
    response = client.post("/fhir/Patient", content=chunks, headers={"Content-Type": "text/plain"})
    assert_outcome(response, 413, "too-costly", "100 bytes")
    fits = client.post("/fhir/Patient", content=b"x" * 100, headers={"Content-Type": "text/plain"})
    assert fits.json() == {"received": 100}  # replayed to the application whole


def test_deep_json_is_400_and_never_reaches_the_application() -> None:
    body = b'{"a":' * 65 + b"1" + b"}" * 65
    response = client_for().post(
        "/fhir/Patient", content=body, headers={"Content-Type": "application/fhir+json"}
    )
    assert_outcome(response, 400, "too-costly", "deeper than 64 levels")
    assert "received" not in response.text


def test_json_without_a_content_type_is_measured_too() -> None:
    body = b"[" * 70 + b"]" * 70
    assert client_for().put("/fhir/Patient/1", content=body).status_code == 400


def test_too_many_json_values_is_400() -> None:
    body = b"[" + b"0," * 50 + b"0]"
    response = client_for(max_json_elements=50).post(
        "/fhir", content=body, headers={"Content-Type": "application/json"}
    )
    assert_outcome(response, 400, "too-costly", "more than 50 values")


def test_query_string_too_long_is_414() -> None:
    response = client_for(max_query_bytes=64).get("/fhir/Patient?name=" + "a" * 60)
    assert_outcome(response, 414, "too-costly", "exceeds 64 bytes")


def test_too_many_parameters_or_values_is_400() -> None:
    client = client_for(max_search_params=3, max_param_values=2)
    assert_outcome(client.get("/fhir/Patient?a=1&b=2&c=3&d=4"), 400, "too-costly", "At most 3")
    assert_outcome(client.get("/fhir/Patient?_id=1,2%2C3"), 400, "too-costly", "lists 3 values")
    assert client.get("/fhir/Patient?_id=1,2&name=a%5C,b").status_code == 200
    assert client.get("/login?next=a,b,c,d").status_code == 200  # not a FHIR search


def test_form_search_bodies_are_counted_like_query_strings() -> None:
    client = client_for(max_param_values=2)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    refused = client.post("/fhir/Patient/_search", content=b"_id=a,b,c", headers=form)
    assert_outcome(refused, 400, "too-costly", "'_id' lists 3 values")
    assert client.post("/login", content=b"password=a,b,c", headers=form).status_code == 200


def test_large_bodies_are_measured_on_a_thread_with_the_same_answers() -> None:
    client = client_for()
    json_type = {"Content-Type": "application/json"}
    fine = b'{"text":"' + b"x" * 300_000 + b'"}'
    assert client.post("/fhir/Patient", content=fine, headers=json_type).json() == {
        "received": len(fine)
    }
    deep = b'{"text":"' + b"x" * 300_000 + b'","deep":' + b"[" * 70 + b"]" * 70 + b"}"
    refused = client.post("/fhir/Patient", content=deep, headers=json_type)
    assert_outcome(refused, 400, "too-costly", "deeper than 64 levels")

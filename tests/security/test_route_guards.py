"""Every registered route is either public by name (the allow-list below, each with its reason)
or refuses a caller with no session and no token: OWASP API1/API5, ASVS V4.1.1/V4.1.3.

The walk reads the routes off the live FastAPI app, so a route added later without a guard
fails here until it is guarded or listed as public with a reason."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Route

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services

# path -> why anyone may call it without signing in.
PUBLIC: dict[str, str] = {
    "/healthz": "liveness probe, no data",
    "/readyz": "readiness probe, no data",
    "/metrics": "bearer token or localhost only in production (observability.metrics_allowed)",
    "/login": "the sign-in form",
    "/assets/enlace.css": "static style sheet",
    "/assets/account.js": "static script (password meter)",
    "/assets/{name}": "static files",
    "/fhir/.well-known/smart-configuration": "SMART discovery is public by the spec",
    "/.well-known/smart-configuration": "SMART discovery is public by the spec",
    "/.well-known/jwks.json": "public keys that verify tokens",
    "/auth/token": "OAuth token endpoint; the client authenticates in the request",
    "/auth/authorize": "OAuth authorize endpoint; it sends the user to sign in",
    "/log/checkpoint": "transparency log: public so anyone can audit it",
    "/log/key": "transparency log: the public verification key",
    "/log/tile/{tile_path:path}": "transparency log tiles (hashes, no PHI)",
    "/log/proof/inclusion": "transparency log proofs (hashes, no PHI)",
    "/log/proof/consistency": "transparency log proofs (hashes, no PHI)",
    "/01/{rest:path}": "GS1 Digital Link: a patient scans a medicine box (public product facts)",
    "/gtin/{rest:path}": "GS1 Digital Link alias",
    "/learn/{item_id}": "SMS education link: a signed per-patient token in the query",
    "/coop/transparency": "cooperative transparency page, aggregates only",
    "/voting/{proposal_id}/tally": "published tallies of closed votes are public by design",
    "/app": "redirects to /app/ (the patient app shell, which signs in)",
    "/app/offline": "the patient app's offline page, no data",
    "/app/sw.js": "the patient app's service worker script",
    "/app/manifest.webmanifest": "the patient app's manifest",
    "/cds-services": "CDS Hooks discovery is public by the spec",
    "/cds-services/{service_id}": "CDS Hooks call: reads need fhirAuthorization, else 401 "
    "(tests/integration/cds/test_cds_access.py)",
    "/cds-services/{service_id}/feedback": "CDS Hooks feedback on a card id, no data returned",
}

# Routes that check the shape of their input before the guard (the guard needs a field of it):
# a well-formed anonymous request must still be refused.
WELL_FORMED: dict[tuple[str, str], dict[str, object]] = {
    ("POST", "/inventory/events"): {
        "json": {
            "kind": "receipt",
            "facility": "Organization/x1",
            "occurredAt": "2026-01-01T09:00:00-06:00",
            "items": [{"product": "x", "lot": "A", "quantity": 1, "expiry": "2027-01-31"}],
            "source": "CEDIS",
        }
    },
    ("GET", "/inventory/stock"): {"params": {"facility": "Organization/x1"}},
    ("GET", "/inventory/stock-card"): {
        "params": {"facility": "Organization/x1", "product": "x", "lot": "A"}
    },
    ("GET", "/inventory/expiries"): {"params": {"facility": "Organization/x1"}},
    ("GET", "/care/referrals"): {"params": {"org": "Organization/x1"}},
    ("GET", "/care/day"): {"params": {"actor": "Practitioner/x1", "on": "2026-01-01"}},
    ("POST", "/devices/{device_id}/readings"): {"json": {}},
}

REFUSED = {401, 403}
LOGIN_REDIRECT = re.compile(r"/(login|signin|auth)")


def fastapi_of(app: object) -> FastAPI:
    """The FastAPI app under the hardening, observability and /fhir dispatch wrappers."""
    while not isinstance(app, FastAPI):
        app = getattr(app, "fallback", None) or app.app  # type: ignore[attr-defined]
    return app


def walk(routes: list[object], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, into included routers (FastAPI keeps them nested)."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            context = getattr(route, "include_context", None)
            yield from walk(nested.routes, prefix + str(getattr(context, "prefix", "") or ""))
        elif isinstance(route, Route):
            yield prefix + route.path, set(route.methods or ()) - {"HEAD"}


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


@pytest.fixture
def anonymous(services: Services) -> Iterator[tuple[TestClient, FastAPI]]:
    services.settings = dataclasses.replace(services.settings, auth_enabled=True)
    app = create_app(services)
    with TestClient(app, base_url="http://testserver") as client:
        yield client, fastapi_of(app)


def refused(status: int, location: str) -> bool:
    return status in REFUSED or (
        status in {302, 303, 307} and bool(LOGIN_REDIRECT.search(location))
    )


def test_every_route_is_public_by_name_or_refuses_an_anonymous_caller(
    anonymous: tuple[TestClient, FastAPI],
) -> None:
    client, app = anonymous
    routes = list(walk(list(app.routes)))
    assert len(routes) > 150  # the walk sees the real app with its pages, not an empty one
    open_routes = []
    for path, methods in routes:
        for method in sorted(methods):
            if path in PUBLIC:
                continue
            extra: dict[str, Any] = dict(WELL_FORMED.get((method, path), {}))
            answer = client.request(method, concrete(path), follow_redirects=False, **extra)
            if not refused(answer.status_code, answer.headers.get("location", "")):
                open_routes.append(f"{method} {path} -> {answer.status_code}")
    assert open_routes == [], "\n".join(open_routes)

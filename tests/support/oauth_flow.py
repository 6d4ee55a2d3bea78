"""Driving the OAuth endpoints through the TestClient: clients, users with a session, the
authorization page, codes and token requests."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi.testclient import TestClient
from httpx import Response

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.security import clients, users
from tests.support.oauth_clients import ASSERTION_TYPE, ClientKey, pkce_pair

BASE = "http://testserver"
FHIR = f"{BASE}/fhir"
TOKEN_URL = f"{BASE}/auth/token"
REDIRECT = "https://app.example/callback"
PASSWORD = "nopal verde en la azotea"


def now_us(services: Services) -> int:
    return epoch_us(services.repo.clock())


def now_s(services: Services) -> float:
    return now_us(services) / 1_000_000


def register(services: Services, **fields: Any) -> clients.Registered:
    with services.db.begin() as conn:
        return clients.register(conn, now_us=now_us(services), **fields)


def backend(services: Services, key: ClientKey, scope: str, **fields: Any) -> str:
    registered = register(
        services, name="Laboratorio", kind="backend", scope=scope, jwks=key.jwks(), **fields
    )
    return registered.client.client_id


def app_client(
    services: Services, kind: str = "public", scope: str | None = None
) -> clients.Registered:
    ceiling = scope or "patient/*.cruds user/*.cruds launch/patient offline_access openid fhirUser"
    return register(services, name="Mi Salud", kind=kind, scope=ceiling, redirect_uris=(REDIRECT,))


def user_with_session(
    services: Services, username: str, role: str, **fields: Any
) -> tuple[users.User, str]:
    with services.db.begin() as conn:
        user = users.add_user(
            conn, username=username, password=PASSWORD, role=role, now_us=now_us(services), **fields
        )
        return user, users.start_session(conn, user, now_us(services), second_factor=True)


def client_credentials(http: TestClient, assertion: str, scope: str, **extra: str) -> Response:
    form = {
        "grant_type": "client_credentials",
        "scope": scope,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        **extra,
    }
    return http.post("/auth/token", data=form)


def authorize_query(client_id: str, challenge: str, scope: str, **changes: str) -> dict[str, str]:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "st-123",
        "aud": FHIR,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    query.update(changes)
    return {k: v for k, v in query.items() if v != ""}


def consent_page(http: TestClient, session: str, query: dict[str, str], **headers: str) -> Response:
    http.cookies.set("enlace_session", session)
    return http.get("/auth/authorize?" + urlencode(query), headers=headers, follow_redirects=False)


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name}"
    return html.unescape(found.group(1))


def decide(http: TestClient, page: str, decision: str = "approve", **fields: str) -> Response:
    form = {"csrf": hidden(page, "csrf"), "request": hidden(page, "request"), "decision": decision}
    form.update(fields)
    return http.post("/auth/authorize", data=form, follow_redirects=False)


def redirect_params(response: Response) -> dict[str, str]:
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def code_for(
    http: TestClient, session: str, client_id: str, scope: str, **fields: str
) -> tuple[str, str]:
    """(code, verifier) after the user approves."""
    verifier, challenge = pkce_pair()
    page = consent_page(http, session, authorize_query(client_id, challenge, scope))
    assert page.status_code == 200, page.text
    params = redirect_params(decide(http, page.text, **fields))
    assert params["state"] == "st-123"
    return params["code"], verifier


def exchange(
    http: TestClient, client_id: str, code: str, verifier: str, **changes: str
) -> Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": client_id,
        "code_verifier": verifier,
        **changes,
    }
    return http.post("/auth/token", data={k: v for k, v in form.items() if v != ""})


def refresh(http: TestClient, client_id: str, token: str, **extra: str) -> Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": client_id, **extra}
    return http.post("/auth/token", data=form)

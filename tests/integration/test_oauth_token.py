"""The token endpoint on both stores: client_credentials (SMART Backend Services), the
authorization code with PKCE, refresh token rotation; each refusal in OAuth error format."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.security import keys, oauth, passwords
from enlace.security.access import Access
from enlace.security.tables import used_assertions
from enlace.security.tokens import verify_access_token
from tests.integration.conftest import FHIR_JSON, patient
from tests.support import oauth_flow as flow
from tests.support.oauth_clients import ec_key, rsa_key

RSA = rsa_key()
EC = ec_key()


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(1, 1024, 1))


def verified(services: Services, token: str) -> Access:
    key = keys.signing_key(services.settings)
    return verify_access_token(token, key, audience=flow.FHIR, now=services.repo.clock())


def oauth_error(response: object, status: int, error: str) -> str:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["error"] == error, body
    assert response.headers["cache-control"] == "no-store"  # type: ignore[attr-defined]
    return str(body["error_description"])


# --- client_credentials ------------------------------------------------------------------------


def test_client_credentials_issues_a_system_token(services: Services, client: TestClient) -> None:
    svc = flow.backend(services, RSA, "system/Observation.crs system/Patient.rs")
    assertion = RSA.assertion(svc, flow.TOKEN_URL, flow.now_s(services))
    response = flow.client_credentials(
        client, assertion, "system/Observation.cruds system/Condition.rs"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    assert body["scope"] == "system/Observation.crs"  # requested ∩ ceiling
    assert "refresh_token" not in body
    assert response.headers["cache-control"] == "no-store"
    access = verified(services, body["access_token"])
    assert access.kind == "client" and access.actor == svc and access.client_id == svc
    assert access.grants("Observation", "c") == [()] and access.grants("Condition", "r") == []


def test_client_credentials_with_an_es384_key_and_a_role(
    services: Services, client: TestClient
) -> None:
    svc = flow.backend(services, EC, "system/*.cruds", role="payer", organization="aseguradora-1")
    assertion = EC.assertion(svc, flow.TOKEN_URL, flow.now_s(services))
    response = flow.client_credentials(client, assertion, "system/Claim.rs system/Observation.rs")
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "system/Claim.rs?insurer=Organization/aseguradora-1"
    access = verified(services, response.json()["access_token"])
    assert access.role == "payer" and access.organization == "aseguradora-1"


def test_a_replayed_assertion_is_refused(services: Services, client: TestClient) -> None:
    svc = flow.backend(services, RSA, "system/*.rs")
    assertion = RSA.assertion(svc, flow.TOKEN_URL, flow.now_s(services))
    assert flow.client_credentials(client, assertion, "system/*.rs").status_code == 200
    replay = flow.client_credentials(client, assertion, "system/*.rs")
    assert "already used (replay)" in oauth_error(replay, 401, "invalid_client")
    assert replay.headers["www-authenticate"].startswith("Basic")


def test_used_jtis_are_purged_once_expired(services: Services, client: TestClient) -> None:
    svc = flow.backend(services, RSA, "system/*.rs")
    for _ in range(3):
        assertion = RSA.assertion(svc, flow.TOKEN_URL, flow.now_s(services), lifetime_s=60)
        assert flow.client_credentials(client, assertion, "system/*.rs").status_code == 200
    services.repo.clock.now += timedelta(minutes=10)  # type: ignore[attr-defined]
    fresh = RSA.assertion(svc, flow.TOKEN_URL, flow.now_s(services))
    assert flow.client_credentials(client, fresh, "system/*.rs").status_code == 200
    with services.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(used_assertions)).scalar() == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"aud": "http://testserver/fhir"}, "'aud' must be the token endpoint URL"),
        ({"sub": "other"}, "'iss' and 'sub'"),
        ({"lifetime_s": 600}, "more than 5 minutes ahead"),
        ({"algorithm": "RS256"}, "algorithm 'RS256' is not accepted"),
        ({"headers": {"kid": "unknown"}}, "no key with kid 'unknown'"),
        ({"jti": None}, "'jti' claim"),
    ],
)
def test_client_credentials_refusals(
    services: Services, client: TestClient, change: dict[str, object], reason: str
) -> None:
    svc = flow.backend(services, RSA, "system/*.rs")
    options = dict(change)
    audience = str(options.pop("aud", flow.TOKEN_URL))
    assertion = RSA.assertion(svc, audience, flow.now_s(services), **options)  # type: ignore[arg-type]
    response = flow.client_credentials(client, assertion, "system/*.rs")
    assert reason in oauth_error(response, 401, "invalid_client")


def test_expired_and_unknown_client_assertions(services: Services, client: TestClient) -> None:
    svc = flow.backend(services, RSA, "system/*.rs")
    old = RSA.assertion(svc, flow.TOKEN_URL, flow.now_s(services) - 600, lifetime_s=120)
    assert "expired" in oauth_error(
        flow.client_credentials(client, old, "system/*.rs"), 401, "invalid_client"
    )
    stranger = RSA.assertion("stranger", flow.TOKEN_URL, flow.now_s(services))
    response = flow.client_credentials(client, stranger, "system/*.rs")
    assert "unknown or inactive client" in oauth_error(response, 401, "invalid_client")


def test_token_request_errors(services: Services, client: TestClient) -> None:
    svc = flow.backend(services, RSA, "system/Patient.rs")
    fresh = RSA.assertion(svc, flow.TOKEN_URL, flow.now_s(services))
    beyond = flow.client_credentials(client, fresh, "system/Observation.rs")
    assert "None of the requested scopes" in oauth_error(beyond, 400, "invalid_scope")
    missing = flow.client_credentials(client, "", "system/Patient.rs")
    oauth_error(missing, 400, "invalid_request")
    wrong_type = client.post("/auth/token", data={"grant_type": "password", "username": "x"})
    oauth_error(wrong_type, 400, "unsupported_grant_type")
    as_json = client.post("/auth/token", json={"grant_type": "client_credentials"})
    assert "x-www-form-urlencoded" in oauth_error(as_json, 400, "invalid_request")
    repeated = client.post(
        "/auth/token",
        content="grant_type=refresh_token&grant_type=password",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "repeated" in oauth_error(repeated, 400, "invalid_request")


# --- authorization_code + PKCE ---------------------------------------------------------------


@pytest.fixture
def ana(services: Services) -> str:
    """A patient with a live login session; her session token."""
    return flow.user_with_session(
        services, "ana", "patient", fhir_user="Patient/p1", patients=("p1",), display_name="Ana"
    )[1]


SCOPE = "launch/patient patient/Observation.rs patient/Patient.r offline_access openid"


def test_authorization_code_with_pkce(services: Services, client: TestClient, ana: str) -> None:
    app = flow.app_client(services).client.client_id
    code, verifier = flow.code_for(client, ana, app, SCOPE)
    response = flow.exchange(client, app, code, verifier)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["patient"] == "p1"
    assert body["scope"] == "patient/Observation.rs patient/Patient.r launch/patient offline_access"
    assert body["refresh_token"]
    access = verified(services, body["access_token"])
    assert access.kind == "user" and access.role == "patient" and access.patients == ("p1",)
    assert access.fhir_user == "Patient/p1" and access.client_id == app


def test_a_wrong_verifier_spends_the_code(services: Services, client: TestClient, ana: str) -> None:
    app = flow.app_client(services).client.client_id
    code, verifier = flow.code_for(client, ana, app, SCOPE)
    wrong = flow.exchange(client, app, code, verifier[:-1] + ("A" if verifier[-1] != "A" else "B"))
    assert "PKCE" in oauth_error(wrong, 400, "invalid_grant")
    assert "already used" in oauth_error(
        flow.exchange(client, app, code, verifier), 400, "invalid_grant"
    )
    missing = flow.code_for(client, ana, app, SCOPE)[0]
    oauth_error(flow.exchange(client, app, missing, ""), 400, "invalid_grant")


def test_a_reused_code_revokes_what_it_issued(
    services: Services, client: TestClient, ana: str
) -> None:
    app = flow.app_client(services).client.client_id
    code, verifier = flow.code_for(client, ana, app, SCOPE)
    first = flow.exchange(client, app, code, verifier)
    assert first.status_code == 200
    again = flow.exchange(client, app, code, verifier)
    assert "revoked" in oauth_error(again, 400, "invalid_grant")
    stolen = flow.refresh(client, app, first.json()["refresh_token"])
    assert "revoked" in oauth_error(stolen, 400, "invalid_grant")


def test_wrong_redirect_uri_client_and_expiry(
    services: Services, client: TestClient, ana: str
) -> None:
    app = flow.app_client(services).client.client_id
    other_app = flow.app_client(services).client.client_id
    code, verifier = flow.code_for(client, ana, app, SCOPE)
    wrong = flow.exchange(client, app, code, verifier, redirect_uri="https://app.example/other")
    assert "redirect_uri" in oauth_error(wrong, 400, "invalid_grant")
    code, verifier = flow.code_for(client, ana, app, SCOPE)
    assert "Unknown authorization code" in oauth_error(
        flow.exchange(client, other_app, code, verifier), 400, "invalid_grant"
    )
    assert flow.exchange(client, app, code, verifier).status_code == 200  # not spent by the other
    code, verifier = flow.code_for(client, ana, app, SCOPE)
    services.repo.clock.now += timedelta(seconds=61)  # type: ignore[attr-defined]
    assert "expired" in oauth_error(
        flow.exchange(client, app, code, verifier), 400, "invalid_grant"
    )


def test_confidential_client_authenticates(
    services: Services, client: TestClient, ana: str
) -> None:
    registered = flow.app_client(services, kind="confidential")
    app, secret = registered.client.client_id, registered.secret
    assert secret
    code, verifier = flow.code_for(client, ana, app, SCOPE)
    no_secret = flow.exchange(client, app, code, verifier)
    assert "client secret" in oauth_error(no_secret, 401, "invalid_client")
    code, verifier = flow.code_for(client, ana, app, SCOPE)
    basic = base64.b64encode(f"{app}:{secret}".encode()).decode()
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": flow.REDIRECT,
        "code_verifier": verifier,
    }
    response = client.post("/auth/token", data=form, headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200, response.text
    bad = base64.b64encode(f"{app}:wrong".encode()).decode()
    denied = client.post("/auth/token", data=form, headers={"Authorization": f"Basic {bad}"})
    oauth_error(denied, 401, "invalid_client")


# --- refresh tokens ---------------------------------------------------------------------------


def test_refresh_rotates_and_reuse_revokes_the_family(
    services: Services, client: TestClient, ana: str
) -> None:
    app = flow.app_client(services).client.client_id
    code, verifier = flow.code_for(client, ana, app, SCOPE)
    first = flow.exchange(client, app, code, verifier).json()
    second = flow.refresh(client, app, first["refresh_token"])
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]
    assert rotated["scope"] == first["scope"] and rotated["patient"] == "p1"
    narrower = flow.refresh(
        client, app, rotated["refresh_token"], scope="patient/Observation.r offline_access"
    )
    assert (
        narrower.status_code == 200
        and narrower.json()["scope"] == "patient/Observation.r offline_access"
    )
    latest = narrower.json()["refresh_token"]
    replay = flow.refresh(client, app, first["refresh_token"])  # spent: the family is revoked
    assert "every token of its family is revoked" in oauth_error(replay, 400, "invalid_grant")
    assert "revoked" in oauth_error(flow.refresh(client, app, latest), 400, "invalid_grant")


def test_refresh_is_bound_to_its_client(services: Services, client: TestClient, ana: str) -> None:
    app = flow.app_client(services).client.client_id
    other = flow.app_client(services).client.client_id
    code, verifier = flow.code_for(client, ana, app, SCOPE)
    token = flow.exchange(client, app, code, verifier).json()["refresh_token"]
    oauth_error(flow.refresh(client, other, token), 400, "invalid_grant")
    assert flow.refresh(client, app, token).status_code == 200
    oauth_error(flow.refresh(client, app, "made-up"), 400, "invalid_grant")


def test_no_refresh_token_without_offline_access(
    services: Services, client: TestClient, ana: str
) -> None:
    app = flow.app_client(services).client.client_id
    code, verifier = flow.code_for(client, ana, app, "patient/Observation.rs")
    body = flow.exchange(client, app, code, verifier).json()
    assert "refresh_token" not in body and body["scope"] == "patient/Observation.rs"


def test_revoking_a_users_tokens_ends_each_live_family_and_no_one_elses(
    services: Services, client: TestClient, ana: str
) -> None:
    """A lost phone: every app the patient connected stops refreshing; another patient's app
    does not."""
    app = flow.app_client(services).client.client_id
    bea, bea_session = flow.user_with_session(
        services, "bea", "patient", fhir_user="Patient/p1", patients=("p1",), display_name="Bea"
    )
    phones = []
    for _ in range(2):
        code, verifier = flow.code_for(client, bea_session, app, SCOPE)
        phones.append(flow.exchange(client, app, code, verifier).json()["refresh_token"])
    code, verifier = flow.code_for(client, ana, app, SCOPE)
    anas = flow.exchange(client, app, code, verifier).json()["refresh_token"]
    with services.db.begin() as conn:
        assert oauth.revoke_user_tokens(conn, bea.id) == 2
        assert oauth.revoke_user_tokens(conn, bea.id) == 0  # nothing live is left
    for token in phones:
        assert "revoked" in oauth_error(flow.refresh(client, app, token), 400, "invalid_grant")
    assert flow.refresh(client, app, anas).status_code == 200


# --- the token at the FHIR API -----------------------------------------------------------------


def test_an_issued_token_opens_the_fhir_api(services: Services) -> None:
    """Auth on: the FHIR edge accepts what the token endpoint issued, and nothing without it."""
    services.repo.clock.now = datetime.now(UTC)  # type: ignore[attr-defined]  # the edge reads the system clock
    secured = dataclasses.replace(
        services, settings=dataclasses.replace(services.settings, auth_enabled=True)
    )
    svc = flow.backend(services, EC, "system/Patient.crs")
    with TestClient(create_app(secured), base_url=flow.BASE) as http:
        assertion = EC.assertion(svc, flow.TOKEN_URL, flow.now_s(services))
        token = flow.client_credentials(http, assertion, "system/Patient.crs").json()[
            "access_token"
        ]
        bearer = {**FHIR_JSON, "Authorization": f"Bearer {token}"}
        created = http.post("/fhir/Patient", json=patient(), headers=bearer)
        assert created.status_code == 201, created.text
        assert http.get(f"/fhir/Patient/{created.json()['id']}", headers=bearer).status_code == 200
        assert http.get("/fhir/Patient", headers=FHIR_JSON).status_code == 401
        assert http.get("/fhir/Observation", headers=bearer).status_code == 403

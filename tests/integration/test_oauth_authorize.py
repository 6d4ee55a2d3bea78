"""The authorization page (SMART standalone launch), discovery and JWKS on both stores."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.security import authorize, keys, passwords
from enlace.security.tables import authorization_codes
from tests.integration.conftest import FHIR_JSON
from tests.support import oauth_flow as flow
from tests.support.oauth_clients import pkce_pair

SCOPE = "launch/patient patient/Observation.rs offline_access"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(1, 1024, 1))


@pytest.fixture
def app_id(services: Services) -> str:
    return flow.app_client(services).client.client_id


@pytest.fixture
def ana(services: Services) -> str:
    return flow.user_with_session(
        services,
        "ana",
        "patient",
        fhir_user="Patient/p1",
        patients=("p1",),
        display_name="Ana López",
    )[1]


def query(app_id: str, **changes: str) -> dict[str, str]:
    sent = {**flow.authorize_query(app_id, pkce_pair()[1], SCOPE), **changes}
    return {k: v for k, v in sent.items() if v != ""}


def test_smart_configuration_at_both_paths_and_jwks(services: Services, client: TestClient) -> None:
    for path in ("/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"):
        response = client.get(path)
        assert response.status_code == 200, path
        config = response.json()
        assert config["token_endpoint"] == flow.TOKEN_URL
        assert config["authorization_endpoint"] == "http://testserver/auth/authorize"
        assert config["code_challenge_methods_supported"] == ["S256"]
        assert config["token_endpoint_auth_signing_alg_values_supported"] == ["RS384", "ES384"]
        assert "permission-v2" in config["capabilities"]
    jwks = client.get("/.well-known/jwks.json").json()
    assert jwks["keys"][0]["kid"] == keys.signing_key(services.settings).kid
    assert "d" not in jwks["keys"][0]
    # the rest of /fhir/.well-known is still the FHIR adapter's
    other = client.get("/fhir/.well-known/other", headers=FHIR_JSON)
    assert other.headers["content-type"].startswith("application/fhir+json")


def test_without_a_session_the_user_is_sent_to_login(client: TestClient, app_id: str) -> None:
    sent = query(app_id)
    response = client.get("/auth/authorize?" + urlencode(sent), follow_redirects=False)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert location.path == "/login"
    back = parse_qs(location.query)["next"][0]
    assert back.startswith("/auth/authorize?")
    assert {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()} == sent


def test_the_consent_page_in_spanish_and_english(client: TestClient, ana: str, app_id: str) -> None:
    page = flow.consent_page(client, ana, query(app_id))
    assert page.status_code == 200
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    # the approval redirects to the client: its origin must be a form-action (Chrome, Safari)
    policies = page.headers.get_list("content-security-policy")
    assert "form-action 'self' https://app.example;" in policies[0]
    text = page.text
    assert "Autorizar acceso" in text and "La aplicación «Mi Salud»" in text and "Ana López" in text
    assert (
        "Ver y buscar: mediciones y resultados (Observation), del expediente del paciente" in text
    )
    assert 'value="approve">Autorizar' in text and 'value="deny" class="secondary">Denegar' in text
    english = flow.consent_page(client, ana, {**query(app_id), "lang": "en"})
    assert "It will be able to:" in english.text and ">Authorize</button>" in english.text
    by_header = flow.consent_page(
        client, ana, query(app_id), **{"Accept-Language": "en-US,en;q=0.9"}
    )
    client.cookies.delete("enlace_lang")
    assert "Deny" in by_header.text


def test_approve_redirects_with_a_code_and_state(
    services: Services, client: TestClient, ana: str, app_id: str
) -> None:
    page = flow.consent_page(client, ana, query(app_id))
    params = flow.redirect_params(flow.decide(client, page.text))
    assert params["state"] == "st-123" and len(params["code"]) >= 40
    with services.db.read() as conn:
        row = conn.execute(select(authorization_codes)).mappings().one()
    assert (
        row["patient"] == "p1"
        and row["scope"] == "patient/Observation.rs launch/patient offline_access"
    )
    assert params["code"] not in str(dict(row))  # only its digest is stored


def test_deny_redirects_with_access_denied(client: TestClient, ana: str, app_id: str) -> None:
    page = flow.consent_page(client, ana, query(app_id))
    params = flow.redirect_params(flow.decide(client, page.text, decision="deny"))
    assert params == {
        "error": "access_denied",
        "error_description": "The user denied access",
        "state": "st-123",
    }


def test_a_forged_form_is_refused(client: TestClient, ana: str, app_id: str) -> None:
    page = flow.consent_page(client, ana, query(app_id))
    forged = flow.decide(client, page.text, csrf="0" * 64)
    assert forged.status_code == 403 and "CSRF" in forged.text


@pytest.mark.parametrize(
    "changes",
    [{"client_id": "nobody"}, {"redirect_uri": "https://evil.example/cb"}, {"redirect_uri": ""}],
    ids=["unknown client", "unregistered redirect", "no redirect"],
)
def test_a_bad_client_or_redirect_is_an_error_page_never_a_redirect(
    client: TestClient, ana: str, app_id: str, changes: dict[str, str]
) -> None:
    page = flow.consent_page(client, ana, query(app_id, **changes))
    assert page.status_code == 400 and "location" not in page.headers
    assert "No se puede autorizar" in page.text and "invalid_request" in page.text


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"aud": "https://other.example/fhir"}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"scope": "system/*.rs"}, "invalid_scope"),
        ({"scope": "patient/Observation.xyz"}, "invalid_scope"),
    ],
)
def test_other_problems_are_redirected_to_the_client(
    client: TestClient, ana: str, app_id: str, changes: dict[str, str], error: str
) -> None:
    response = flow.consent_page(client, ana, query(app_id, **changes))
    params = flow.redirect_params(response)
    assert params["error"] == error and params["state"] == "st-123"


def test_state_is_required(client: TestClient, ana: str, app_id: str) -> None:
    params = flow.redirect_params(flow.consent_page(client, ana, query(app_id, state="")))
    assert params["error"] == "invalid_request" and "state" not in params


def test_a_caregiver_chooses_the_patient(
    services: Services, client: TestClient, app_id: str
) -> None:
    _, session = flow.user_with_session(
        services, "tere", "caregiver", fhir_user="RelatedPerson/r1", patients=("p1", "p2")
    )
    page = flow.consent_page(client, session, query(app_id))
    assert '<option value="p2">p2</option>' in page.text
    code = flow.redirect_params(flow.decide(client, page.text, patient="p2"))["code"]
    with services.db.read() as conn:
        assert conn.execute(select(authorization_codes.c.patient)).scalar_one() == "p2"
    assert code
    page = flow.consent_page(client, session, query(app_id))
    refused = flow.redirect_params(flow.decide(client, page.text, patient="p9"))
    assert refused["error"] == "invalid_request"


def test_patient_names_label_the_choice(
    services: Services, client: TestClient, app_id: str
) -> None:
    body = {"resourceType": "Patient", "id": "p2", "name": [{"given": ["Luis"], "family": "Pérez"}]}
    assert client.put("/fhir/Patient/p2", json=body, headers=FHIR_JSON).status_code in (200, 201)
    _, session = flow.user_with_session(services, "tere", "caregiver", patients=("p1", "p2"))
    page = flow.consent_page(client, session, query(app_id))
    assert '<option value="p2">Luis Pérez (p2)</option>' in page.text


def test_request_digest_names_the_request(services: Services, app_id: str) -> None:
    with services.db.read() as conn:
        first = authorize.check_request(conn, list(query(app_id).items()), flow.FHIR)
        second = authorize.check_request(
            conn, list(query(app_id, state="other").items()), flow.FHIR
        )
    assert authorize.request_digest(first) != authorize.request_digest(second)

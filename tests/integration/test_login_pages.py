"""The login, TOTP, account and logout pages through the HTTP app (both stores)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.security import login, passwords, totp, users

PASSWORD = "nopal verde en la azotea"
SPANISH_FAILURE = "Usuario o contraseña incorrectos"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(1, 1024, 1))


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    services.settings = replace(services.settings, login_max_failures=3, lockout_seconds=60)
    with services.db.begin() as conn:
        users.add_user(
            conn,
            username="ana.garcia",
            password=PASSWORD,
            role="pharmacist",
            organization="farmacia-7",
            display_name="Ana García",
            now_us=0,
        )
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_in(
    client: TestClient, password: str = PASSWORD, next_path: str = "/account", **extra: str
) -> httpx.Response:
    token = csrf_of(client.get("/login").text)
    form = {"username": "Ana.Garcia", "password": password, "csrf": token, "next": next_path}
    return client.post("/login", data={**form, **extra}, follow_redirects=False)


def error_text(response: httpx.Response) -> str:
    found = re.search(r'id="error">([^<]+)<', response.text)
    return found.group(1) if found else ""


def test_wrong_password_is_refused_in_spanish_without_a_session(web: TestClient) -> None:
    response = sign_in(web, "not the password")
    assert response.status_code == 401
    assert error_text(response).startswith(SPANISH_FAILURE)
    assert 'value="Ana.Garcia"' in response.text and "not the password" not in response.text
    assert "enlace_session" not in response.headers.get("set-cookie", "")
    assert web.get("/account", follow_redirects=False).headers["location"].startswith("/login")


def test_right_password_signs_in_with_a_safe_cookie(web: TestClient) -> None:
    response = sign_in(web)
    assert (response.status_code, response.headers["location"]) == (303, "/account")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("enlace_session=")
    for flag in ("HttpOnly", "Path=/", "SameSite=lax"):
        assert flag in cookie
    assert "Secure" not in cookie  # plain HTTP outside production
    account = web.get("/account")
    assert account.status_code == 200
    assert 'id="display-name">Ana García<' in account.text
    assert 'id="role">Farmacéutico(a)<' in account.text
    assert 'id="organization">farmacia-7<' in account.text
    assert account.headers["cache-control"] == "no-store"
    assert account.headers["x-frame-options"] == "DENY"


def test_cookie_is_secure_over_https(services: Services) -> None:
    with services.db.begin() as conn:
        users.add_user(conn, username="luis", password=PASSWORD, role="nurse", now_us=0)
    with TestClient(create_app(services), base_url="https://testserver") as client:
        token = csrf_of(client.get("/login").text)
        form = {"username": "luis", "password": PASSWORD, "csrf": token}
        response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_english_by_query_then_remembered(web: TestClient) -> None:
    page = web.get("/login?lang=en")
    assert '<html lang="en">' in page.text and ">Sign in<" in page.text
    assert "enlace_lang=en" in page.headers["set-cookie"]
    assert "Wrong username or password" in error_text(sign_in(web, "not the password"))
    web.cookies.delete("enlace_lang")
    accepted = web.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert ">Sign in<" in accepted.text
    assert ">Iniciar sesión<" in web.get("/login", headers={"Accept-Language": "es"}).text


def test_post_without_a_valid_csrf_token_is_refused(web: TestClient) -> None:
    form = {"username": "ana.garcia", "password": PASSWORD, "next": "/account"}
    missing = web.post("/login", data=form, follow_redirects=False)
    assert missing.status_code == 403 and "formulario expiró" in error_text(missing)
    web.get("/login")  # the browser now has a nonce cookie, but the token is forged
    forged = web.post("/login", data={**form, "csrf": "0" * 64}, follow_redirects=False)
    assert forged.status_code == 403
    assert "enlace_session" not in web.cookies
    # a token taken from another browser does not fit this browser's nonce
    with TestClient(web.app, base_url="http://testserver") as other:
        stolen = csrf_of(other.get("/login").text)
    assert web.post("/login", data={**form, "csrf": stolen}).status_code == 403


def test_logout_needs_the_session_bound_token(web: TestClient) -> None:
    sign_in(web)
    session_bound = csrf_of(web.get("/login?x=1").text)  # bound to this session: valid
    refused = web.post("/logout", data={"csrf": "nope"}, follow_redirects=False)
    assert refused.status_code == 403 and 'id="username">ana.garcia<' in refused.text
    assert web.get("/account").status_code == 200  # still signed in
    accepted = web.post("/logout", data={"csrf": session_bound}, follow_redirects=False)
    assert accepted.status_code == 303


def test_logout_ends_the_session_server_side(web: TestClient) -> None:
    sign_in(web)
    session = web.cookies["enlace_session"]
    token = csrf_of(web.get("/account").text)
    response = web.post("/logout", data={"csrf": token}, follow_redirects=False)
    assert response.headers["location"] == "/login?reason=signed-out"
    assert 'enlace_session=""' in response.headers["set-cookie"]
    assert "Cerraste tu sesión" in web.get("/login?reason=signed-out").text
    web.cookies.set("enlace_session", session)  # a copy of the old cookie is worth nothing
    assert web.get("/account", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "target", ["https://evil.example/x", "//evil.example", "/\\evil.example", "javascript:x"]
)
def test_next_never_leaves_the_site(web: TestClient, target: str) -> None:
    response = sign_in(web, next_path=target)
    assert response.headers["location"] == "/"  # the role's home
    assert 'name="next" value="/"' in web.get("/login", params={"next": target}).text


def test_local_next_is_followed(web: TestClient) -> None:
    target = "/oauth/authorize?client_id=app&state=s1"
    assert sign_in(web, next_path=target).headers["location"] == target


def test_lockout_after_the_limit_refuses_the_right_password(web: TestClient) -> None:
    for _ in range(3):
        assert sign_in(web, "not the password").status_code == 401
    locked = sign_in(web)
    assert locked.status_code == 401 and error_text(locked).startswith(SPANISH_FAILURE)


def test_idle_session_is_logged_off(web: TestClient, services: Services) -> None:
    sign_in(web)
    assert web.get("/account").status_code == 200
    services.repo.clock.now += timedelta(minutes=16)  # type: ignore[attr-defined]
    response = web.get("/account", follow_redirects=False)
    assert response.headers["location"] == "/login?next=%2Faccount"


def _enrol(services: Services) -> bytes:
    with services.db.begin() as conn:
        enrolment = users.enable_totp(conn, "ana.garcia", services.settings)
    return base64.b32decode(enrolment.secret_base32 + "=" * (-len(enrolment.secret_base32) % 8))


def _code(services: Services, secret: bytes) -> str:
    return totp.code_at(secret, epoch_us(services.repo.clock.now))  # type: ignore[attr-defined]


def test_totp_flow_and_replay(web: TestClient, services: Services) -> None:
    secret = _enrol(services)
    first = sign_in(web, next_path="/account?tab=1")
    assert first.headers["location"] == "/login/totp?next=%2Faccount%3Ftab%3D1"
    assert web.get("/account", follow_redirects=False).status_code == 303  # pending: no access
    page = web.get(first.headers["location"])
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text
    form = {"csrf": csrf_of(page.text), "next": "/account?tab=1"}
    wrong = web.post("/login/totp", data={**form, "code": "000000"}, follow_redirects=False)
    if wrong.status_code == 303:  # 000000 was the right code: one in a million
        pytest.skip("the random secret's code was 000000")
    assert wrong.status_code == 401 and "El código no es válido" in error_text(wrong)
    code = _code(services, secret)
    done = web.post("/login/totp", data={**form, "code": code}, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (303, "/account?tab=1")
    assert 'id="totp">Activada<' in web.get("/account").text
    web.post("/logout", data={"csrf": csrf_of(web.get("/account").text)})
    sign_in(web)
    again = web.post(
        "/login/totp",
        data={"csrf": csrf_of(web.get("/login/totp").text), "code": code},
        follow_redirects=False,
    )
    assert again.status_code == 401  # the same code, within its window, is spent


def test_totp_page_without_a_pending_login_goes_back_to_login(web: TestClient) -> None:
    response = web.get("/login/totp?next=/account", follow_redirects=False)
    assert response.headers["location"] == "/login?reason=expired&next=%2Faccount"
    assert "Tu inicio de sesión expiró" in web.get(response.headers["location"]).text


def test_too_many_wrong_codes_end_the_pending_login(web: TestClient, services: Services) -> None:
    secret = _enrol(services)
    sign_in(web)
    right = _code(services, secret)
    wrong = "000001" if right != "000001" else "000002"
    for expected in (401, 401, 303):
        token = csrf_of(web.get("/login/totp").text)
        response = web.post(
            "/login/totp", data={"csrf": token, "code": wrong}, follow_redirects=False
        )
        assert response.status_code == expected
    assert response.headers["location"].startswith("/login?reason=failed")


def test_unexpected_failure_is_a_friendly_page(
    web: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> login.LoginResult:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(login, "password_login", broken)
    response = sign_in(web)
    assert response.status_code == 500
    assert "Algo salió mal" in response.text
    assert "database on fire" not in response.text and "Traceback" not in response.text

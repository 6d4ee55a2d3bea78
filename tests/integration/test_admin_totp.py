"""Administrators sign in only with TOTP where it is required (ASVS V4.3.1), and the session
cookie's name over HTTPS and plain HTTP (ASVS V3.4.4), on both stores."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app as cli
from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.kernel.settings import Settings
from enlace.security import hardening, passwords, self_service, totp, users
from enlace.security.tables import audit_log

PASSWORD = "nopal verde en la azotea"
ADMIN_PAGE = "/adherence/network"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(1, 1024, 1))


def _app(services: Services, admin_totp: bool | None = None) -> object:
    services.settings = replace(
        services.settings, login_max_failures=3, lockout_seconds=60, admin_totp=admin_totp
    )
    with services.db.begin() as conn:
        users.add_user(
            conn, username="admin.red", password=PASSWORD, role="administrator", now_us=0
        )
    return create_app(services)


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    # The rule as production applies it (ENLACE_ENV=production sets admin_totp_required).
    app = _app(services, admin_totp=True)
    with TestClient(app, base_url="http://testserver") as client:  # type: ignore[arg-type]
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def sign_in(client: TestClient, next_path: str = ADMIN_PAGE) -> str:
    token = csrf_of(client.get("/login").text)
    form = {"username": "admin.red", "password": PASSWORD, "csrf": token, "next": next_path}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303
    return response.headers["location"]


def secret_of(page: str) -> bytes:
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)
    assert found, page
    text = found.group(1)
    return base64.b32decode(text + "=" * (-len(text) % 8))


def code(services: Services, secret: bytes) -> str:
    clock: Any = services.repo.clock  # the tests' SteppingClock
    return totp.code_at(secret, epoch_us(clock.now))


def test_production_requires_administrator_totp() -> None:
    production = Settings(environment="production")
    assert production.admin_totp_required
    assert not Settings().admin_totp_required  # development: the demo's admin signs in as is
    off = replace(production, admin_totp=False)
    assert any("ENLACE_ADMIN_TOTP" in p for p in hardening.production_problems(off))
    assert not any("ENLACE_ADMIN_TOTP" in p for p in hardening.production_problems(production))


def test_admin_without_totp_is_sent_to_enrolment_and_reaches_no_admin_page(
    web: TestClient, services: Services
) -> None:
    target = sign_in(web)
    assert target == "/login/totp/enrol?next=%2Fadherence%2Fnetwork"
    # The pending session opens no page, admin or not.
    for path in (ADMIN_PAGE, "/account", "/account/sessions"):
        refused = web.get(path, follow_redirects=False)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    page = web.get(target)
    assert page.status_code == 200 and "Activa la verificación en dos pasos" in page.text
    secret = secret_of(page.text)
    form = {
        "csrf": csrf_of(page.text),
        "next": ADMIN_PAGE,
        "sealed": re.findall(r'name="sealed" value="([^"]+)"', page.text)[0],
    }
    wrong = web.post("/login/totp/enrol", data={**form, "code": "000000"})
    assert wrong.status_code == 401 and secret_of(wrong.text) == secret  # same key offered again
    with services.db.begin() as conn:
        user = users.get_user(conn, "admin.red")
        assert user is not None and not user.totp_enabled  # nothing stored yet
    done = web.post(
        "/login/totp/enrol", data={**form, "code": code(services, secret)}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == ADMIN_PAGE
    assert web.get(ADMIN_PAGE).status_code == 200
    with services.db.begin() as conn:
        user = users.get_user(conn, "admin.red")
        assert user is not None and user.totp_enabled
        changes = conn.execute(
            select(func.count()).where(audit_log.c.interaction == "totp-change")
        ).scalar_one()
    assert changes == 1
    # From now on the login asks for the code.
    with TestClient(web.app, base_url="http://testserver") as fresh:
        assert sign_in(fresh).startswith("/login/totp?")


def test_a_forged_or_foreign_secret_is_refused(web: TestClient, services: Services) -> None:
    page = web.get(sign_in(web))
    form = {"csrf": csrf_of(page.text), "next": "/", "sealed": "v2.forged", "code": "123456"}
    refused = web.post("/login/totp/enrol", data=form)
    assert refused.status_code == 401
    with services.db.begin() as conn:
        user = users.get_user(conn, "admin.red")
        assert user is not None and not user.totp_enabled


def test_enrolment_without_a_pending_login_goes_to_login(web: TestClient) -> None:
    response = web.get("/login/totp/enrol?next=/x", follow_redirects=False)
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query)["reason"] == ["expired"]
    posted = web.post("/login/totp/enrol", data={"csrf": "x"}, follow_redirects=False)
    assert posted.status_code == 303


def test_development_admin_signs_in_with_the_password_alone(services: Services) -> None:
    app = _app(services)  # admin_totp unset, development: not required (make demo)
    with TestClient(app, base_url="http://testserver") as client:  # type: ignore[arg-type]
        assert sign_in(client) == ADMIN_PAGE
        assert client.get(ADMIN_PAGE).status_code == 200


def test_session_cookie_is_host_prefixed_over_https(services: Services) -> None:
    app = _app(services)
    with TestClient(app, base_url="https://testserver") as client:  # type: ignore[arg-type]
        token = csrf_of(client.get("/login").text)
        form = {"username": "admin.red", "password": PASSWORD, "csrf": token, "next": "/account"}
        response = client.post("/login", data=form, follow_redirects=False)
        cookie = next(c for c in response.headers.get_list("set-cookie") if "enlace_session" in c)
        assert cookie.startswith("__Host-enlace_session=")
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        assert client.get("/account").status_code == 200
        # The bare name is not read over HTTPS: a planted plain cookie opens nothing.
        session = client.cookies["__Host-enlace_session"]
        client.cookies.clear()
        client.cookies.set("enlace_session", session)
        assert client.get("/account", follow_redirects=False).status_code == 303


def test_session_cookie_keeps_the_plain_name_over_http(services: Services) -> None:
    app = _app(services)
    with TestClient(app, base_url="http://testserver") as client:  # type: ignore[arg-type]
        token = csrf_of(client.get("/login").text)
        form = {"username": "admin.red", "password": PASSWORD, "csrf": token, "next": "/account"}
        response = client.post("/login", data=form, follow_redirects=False)
        cookie = next(c for c in response.headers.get_list("set-cookie") if "enlace_session" in c)
        assert cookie.startswith("enlace_session=") and "Secure" not in cookie
        assert client.get("/account").status_code == 200


def test_an_operators_totp_change_is_audited_for_the_notice(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(services)
    with TestClient(app, base_url="http://testserver") as client:  # type: ignore[arg-type]
        sign_in(client)  # a first sign-in is told nothing; the one after the change is
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))
    for command in ("totp", "disable-totp"):
        result = CliRunner().invoke(cli, ["users", command, "--username", "admin.red"])
        assert result.exit_code == 0, result.output
    with services.db.begin() as conn:
        reasons = conn.execute(
            select(audit_log.c.reason)
            .where(audit_log.c.interaction == "totp-change")
            .order_by(audit_log.c.seq)
        ).scalars()
        assert list(reasons) == ["enlace users totp", "enlace users disable-totp"]
        user = users.get_user(conn, "admin.red")
        assert user is not None
        assert self_service.credential_notice(conn, user.id) is not None
    with TestClient(app, base_url="http://testserver") as client:  # type: ignore[arg-type]
        assert sign_in(client).startswith("/account?changed=1")

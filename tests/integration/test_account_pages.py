"""Changing one's password, and listing and ending one's sessions (ASVS V2.1.5/6, V3.3.3/4,
V2.2.3) through the HTTP app, on both stores."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.security import passwords, users
from enlace.security.tables import audit_log, refresh_tokens, sessions
from enlace.security.tables import users as user_rows

PASSWORD = "nopal verde en la azotea"
NEW = "maguey azul bajo la lluvia"


@pytest.fixture(autouse=True)
def cheap_hasher(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(1, 1024, 1))


@pytest.fixture
def app(services: Services) -> object:
    services.settings = replace(services.settings, login_max_failures=3, lockout_seconds=60)
    with services.db.begin() as conn:
        for name in ("ana.garcia", "beto.ruiz"):
            users.add_user(
                conn, username=name, password=PASSWORD, role="pharmacist", now_us=0, user_id=name
            )
        conn.execute(
            refresh_tokens.insert().values(
                token_hash="r" * 64, family_id="f1", client_id="app", user_id="ana.garcia",
                scope="openid", expires_us=2**62,
            )
        )  # fmt: skip
    return create_app(services)


@pytest.fixture
def web(app: object) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as client:  # type: ignore[arg-type]
        yield client


@pytest.fixture
def other(app: object) -> Iterator[TestClient]:
    """Ana's second browser."""
    with TestClient(app, base_url="http://testserver") as client:  # type: ignore[arg-type]
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


def error_text(response: httpx.Response) -> str:
    found = re.search(r'id="error">([^<]+)<', response.text)
    return found.group(1) if found else ""


def sign_in(client: TestClient, password: str = PASSWORD, name: str = "ana.garcia") -> int:
    token = csrf_of(client.get("/login").text)
    form = {"username": name, "password": password, "csrf": token, "next": "/account"}
    return client.post("/login", data=form, follow_redirects=False).status_code


def change(client: TestClient, **fields: str) -> httpx.Response:
    form = {"current": PASSWORD, "new": NEW, "confirm": NEW, "end_others": "1", **fields}
    form["csrf"] = csrf_of(client.get("/account/password").text)
    return client.post("/account/password", data={k: v for k, v in form.items() if v != "-"})


def counts(services: Services) -> tuple[int, int, str]:
    """Ana's sessions, her live refresh tokens, and her password hash."""
    with services.db.begin() as conn:
        live = conn.execute(
            select(func.count()).where(sessions.c.user_id == "ana.garcia")
        ).scalar_one()
        tokens = conn.execute(
            select(func.count()).where(
                refresh_tokens.c.user_id == "ana.garcia", refresh_tokens.c.revoked.is_(False)
            )
        ).scalar_one()
        hashed = conn.execute(
            select(user_rows.c.password_hash).where(user_rows.c.id == "ana.garcia")
        ).scalar_one()
    return live, tokens, hashed


def test_change_password_ends_other_sessions_and_refresh_tokens(
    web: TestClient, other: TestClient, services: Services
) -> None:
    assert sign_in(web) == 303 and sign_in(other) == 303
    page = web.get("/account/password")
    assert 'src="/assets/account.js"' in page.text and '"minLength":12' in page.text.replace(
        "&#34;", '"'
    )
    done = change(web)
    assert done.status_code == 200 and 'id="notice"' in done.text
    assert "se cerraron tus otras sesiones" in done.text
    assert web.get("/account").status_code == 200  # this session goes on
    assert other.get("/account", follow_redirects=False).status_code == 303  # that one ended
    live, tokens, _ = counts(services)
    assert live == 1 and tokens == 0
    with TestClient(web.app, base_url="http://testserver") as fresh:
        assert sign_in(fresh) == 401  # the old password no longer works
        assert sign_in(fresh, NEW) == 303
    with services.db.begin() as conn:
        changes = conn.execute(
            select(func.count()).where(
                audit_log.c.actor == "ana.garcia", audit_log.c.interaction == "password-change"
            )
        ).scalar_one()
    assert changes == 1


def test_change_password_may_keep_other_sessions(
    web: TestClient, other: TestClient, services: Services
) -> None:
    sign_in(web)
    sign_in(other)
    done = change(web, end_others="-")
    assert done.status_code == 200 and "Tu contraseña se cambió." in done.text
    assert other.get("/account").status_code == 200
    assert counts(services)[:2] == (2, 1)


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"current": "not the password"}, 401, "La contraseña actual no es correcta"),
        ({"confirm": "maguey azul bajo la luna"}, 400, "La confirmación no coincide"),
        ({"new": PASSWORD, "confirm": PASSWORD}, 400, "debe ser distinta de la actual"),
        ({"new": "corta", "confirm": "corta"}, 400, "al menos 12 caracteres"),
        ({"new": "contraseña123", "confirm": "contraseña123"}, 400, "demasiado común"),
        ({"new": "x" * 2000, "confirm": "x" * 2000}, 400, "demasiado larga"),
    ],
)
def test_bad_input_changes_nothing(
    web: TestClient,
    other: TestClient,
    services: Services,
    fields: dict[str, str],
    status: int,
    message: str,
) -> None:
    sign_in(web)
    sign_in(other)
    before = counts(services)
    refused = change(web, **fields)
    assert refused.status_code == status and message in error_text(refused)
    assert counts(services) == before
    assert other.get("/account").status_code == 200


def test_username_as_password_is_refused_by_name(web: TestClient, services: Services) -> None:
    with services.db.begin() as conn:
        users.add_user(conn, username="carmen.lopez.r", password=PASSWORD, role="nurse", now_us=0)
    assert sign_in(web, name="carmen.lopez.r") == 303
    refused = change(web, new="Carmen.Lopez.R", confirm="Carmen.Lopez.R")
    assert refused.status_code == 400 and "no puede ser tu usuario" in error_text(refused)


def test_wrong_current_password_counts_towards_the_lockout(web: TestClient) -> None:
    sign_in(web)
    for _ in range(3):
        assert change(web, current="not the password").status_code == 401
    # Locked now: even the right current password gets the same answer, nothing changes.
    refused = change(web)
    assert refused.status_code == 401 and "bloqueada" in error_text(refused)
    with TestClient(web.app, base_url="http://testserver") as fresh:
        assert sign_in(fresh) == 401  # the login is locked too


def test_forged_csrf_is_refused(web: TestClient, services: Services) -> None:
    sign_in(web)
    before = counts(services)
    form = {"current": PASSWORD, "new": NEW, "confirm": NEW, "csrf": "0" * 64}
    refused = web.post("/account/password", data=form)
    assert refused.status_code == 403 and "formulario expiró" in error_text(refused)
    assert counts(services) == before


def test_signed_out_is_sent_to_login(web: TestClient) -> None:
    for path in ("/account/password", "/account/sessions"):
        response = web.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    posted = web.post("/account/password", data={"current": "x"}, follow_redirects=False)
    assert posted.status_code == 303


def test_session_list_shows_only_own_sessions_and_ends_one(
    web: TestClient, other: TestClient, services: Services
) -> None:
    sign_in(web)
    sign_in(other)
    with TestClient(web.app, base_url="http://testserver") as beto:
        sign_in(beto, name="beto.ruiz")
        beto_ids = re.findall(r'data-session="([^"]+)"', beto.get("/account/sessions").text)
        assert len(beto_ids) == 1
        page = web.get("/account/sessions")
        ids = re.findall(r'data-session="([^"]+)"', page.text)
        assert len(ids) == 2 and beto_ids[0] not in ids and "Esta sesión" in page.text
        token = csrf_of(page.text)
        # Beto's session is not Ana's to end: 404, nothing ended.
        refused = web.post("/account/sessions/end", data={"csrf": token, "session": beto_ids[0]})
        assert refused.status_code == 404 and "no es tuya" in error_text(refused)
        assert beto.get("/account").status_code == 200
    current = re.search(r'class="current" data-session="([^"]+)"', page.text)
    assert current is not None
    mine = current.group(1)
    other_id = next(i for i in ids if i != mine)
    # The current session is not ended from this list (sign out does that).
    kept = web.post("/account/sessions/end", data={"csrf": token, "session": mine})
    assert kept.status_code == 404
    ended = web.post(
        "/account/sessions/end", data={"csrf": token, "session": other_id}, follow_redirects=False
    )
    assert ended.status_code == 303 and ended.headers["location"] == "/account/sessions?ended=1"
    assert other.get("/account", follow_redirects=False).status_code == 303
    assert web.get("/account").status_code == 200


def test_end_all_others_needs_the_password(
    web: TestClient, other: TestClient, services: Services
) -> None:
    sign_in(web)
    sign_in(other)
    token = csrf_of(web.get("/account/sessions").text)
    wrong = web.post("/account/sessions/end-others", data={"csrf": token, "password": "nope"})
    assert wrong.status_code == 401 and "no es correcta" in error_text(wrong)
    assert counts(services)[:2] == (2, 1)
    done = web.post(
        "/account/sessions/end-others",
        data={"csrf": token, "password": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert counts(services)[:2] == (1, 0)
    assert other.get("/account", follow_redirects=False).status_code == 303
    assert "Se cerraron" in web.get("/account/sessions?ended=1").text


def test_the_next_sign_in_tells_of_the_change_once(
    web: TestClient, other: TestClient, services: Services
) -> None:
    sign_in(web)
    sign_in(other)
    change(web)
    assert other.get("/account", follow_redirects=False).status_code == 303  # ended
    token = csrf_of(other.get("/login").text)
    form = {"username": "ana.garcia", "password": NEW, "csrf": token, "next": "/patients"}
    first = other.post("/login", data=form, follow_redirects=False)
    assert first.headers["location"] == "/account?changed=1&next=%2Fpatients"
    page = other.get(first.headers["location"]).text
    assert "Tu contraseña o tu verificación en dos pasos se cambió el" in page
    assert 'href="/patients"' in page
    other.cookies.clear()
    token = csrf_of(other.get("/login").text)
    again = other.post("/login", data={**form, "csrf": token}, follow_redirects=False)
    assert again.headers["location"] == "/patients"  # told once, not at every sign-in
    assert 'id="last-change">' in other.get("/account").text


def test_english_page(web: TestClient) -> None:
    sign_in(web)
    page = web.get("/account/password?lang=en")
    assert ">Change password<" in page.text and "Show passwords" in page.text
    assert ">Active sessions<" in web.get("/account/sessions").text


def test_the_meter_script_is_served(web: TestClient) -> None:
    script = web.get("/assets/account.js")
    assert script.status_code == 200 and "policy.minLength" in script.text
    assert script.headers["content-type"].startswith("text/javascript")

"""Headless Chromium (Debian's, driven by Playwright) logs in to a live `enlace serve`.

Accounts are made with the real command line (`enlace users add`, `totp`, `unlock`) against the
server's database; the server locks an account after 3 failures (tests/e2e/conftest.py).
"""

from __future__ import annotations

import base64
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from enlace.security import totp
from tests.e2e.conftest import VENV_BIN, LoginServer

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "nopal verde en la azotea"
LOGIN_FAILED = "Usuario o contraseña incorrectos, o la cuenta está bloqueada temporalmente."

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} absent: apt-get install chromium"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


def enlace(server: LoginServer, *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [str(VENV_BIN / "enlace"), "users", *args],
        input=stdin,
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def add_user(server: LoginServer, username: str, display_name: str) -> None:
    enlace(
        server,
        "add",
        "--username",
        username,
        "--role",
        "physician",
        "--organization",
        "clinica-norte",
        "--display-name",
        display_name,
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: sync_api.Browser) -> Iterator[sync_api.Page]:
    context = browser.new_context(locale="es-MX")  # a fresh browser: no cookies
    yield context.new_page()
    context.close()


def submit_login(page: sync_api.Page, server: LoginServer, username: str, password: str) -> None:
    page.goto(f"{server.base}/login?next=%2Faccount")  # without `next`: the role's home
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")


def test_wrong_then_right_password(page: sync_api.Page, login_server: LoginServer) -> None:
    add_user(login_server, "ana.garcia", "Ana García")
    submit_login(page, login_server, "ana.garcia", "no es la contraseña")
    assert page.inner_text("#error") == LOGIN_FAILED
    assert page.input_value("#username") == "ana.garcia"
    assert page.input_value("#password") == ""
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/account")
    assert page.inner_text("#display-name") == "Ana García"
    assert page.inner_text("#role") == "Médico(a)"
    assert page.inner_text("#organization") == "clinica-norte"
    cookie = next(c for c in page.context.cookies() if c["name"] == "enlace_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_totp_step(page: sync_api.Page, login_server: LoginServer) -> None:
    add_user(login_server, "beto.ruiz", "Beto Ruiz")
    output = enlace(login_server, "totp", "--username", "beto.ruiz")
    uri = re.search(r"otpauth://\S+", output)
    assert uri, output
    secret_b32 = parse_qs(urlsplit(uri.group(0)).query)["secret"][0]
    secret = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    submit_login(page, login_server, "beto.ruiz", PASSWORD)
    page.wait_for_url("**/login/totp**")
    assert page.inner_text("h1") == "Verificación en dos pasos"
    page.fill("#code", totp.code_at(secret, time.time_ns() // 1000))
    page.click("button[type=submit]")
    page.wait_for_url("**/account")
    assert page.inner_text("#display-name") == "Beto Ruiz"
    assert page.inner_text("#totp") == "Activada"


def test_lockout_after_three_failures(page: sync_api.Page, login_server: LoginServer) -> None:
    add_user(login_server, "carla.mendez", "Carla Méndez")
    for _ in range(3):
        submit_login(page, login_server, "carla.mendez", "no es la contraseña")
        assert page.inner_text("#error") == LOGIN_FAILED
    submit_login(page, login_server, "carla.mendez", PASSWORD)
    assert page.inner_text("#error") == LOGIN_FAILED  # locked: the right password too
    assert "locked until" in enlace(login_server, "list")
    enlace(login_server, "unlock", "--username", "carla.mendez")
    submit_login(page, login_server, "carla.mendez", PASSWORD)
    page.wait_for_url("**/account")
    assert page.inner_text("#display-name") == "Carla Méndez"


def test_logout(page: sync_api.Page, login_server: LoginServer) -> None:
    add_user(login_server, "dora.silva", "Dora Silva")
    submit_login(page, login_server, "dora.silva", PASSWORD)
    page.wait_for_url("**/account")
    page.click("text=Cerrar sesión")
    page.wait_for_url("**/login?reason=signed-out")
    assert page.inner_text("#notice") == "Cerraste tu sesión."
    page.goto(f"{login_server.base}/account")
    page.wait_for_url("**/login?next=%2Faccount")
    assert page.inner_text("h1") == "Iniciar sesión"


def test_english_pages(page: sync_api.Page, login_server: LoginServer) -> None:
    page.goto(f"{login_server.base}/login")
    page.click("a.lang")
    assert page.inner_text("h1") == "Sign in"
    submit_login(page, login_server, "nobody.here", PASSWORD)  # the choice is remembered
    assert page.inner_text("#error").startswith("Wrong username or password")

"""Headless Chromium changes a password on a live `enlace serve`: the strength meter (which
must agree with the server's policy, sample by sample) and the show-password control."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from enlace.security import passwords
from tests.e2e.conftest import VENV_BIN, LoginServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} absent: apt-get install chromium"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

PASSWORD = "nopal verde en la azotea"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="es-MX")  # a fresh browser: no cookies
    yield context.new_page()
    context.close()


def add_user(server: LoginServer, username: str) -> None:
    """With the real command line, against the server's database (as test_login_browser)."""
    done = subprocess.run(
        [str(VENV_BIN / "enlace"), "users", "add", "--username", username, "--role", "nurse",
         "--password-stdin"],
        input=PASSWORD + "\n", env=server.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


NEW = "maguey azul bajo la lluvia"
SAMPLES = ("corta", "contraseña123", "aaaaaaaaaaaaaaa", "carla.diaz.m", "Carla.Diaz.M  ", NEW)


def test_meter_show_password_and_change(page: Page, login_server: LoginServer) -> None:
    add_user(login_server, "carla.diaz.m")
    page.goto(f"{login_server.base}/login?next=%2Faccount")
    page.fill("#username", "carla.diaz.m")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/account")
    page.click("#password-link")
    page.wait_for_url("**/account/password")
    assert page.is_visible("#meter") and page.is_visible("#show-control")
    form = page.locator("#password-form")
    for sample in SAMPLES:
        page.fill("#new", sample)
        shown = form.get_attribute("data-meter")
        server = passwords.policy_violation(sample, "carla.diaz.m")
        assert (shown if server else None) == server, sample  # the meter mirrors the server
        assert (shown in ("fair", "good", "strong")) == (server is None), sample
    assert page.inner_text("#meter-text") == "Fuerte."
    page.fill("#new", "corta")
    assert page.inner_text("#meter-text").startswith("La contraseña nueva debe tener al menos 12")
    page.fill("#new", NEW)
    assert page.get_attribute("#new", "type") == "password"
    page.check("#show-passwords")
    assert page.get_attribute("#new", "type") == "text"
    assert page.get_attribute("#current", "type") == "text"
    page.uncheck("#show-passwords")
    assert page.get_attribute("#new", "type") == "password"
    page.fill("#current", PASSWORD)
    page.fill("#confirm", NEW)
    page.check("#show-passwords")
    page.click("#password-form button[type=submit]")
    page.wait_for_selector("#notice")
    assert page.inner_text("#notice").startswith("Tu contraseña se cambió")
    assert page.get_attribute("#new", "type") == "password"

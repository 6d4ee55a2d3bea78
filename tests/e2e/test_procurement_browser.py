"""Headless Chromium through the regulator's procurement page of a live server, with the
CompraNet sample analysed and saved by the real command line (`enlace procurement flags
--save`). Saves a full-page screenshot to test-artifacts/screenshots/<test>.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import SHARED
from tests.e2e.conftest import _env, _serve
from tests.e2e.test_web_shell_browser import CHROMIUM, PASSWORD, SCREENSHOTS, add_user, cli

SAMPLE = SHARED / "data" / "procurement-mx" / "compranet_csv_sample"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} absent"),
    pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"{SAMPLE} absent"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("procurement-page")
    url = f"sqlite:///{workdir / 'enlace.db'}"
    env = _env(url, workdir)
    cli(env, "db", "upgrade")
    cli(env, "procurement", "flags", str(SAMPLE), "--save")
    add_user(env, "regulador", "regulator", "--display-name", "Regulador sanitario")
    for fhir in _serve(url, workdir):
        yield fhir.removesuffix("/fhir")


def test_regulator_reads_the_red_flags(base: str, request: pytest.FixtureRequest) -> None:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        page = browser.new_page(locale="es-MX", viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/procurement")
        page.wait_for_url("**/login?next=%2Fprocurement")
        page.fill("#username", "regulador")
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/procurement")
        assert page.get_attribute("nav a[href='/procurement']", "aria-current") == "page"
        assert page.locator("#datasets tbody tr").count() == 1
        assert page.locator("#flags tbody tr").count() == 50
        page.click("#counts a:has-text('R003')")
        page.wait_for_url("**indicator=R003**")
        assert page.inner_text("#flags-heading") == "Alertas de R003"
        assert page.is_visible("#no-prices")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        browser.close()

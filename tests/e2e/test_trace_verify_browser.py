"""A patient verifies a pack from its QR code: headless Chromium (Debian's, through Playwright)
opens the Digital Link that `enlace trace qr` printed for the pack, on a live server whose chain
was captured over HTTP (`POST /epcis/capture`), and reads the verdict. Each test saves a
full-page screenshot to test-artifacts/screenshots/<test>.png.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from enlace.modules.catalog import facilities
from enlace.modules.trace.epcis_locations import register_facilities
from enlace.store.database import open_database
from tests.e2e.conftest import VENV_BIN, _env, _serve
from tests.integration.trace_epcis_support import (
    GTIN,
    LOT,
    PHARMACY,
    commissioning,
    document,
    event,
    pack,
)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} absent: apt-get install chromium"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@dataclass(frozen=True)
class Chain:
    base: str  # http://127.0.0.1:<port>
    workdir: Path


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(VENV_BIN / "enlace"), *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    """Packs 1-3 commissioned; 1 and 2 received by a pharmacy; 1 dispensed."""
    workdir = tmp_path_factory.mktemp("verify-browser")
    url = f"sqlite:///{workdir / 'enlace.db'}"
    cli(_env(url, workdir), "db", "upgrade")
    db = open_database(url)
    with db.begin() as conn:
        register_facilities(conn)
    db.dispose()
    events = [
        commissioning(["1", "2", "3"]),
        event("ObjectEvent", 60, "shipping", epcs=[pack("1"), pack("2")]),
        event("ObjectEvent", 180, "receiving", epcs=[pack("1"), pack("2")], place=PHARMACY),
        event("ObjectEvent", 240, "dispensing", epcs=[pack("1")], place=PHARMACY),
    ]
    for fhir in _serve(url, workdir, {"ENLACE_LOG_CHECKPOINT_SECONDS": "0"}):
        base = fhir.removesuffix("/fhir")
        answer = httpx.post(f"{base}/epcis/capture", json=document(*events), timeout=30)
        assert answer.status_code == 201, answer.text
        yield Chain(base, workdir)


def qr_link(chain: Chain, serial: str) -> str:
    """The link `enlace trace qr` prints for a pack (and the PNG it writes beside it)."""
    out = chain.workdir / f"pack-{serial}.png"
    args = ("--gtin", GTIN, "--lot", LOT, "--serial", serial, "--expiry", "271130")
    printed = cli(
        _env("", chain.workdir), "trace", "qr", *args, "--base", chain.base, "--out", str(out)
    )
    assert out.read_bytes().startswith(b"\x89PNG")
    return printed.strip()


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: sync_api.Browser, request: pytest.FixtureRequest) -> Iterator[sync_api.Page]:
    # A phone: patients scan the code with one.
    context = browser.new_context(locale="es-MX", viewport={"width": 390, "height": 844})
    page = context.new_page()
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def test_patient_scans_an_authentic_pack(page: sync_api.Page, chain: Chain) -> None:
    response = page.goto(qr_link(chain, "2"))
    assert response is not None and response.status == 200
    verdict = page.locator("#verdict")
    assert verdict.get_attribute("role") == "status"
    assert page.locator("#verdict-headline").inner_text() == "Auténtico: puede usarse"
    assert "verde" in verdict.inner_text().lower()  # the colour is said in words too
    assert page.locator("#lot").inner_text() == LOT
    custody = page.locator("#custody").inner_text()
    pharmacy = facilities(state="09")[1]  # trace_epcis_support.PHARMACY
    assert custody.endswith(f"{pharmacy.municipality_name}, Ciudad de México")
    assert pharmacy.name not in page.content()  # coarse: never the facility itself
    page.locator("#proof summary").click()
    assert page.locator("#checkpoint").is_visible()
    assert int(page.locator("#tree-size").inner_text()) == 4


def test_patient_scans_a_dispensed_pack_in_english(page: sync_api.Page, chain: Chain) -> None:
    page.goto(qr_link(chain, "1"))
    assert page.locator("#verdict").get_attribute("data-status") == "already_dispensed"
    page.click("a.lang")
    assert page.locator("#verdict-headline").inner_text() == "Authentic, already given to a patient"
    assert page.locator("html").get_attribute("lang") == "en"


def test_patient_scans_an_unknown_pack(page: sync_api.Page, chain: Chain) -> None:
    response = page.goto(qr_link(chain, "FAKE01"))
    assert response is not None and response.status == 404
    assert page.locator("#verdict").get_attribute("role") == "alert"
    assert "No auténtico o desconocido" in page.locator("#verdict-headline").inner_text()

"""The analytics dashboards in headless Chromium (Playwright) against a live server: a regulator
opens the public-health board, picks an indicator, drills down national → state → institution
→ network → clinic (small cells "< 11" with their tooltip), downloads the CSV and the Parquet
of what the page shows (suppressed there too) and opens a clinic of excellence's explanation;
a physician opens their panel, lists their patients and downloads them, and prints their
clinic's monthly PDF.

The world is dashboard_support's (three clinics, 58 patients, hand-computed values), written
through the platform's own services and materialized into the DuckDB file the server reads.
Screenshots are kept under the pytest tmp dir and copied to $ENLACE_ARTIFACTS when it is set.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.e2e.conftest import _env, _serve
from tests.e2e.test_web_shell_browser import CHROMIUM, PASSWORD, add_user, cli

ROOT = Path(__file__).resolve().parents[2]
PERIOD = "2026-09"
SEED = (
    "from enlace import bootstrap\n"
    "from tests.integration.analytics.dashboard_support import seed\n"
    "seed(bootstrap.build())\n"
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} absent"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@dataclass(frozen=True)
class World:
    base: str
    shots: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp("analytics-dashboards")
    url = f"sqlite:///{workdir / 'enlace.db'}"
    env = _env(url, workdir)
    cli(env, "db", "upgrade")
    seeded = subprocess.run([sys.executable, "-c", SEED], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert seeded.returncode == 0, seeded.stderr
    add_user(env, "regulador", "regulator")
    add_user(env, "dra.a", "physician", "--organization", "umf-a",
             "--fhir-user", "Practitioner/dr-a")  # fmt: skip
    shots = workdir / "screenshots"
    shots.mkdir()
    for fhir in _serve(url, workdir):
        yield World(fhir.removesuffix("/fhir"), shots)
    artifacts = os.environ.get("ENLACE_ARTIFACTS")
    if artifacts:
        shutil.copytree(shots, Path(artifacts) / "analytics-screenshots", dirs_exist_ok=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: sync_api.Browser) -> Iterator[sync_api.Page]:
    context = browser.new_context(locale="es-MX", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)  # fmt: skip
    yield context.new_page()
    context.close()


def sign_in(page: sync_api.Page, world: World, username: str) -> None:
    page.goto(f"{world.base}/")
    page.wait_for_url("**/login?next=%2F")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("nav")


def shot(page: sync_api.Page, world: World, name: str) -> None:
    page.screenshot(path=str(world.shots / f"{name}.png"), full_page=True)


def cell(page: sync_api.Page, indicator: str, unit: str) -> str:
    return page.inner_text(f"#row-{indicator}-{unit} td.value").strip()


def download(page: sync_api.Page, selector: str, target: Path) -> Path:
    with page.expect_download() as info:
        page.click(selector)
    info.value.save_as(str(target))
    return target


def test_regulator_drills_down_and_downloads(
    page: sync_api.Page, world: World, tmp_path: Path
) -> None:
    sign_in(page, world, "regulador")
    page.click("nav >> text=Tableros")
    page.click("#board-public-health")
    page.fill("input[name=period]", PERIOD)
    page.select_option("select[name=indicator]", "dm2_hba1c_lt7")
    page.click("#filters button[type=submit]")
    assert cell(page, "dm2_hba1c_lt7", "MX") == "60.34"  # 35 of 58
    assert page.is_visible("#series svg") and page.is_visible("#excellence")
    shot(page, world, "01-national")
    for level in ("state", "institution", "network", "clinic"):
        page.click("#indicators a.drill")
        page.wait_for_url(f"**level={level}**")
    shot(page, world, "02-clinics")
    assert cell(page, "dm2_hba1c_lt7", "umf-c") == "50"
    small = page.locator("#row-dm2_hba1c_lt7-umf-b td.value span.suppressed")
    assert small.inner_text() == "< 11"
    assert (
        small.get_attribute("title")
        == "suprimido: menos de 11 personas (protección de la privacidad)"
    )
    rows = list(csv.DictReader(download(page, "#download-csv", tmp_path / "t.csv").open()))
    values = {r["unit"]: r["value"] for r in rows if r["indicator"] == "dm2_hba1c_lt7"}
    assert values == {"umf-a": "", "umf-b": "", "umf-c": "50.0"}
    parquet = download(page, "#download-parquet", tmp_path / "t.parquet")
    found = dict(duckdb.sql(f"SELECT unit, value FROM '{parquet}' "
                            "WHERE indicator = 'dm2_hba1c_lt7'").fetchall())  # fmt: skip
    assert found == {"umf-a": None, "umf-b": None, "umf-c": 50.0}
    page.goto(f"{world.base}/analytics/public-health?period={PERIOD}")
    page.click("#excellence a.why >> nth=0")
    page.wait_for_selector("#why li")
    shot(page, world, "03-excellence")


def test_physician_lists_own_patients_and_prints_report(page: sync_api.Page, world: World) -> None:
    sign_in(page, world, "dra.a")
    page.goto(f"{world.base}/analytics/panel?period={PERIOD}&indicator=dm2_hba1c_lt7")
    assert cell(page, "dm2_hba1c_lt7", "dr-a") == "75"  # 18 of 24
    page.click("#indicators a.drill")
    page.wait_for_selector("#patients")
    assert page.locator("#patients tbody tr").count() == 24
    shot(page, world, "04-panel-patients")
    pdf = page.request.get(f"{world.base}/analytics/report.pdf?clinic=umf-a&period={PERIOD}")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    other = page.request.get(f"{world.base}/analytics/report.pdf?clinic=umf-c&period={PERIOD}")
    assert other.status == 403

"""Headless Chromium (Debian's, driven by Playwright) through the web shell of a live server.

Data comes from the real command line (`enlace catalog load`, `enlace sim population`,
`enlace users add`) and a few dated HbA1c Observations posted to the FHIR API, so the chart has a
series. Each test saves a full-page screenshot to test-artifacts/screenshots/<test>.png.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import VENV_BIN, _env, _serve

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "nopal verde en la azotea"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
HBA1C = [("2025-02-03", 8.6), ("2025-05-12", 8.1), ("2025-08-20", 7.4), ("2025-11-18", 6.9)]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} absent: apt-get install chromium"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@dataclass(frozen=True)
class Shell:
    base: str  # http://127.0.0.1:<port>
    patient_id: str  # a synthetic patient with baseline measurements, and a login
    family: str  # their family name, to search for
    other_id: str  # someone else's record


def cli(env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = subprocess.run(
        [str(VENV_BIN / "enlace"), *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def add_user(env: dict[str, str], username: str, role: str, *extra: str) -> None:
    cli(env, "users", "add", "--username", username, "--role", role, "--password-stdin", *extra,
        stdin=PASSWORD + "\n")  # fmt: skip


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shell]:
    workdir = tmp_path_factory.mktemp("web-shell")
    url = f"sqlite:///{workdir / 'enlace.db'}"
    env = _env(url, workdir)
    cli(env, "db", "upgrade")
    cli(env, "catalog", "load")
    cli(env, "sim", "population", "--patients", "40", "--seed", "7", "--states", "JAL")
    for fhir in _serve(url, workdir):
        patient_id, family, other_id = _chart_data(fhir)
        add_user(env, "dra.ruiz", "physician", "--organization", "clinica-norte",
                 "--display-name", "Dra. Elena Ruiz")  # fmt: skip
        add_user(env, "paciente.uno", "patient", "--fhir-user", f"Patient/{patient_id}",
                 "--patient", patient_id, "--display-name", "Paciente Uno")  # fmt: skip
        yield Shell(fhir.removesuffix("/fhir"), patient_id, family, other_id)


def _chart_data(fhir: str) -> tuple[str, str, str]:
    """A patient with a baseline HbA1c (the API runs without auth here: the platform itself),
    four more dated HbA1c results for them, and another patient's id."""
    with httpx.Client(base_url=fhir, timeout=30) as client:
        found = client.get(
            "/Observation", params={"code": "http://loinc.org|4548-4", "_count": "2"}
        )
        subjects = [e["resource"]["subject"]["reference"] for e in found.json()["entry"]]
        patient_id, other_id = (s.removeprefix("Patient/") for s in subjects)
        for day, value in HBA1C:
            observation = {
                "resourceType": "Observation",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
                "subject": {"reference": f"Patient/{patient_id}"},
                "effectiveDateTime": day,
                "valueQuantity": {
                    "value": value,
                    "unit": "%",
                    "system": "http://unitsofmeasure.org",
                    "code": "%",
                },
            }
            response = client.post(
                "/Observation", json=observation, headers={"Content-Type": "application/fhir+json"}
            )
            assert response.status_code == 201, response.text
        patient = client.get(f"/Patient/{patient_id}").json()
    return patient_id, patient["name"][0]["family"], other_id


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: sync_api.Browser, request: pytest.FixtureRequest) -> Iterator[sync_api.Page]:
    context = browser.new_context(locale="es-MX", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page: sync_api.Page, shell: Shell, username: str) -> None:
    page.goto(f"{shell.base}/")  # anonymous: to the login page, and back home after
    page.wait_for_url("**/login?next=%2F")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")


def test_physician_searches_and_opens_a_patient(page: sync_api.Page, shell: Shell) -> None:
    sign_in(page, shell, "dra.ruiz")
    page.wait_for_url(f"{shell.base}/")
    assert page.inner_text("#viewer") == "Dra. Elena Ruiz"
    assert page.get_attribute("nav a[href='/']", "aria-current") == "page"
    page.fill("#name", shell.family.split()[0])
    page.click("form.search button[type=submit]")
    page.wait_for_url("**/patients?**")
    assert page.locator("#results tbody tr").count() >= 1
    assert page.get_attribute("nav a[href='/patients']", "aria-current") == "page"
    page.click(f"#results a[href='/patients/{shell.patient_id}']")
    page.wait_for_url(f"**/patients/{shell.patient_id}")
    assert page.inner_text("h1") and page.locator("#demographics dd").count() == 6
    chart = page.locator("#chart-hba1c svg[role=img]")
    assert chart.count() == 1
    assert chart.locator("circle").count() == len(HBA1C) + 1  # the baseline and four more
    assert "Meta < 7 %" in (chart.text_content() or "")
    page.click("#chart-hba1c summary")
    assert page.locator("#chart-hba1c table tbody tr").count() == len(HBA1C) + 1
    assert page.is_visible("#chart-hba1c table")


def test_english_switch(page: sync_api.Page, shell: Shell) -> None:
    sign_in(page, shell, "dra.ruiz")
    page.wait_for_url(f"{shell.base}/")
    page.goto(f"{shell.base}/patients/{shell.patient_id}")
    page.click("a.lang")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#conditions-heading") == "Conditions"
    assert "Target < 7%" in (page.locator("#chart-hba1c svg").text_content() or "")
    page.goto(f"{shell.base}/patients")  # the choice is remembered
    assert page.inner_text("h1") == "Find patients"


def test_patient_sees_only_their_record(page: sync_api.Page, shell: Shell) -> None:
    sign_in(page, shell, "paciente.uno")
    page.wait_for_url(f"**/patients/{shell.patient_id}")
    assert page.locator("#chart-hba1c svg[role=img]").count() == 1
    assert page.locator("nav a[href='/patients']").count() == 0
    response = page.goto(f"{shell.base}/patients/{shell.other_id}")
    assert response is not None and response.status == 404
    assert page.inner_text("h1") == "No encontramos esa página"

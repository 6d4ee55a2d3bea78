"""The patient app in headless Chromium (Debian's, through Playwright) on a phone-sized screen
against a live `enlace serve`: the service worker keeps the app; offline, the patient checks off a
dose and types a high glucose; back online, both reach the server once (read from its database);
a second high glucose alerts the physician, who sees the alert and the chart (issue 16's "done
when" for a smartphone patient). Also: the first load of /app/ stays within the 300 KB budget.
Screenshots go to test-artifacts/screenshots/<test>.png."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import _env, _serve
from tests.e2e.test_web_shell_browser import CHROMIUM, PASSWORD, SCREENSHOTS, add_user, cli

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} absent: apt-get install chromium"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "es-MX", "timezone_id": "America/Mexico_City"}  # fmt: skip
PATIENT, RX = "app-pac-1", "app-rx-met"
BUDGET_BYTES = 300 * 1024


@dataclass(frozen=True)
class Live:
    base: str
    db: Path


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    workdir = tmp_path_factory.mktemp("patient-app")
    db = workdir / "enlace.db"
    url = f"sqlite:///{db}"
    env = _env(url, workdir)
    cli(env, "db", "upgrade")
    for fhir in _serve(url, workdir):
        _record(fhir)
        add_user(env, "rosa", "patient", "--fhir-user", f"Patient/{PATIENT}", "--patient", PATIENT,
                 "--display-name", "Rosa Ramírez")  # fmt: skip
        add_user(env, "dra.luna", "physician", "--display-name", "Dra. Luna")
        yield Live(fhir.removesuffix("/fhir"), db)


def _record(fhir: str) -> None:
    """The patient and a twice-a-day metformin (the API runs without auth here: the platform)."""
    start = (date.today() - timedelta(days=20)).isoformat()
    end = (date.today() + timedelta(days=60)).isoformat()
    resources: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": PATIENT, "gender": "female", "birthDate": "1960-02-11",
         "name": [{"family": "Ramírez", "given": ["Rosa"]}]},
        {"resourceType": "MedicationRequest", "id": RX, "status": "active", "intent": "order",
         "subject": {"reference": f"Patient/{PATIENT}"}, "authoredOn": start,
         "medicationCodeableConcept": {"text": "Metformina 850 mg"},
         "dosageInstruction": [{"text": "1 tableta con desayuno y cena", "timing": {
             "repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}}}],
         "dispenseRequest": {"validityPeriod": {"start": start, "end": end},
                             "numberOfRepeatsAllowed": 2,
                             "expectedSupplyDuration": {"value": 30, "unit": "d"}}},
    ]  # fmt: skip
    with httpx.Client(base_url=fhir, timeout=30) as client:
        for resource in resources:
            path = f"/{resource['resourceType']}/{resource['id']}"
            answer = client.put(
                path, json=resource, headers={"Content-Type": "application/fhir+json"}
            )
            assert answer.status_code in (200, 201), answer.text


def rows(live: Live, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(live.db) as conn:
        return list(conn.execute(sql))


@pytest.fixture(scope="module")
def browser() -> Iterator[sync_api.Browser]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: sync_api.Browser, request: pytest.FixtureRequest) -> Iterator[sync_api.Page]:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page: sync_api.Page, live: Live, username: str, target: str) -> None:
    page.goto(f"{live.base}{target}")
    page.wait_for_url("**/login?next=**")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{target}")


def wait_until(page: sync_api.Page, expression: str, seconds: float = 30) -> None:
    """Poll a page expression (wait_for_function evaluates strings, which the app's CSP forbids)."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        page.wait_for_timeout(100)


def queued(page: sync_api.Page) -> int:
    return int(page.evaluate("JSON.parse(localStorage.getItem('enlace.app.queue') || '[]').length"))


def test_offline_dose_and_reading_sync_on_reconnect_and_reach_the_physician(
    phone: sync_api.Page, live: Live, browser: sync_api.Browser
) -> None:
    sign_in(phone, live, "rosa", "/app/")
    assert phone.inner_text("h1") == "Mis medicinas de hoy"
    # The service worker controls the app and has kept the readings tab for offline use.
    readings_url = f"/app/readings?patient={PATIENT}"
    wait_until(phone, "navigator.serviceWorker.controller !== null")
    wait_until(phone, f"caches.match('{readings_url}').then(r => !!r)")

    phone.context.set_offline(True)
    row = phone.locator(f"#dose-{RX}-0800")
    row.locator("button[value=taken]").click()
    assert "taken" in (row.get_attribute("class") or "") and "queued" in (
        row.get_attribute("class") or ""
    )
    assert "Sin conexión" in phone.inner_text("#app-status")
    phone.click(f"nav.app-tabs a[href='{readings_url}']")  # served by the service worker
    phone.wait_for_selector("#reading-form")
    phone.select_option("#measure", "glucose")
    phone.fill("#value", "320")
    phone.click("#reading-form button[type=submit]")
    assert "Guardado en el teléfono" in phone.inner_text("#local-feedback")
    assert "peligroso" in phone.inner_text("#local-feedback")  # said offline, on the phone
    assert queued(phone) == 2
    assert rows(live, "select count(*) from engagement_doses") == [(0,)]
    assert rows(live, "select count(*) from engagement_readings") == [(0,)]

    phone.context.set_offline(False)  # back in signal: the queue goes up by itself
    wait_until(phone, "JSON.parse(localStorage.getItem('enlace.app.queue') || '[]').length === 0")
    assert "muy alta (320 mg/dL)" in phone.inner_text("#local-feedback")
    assert rows(live, "select request, slot, status, source from engagement_doses") == [
        (RX, "08:00", "taken", "app")]  # fmt: skip
    assert rows(live, "select count(*) from engagement_readings") == [(1,)]
    assert rows(live, "select count(*) from monitoring_readings where code = '41653-7'") == [(1,)]

    # A second high glucose, online: two capillary readings in a row page the physician.
    phone.fill("#value", "310")
    phone.click("#reading-form button[type=submit]")
    wait_until(phone, "document.querySelector('#local-feedback').textContent.includes('avisado')")
    assert rows(live, "select rule, patient from monitoring_alerts") == [("glucose-high", PATIENT)]

    doctor = browser.new_context(locale="es-MX").new_page()
    sign_in(doctor, live, "dra.luna", "/alerts")
    assert doctor.locator(f"a[href='/patients/{PATIENT}']").count() >= 1
    doctor.goto(f"{live.base}/patients/{PATIENT}/monitoring")
    assert doctor.locator("#chart-glucose svg[role=img] circle").count() == 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    doctor.screenshot(path=str(SCREENSHOTS / "patient_app_physician_sees.png"), full_page=True)
    doctor.context.close()


def test_the_app_page_loads_within_the_data_budget(phone: sync_api.Page, live: Live) -> None:
    sign_in(phone, live, "rosa", "/app/")
    cdp = phone.context.new_cdp_session(phone)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    # A first visit's bytes: the service worker an earlier test installed would otherwise answer
    # from its cache, and nothing would cross the network to be counted.
    cdp.send("Network.setBypassServiceWorker", {"bypass": True})
    sizes: dict[str, float] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    phone.goto(f"{live.base}/app/?patient={PATIENT}", wait_until="load")
    phone.wait_for_timeout(500)
    total = sum(sizes.values())
    assert 0 < total <= BUDGET_BYTES, total

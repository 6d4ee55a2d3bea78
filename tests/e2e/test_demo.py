"""`make demo` end to end at a small size (200 people, 30 days): the same script the Makefile runs
builds the network, prints a login per role, and a live server lets each of them in to a network
with a history (visits, prescriptions, laboratory results)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from enlace.security.roles import ROLES
from tests.e2e.conftest import VENV_BIN, _serve

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
ROLE_LABELS_ES = {"physician": "Médico(a)", "patient": "Paciente"}


@dataclass(frozen=True)
class Demo:
    base: str
    output: str
    seconds: float
    accounts: dict[str, tuple[str, str, str]]  # role -> (username, password, bound to)


def _accounts(output: str) -> dict[str, tuple[str, str, str]]:
    found = {}
    for line in output.splitlines():
        match = re.match(r"^  (\w+)\s+(\S+)\s+(demo-\S+)\s+(.*)$", line)
        if match:
            found[match.group(1)] = (match.group(2), match.group(3), match.group(4))
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    workdir = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{workdir / 'enlace.db'}"
    env = {
        **os.environ,
        "ENLACE_DATABASE_URL": url,
        "ENLACE_VAR_DIR": str(workdir),
        "BIN": str(VENV_BIN),
        "DEMO_PATIENTS": "200",
        "DEMO_DAYS": "30",
        "DEMO_REGISTRY_PORT": str(_free_port()),
    }
    started = time.monotonic()
    done = subprocess.run(
        [str(ROOT / "scripts" / "demo.sh")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,  # a few minutes on a quiet machine; the shared 2 cores can be loaded
    )
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    for fhir_base in _serve(url, workdir):
        yield Demo(fhir_base.removesuffix("/fhir"), done.stdout, seconds, _accounts(done.stdout))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _login(base: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=True, timeout=30)
    form = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf, form.text[:500]
    fields = {"csrf": csrf.group(1), "next": "/account", "username": username}
    answer = client.post("/login", data={**fields, "password": password})
    assert answer.status_code == 200 and answer.url.path == "/account", answer.text[:500]
    return client


def test_the_demo_prints_a_login_for_every_role(demo: Demo) -> None:
    assert set(demo.accounts) == set(ROLES), demo.output
    assert "days 0-29 (2026-01-01 to 2026-01-30)" in demo.output


@pytest.mark.parametrize("role", ROLES)
def test_each_role_logs_in(demo: Demo, role: str) -> None:
    username, password, _ = demo.accounts[role]
    client = _login(demo.base, username, password)
    try:
        account = client.get("/account")
    finally:
        client.close()
    assert f'<dd id="username">{username}</dd>' in account.text
    if role in ROLE_LABELS_ES:
        assert ROLE_LABELS_ES[role] in account.text


def test_the_network_has_a_history(demo: Demo) -> None:
    patient = demo.accounts["patient"][2].removeprefix("Patient/")
    fhir = f"{demo.base}/fhir"
    counts = {
        kind: httpx.get(f"{fhir}/{kind}", params={"_summary": "count"}).json()["total"]
        for kind in ("Patient", "Encounter", "MedicationRequest", "Observation", "Practitioner")
    }
    assert counts["Patient"] == 200 and counts["Practitioner"] > 50
    assert counts["Encounter"] >= 8 and counts["MedicationRequest"] >= 15, counts
    visits = httpx.get(f"{fhir}/Encounter", params={"subject": f"Patient/{patient}"}).json()
    assert visits["total"] >= 1  # the demo patient was chosen among those seen in the period


def test_the_physician_and_the_patient_see_the_patient_page(demo: Demo) -> None:
    patient = demo.accounts["patient"][2].removeprefix("Patient/")
    other = demo.accounts["caregiver"][2].split(", ")[1].removeprefix("Patient/")
    for role in ("physician", "patient"):
        username, password, _ = demo.accounts[role]
        client = _login(demo.base, username, password)
        try:
            page = client.get(f"/patients/{patient}")
            hidden = client.get(f"/patients/{other}")
        finally:
            client.close()
        assert page.status_code == 200 and "<svg" in page.text, page.text[:500]
        assert _first_prescription(demo, patient) in page.text
        assert hidden.status_code == (200 if role == "physician" else 404)


def _first_prescription(demo: Demo, patient: str) -> str:
    found = httpx.get(
        f"{demo.base}/fhir/MedicationRequest", params={"subject": f"Patient/{patient}"}
    ).json()
    return str(found["entry"][0]["resource"]["medicationReference"]["display"])


CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} absent: apt-get install chromium")
def test_browser_physician_opens_the_demo_patient(demo: Demo) -> None:
    """What a newcomer sees: the physician logs in and opens the demo patient's history."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    username, password, _ = demo.accounts["physician"]
    patient = demo.accounts["patient"][2].removeprefix("Patient/")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_context(locale="es-MX").new_page()
            page.goto(f"{demo.base}/login")
            page.fill("#username", username)
            page.fill("#password", password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{demo.base}/")
            page.goto(f"{demo.base}/patients/{patient}")
            assert page.locator("svg[role=img]").count() >= 2
            assert _first_prescription(demo, patient) in page.inner_text("main")
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "demo_patient_page.png"), full_page=True)
        finally:
            browser.close()


def test_the_demo_heart_failure_alert_escalated_to_the_hospital(demo: Demo) -> None:
    """The issue's 'done when': the demo HF patient's weight crept up, nobody acknowledged the
    alert, it climbed to on-call and to a referral to the public hospital."""
    referrals = httpx.get(
        f"{demo.base}/fhir/ServiceRequest", params={"code": "http://snomed.info/sct|3457005"}
    ).json()
    assert referrals["total"] >= 1, referrals
    username, password, _ = demo.accounts["administrator"]
    client = _login(demo.base, username, password)
    try:
        inbox = client.get("/alerts")
    finally:
        client.close()
    assert inbox.status_code == 200
    assert "Aumento de peso (insuficiencia cardiaca)" in inbox.text, inbox.text[:2000]


def test_the_demo_network_is_measured_for_adherence(demo: Demo) -> None:
    """Issue 11's 'scored demo network': the daily job ran on the last day and the network page
    shows the therapies measured (the administrator sees counts under 11 too)."""
    assert "therapies measured" in demo.output and "scored (v1" in demo.output, demo.output
    username, password, _ = demo.accounts["administrator"]
    client = _login(demo.base, username, password)
    try:
        page = client.get("/adherence/network")
    finally:
        client.close()
    assert page.status_code == 200 and 'id="pdc-histogram"' in page.text, page.text[:2000]
    therapies = re.search(r'<dd id="fig-therapies">([0-9,]+)</dd>', page.text)
    assert therapies and int(therapies.group(1).replace(",", "")) > 0


def test_the_demo_cooperative_held_its_assembly(demo: Demo) -> None:
    """Issue 15's 'done when': members voted on the accounts and elected the council's president
    by ranked choice, the tallies verify, the demo patient's printed receipt is in the box, and
    the year's surplus reached the members with a statement each."""
    year = re.search(r"^assembly asamblea-(\d{4}): held now", demo.output, re.M)
    receipt = re.search(r"^receipt of socio-paciente on (\S+): ([0-9a-f]+) choice (.+)$",
                        demo.output, re.M)  # fmt: skip
    assert year and receipt and demo.output.count("  verify: ok") == 2, demo.output[-2000:]
    council = httpx.get(f"{demo.base}/voting/consejo-{year.group(1)}/tally").json()
    assert council["result"]["decision"] == "elected" and len(council["result"]["rounds"]) >= 1
    public = httpx.get(f"{demo.base}/coop/transparency").text
    assert 'id="decisions"' in public and f'<th scope="row">{year.group(1)}</th>' in public
    username, password, _ = demo.accounts["patient"]
    client = _login(demo.base, username, password)
    try:
        assemblies = client.get("/assemblies")
        vote = client.get(f"/votes/{receipt.group(1)}")
        sent = {"csrf": re.findall(r'name="csrf" value="([^"]+)"', vote.text)[-1],
                "receipt": receipt.group(2), "choice": receipt.group(3)}  # fmt: skip
        checked = client.post(f"/votes/{receipt.group(1)}/verify", data=sent)
        mine = client.get("/coop/me")
    finally:
        client.close()
    assert f"asamblea-{year.group(1)}" in assemblies.text
    assert 'id="tally-ok"' in vote.text and "adopted" in vote.text
    assert "Tu voto está en la urna contada." in checked.text, checked.text[:2000]
    statement = re.search(r'<table class="list" id="statement">.*?</table>', mine.text, re.S)
    assert statement and f'<th scope="row">{year.group(1)}</th>' in statement.group(0)


def _page(demo: Demo, role: str, path: str) -> str:
    username, password, _ = demo.accounts[role]
    client = _login(demo.base, username, password)
    try:
        page = client.get(path)
    finally:
        client.close()
    assert page.status_code == 200, (path, page.text[:1000])
    return page.text


def test_the_demo_referral_closed_with_a_counter_referral(demo: Demo) -> None:
    """Issue 14's 'done when', care: the heart-failure alert's referral was accepted by the
    hospital, seen and closed with a counter-referral; the hospital's coordinator sees it closed,
    the demo patient has free times to book and a teleconsult."""
    closed = re.search(r"^ServiceRequest/(\S+)\tcompleted\t(\S+)\t.*counter-referral "
                       r"ServiceRequest/(\S+)$", demo.output, re.M)  # fmt: skip
    assert closed, demo.output[-3000:]
    assert demo.accounts["coordinator"][2] == closed.group(2).removeprefix("Organization/")
    received = _page(demo, "coordinator", "/referrals/received")
    row = re.search(rf'<tr id="referral-{closed.group(1)}".*?</tr>', received, re.S)
    assert row and "Cerrada" in row.group(0), received[:3000]
    counter = httpx.get(f"{demo.base}/fhir/ServiceRequest/{closed.group(3)}").json()
    assert counter["basedOn"] == [{"reference": f"ServiceRequest/{closed.group(1)}"}]
    booking = _page(demo, "patient", "/appointments/book")
    assert 'id="slot-' in booking and 'id="mine-' in booking


def test_the_demo_home_infusion_was_documented(demo: Demo) -> None:
    visit = re.search(r"^home visit (\S+) on (\S+)\t\S+\tdocumented\t", demo.output, re.M)
    assert visit, demo.output[-3000:]
    day = _page(demo, "nurse", f"/homecare/day?date={visit.group(2)}")
    item = re.search(rf'<li id="visit-{visit.group(1)}">.*?</li>', day, re.S)
    assert item and 'class="status-documented"' in item.group(0), day[:3000]
    given = httpx.get(f"{demo.base}/fhir/MedicationAdministration",
                      params={"_summary": "count"}).json()  # fmt: skip
    assert given["total"] >= 1


def test_the_demo_vigilance_signal_was_detected(demo: Demo) -> None:
    signals = _page(demo, "regulator", "/vigilance/signals")
    row = re.search(r"<tr>\s*<th scope=\"row\">enalapril</th><td>10011224</td>.*?</tr>",
                    signals, re.S)  # fmt: skip
    assert row and "PRR, ROR, IC" in row.group(0), signals[:3000]


def test_the_demo_registry_received_its_cases(demo: Demo) -> None:
    """Registry cases flowed by subscription to the stand-in national registry: every case of
    the cancer registry was reported, per institution."""
    assert re.search(r"^cancer\t\d+ notification\(s\)\t[1-9]\d* case\(s\)$", demo.output, re.M)
    page = _page(demo, "regulator", "/registry/cancer")
    cases = re.search(r'<td id="total-cases">(\d+)</td>', page)
    reported = re.search(r'<td id="total-reported">(\d+)</td>', page)
    assert cases and reported and int(cases.group(1)) > 0, page[:3000]
    assert reported.group(1) == cases.group(1)


_ROW = re.compile(r'<tr id="row-([^"]+)"[^>]*>(.*?)</tr>', re.S)
_VALUE = re.compile(r'<td class="value">(.*?)</td>', re.S)


def _values(html: str) -> dict[str, str]:
    """Row id (indicator-unit) -> the value cell's text, of a board's indicator table."""
    found = {}
    for row, body in _ROW.findall(html):
        value = _VALUE.search(body)
        found[row] = re.sub(r"<[^>]+>", "", value.group(1)).strip() if value else ""
    return found


def test_the_public_health_board_opens_on_numbers(demo: Demo) -> None:
    """Brief H1: opened without parameters, the board shows the month of the latest simulated
    records (not an empty last month), with numbers; by clinic, patients are attributed to
    their clinics (Patient.managingOrganization, written by the simulated registration desk)."""
    national = _values(_page(demo, "regulator", "/analytics/public-health"))
    numbers = [v for v in national.values() if re.fullmatch(r"-?\d+(\.\d+)?", v)]
    assert len(numbers) >= 3, national
    by_clinic = _values(_page(demo, "regulator", "/analytics/public-health?level=clinic"))
    attributed = [r for r, v in by_clinic.items() if "clinic" in r and v != "no calculable"]
    assert attributed, by_clinic

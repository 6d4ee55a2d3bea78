"""Headless Chromium on a phone-sized viewport through a nurse's training on a live server: the
staff imported by the real command line (`enlace import`), she signs in, enrols, takes the
module's quiz and sees her certificate; a patient opens an education page without signing in.
Saves a screenshot to test-artifacts/screenshots/<test>.png."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from enlace.modules import education
from tests.e2e.conftest import _env, _serve
from tests.e2e.test_web_shell_browser import CHROMIUM, PASSWORD, SCREENSHOTS, add_user, cli

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} absent"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
PHONE = {"width": 390, "height": 844}


def _staff(path: Path) -> Path:
    nurse = {"resourceType": "Practitioner", "id": "pr-nurse", "active": True,
             "name": [{"family": "López", "given": ["Ana"]}]}  # fmt: skip
    role = {"resourceType": "PractitionerRole", "id": "prr-nurse", "active": True,
            "practitioner": {"reference": "Practitioner/pr-nurse"},
            "organization": {"reference": "Organization/org-clinic-e2e"},
            "code": [{"coding": [{"code": "nurse"}]}]}  # fmt: skip
    path.write_text("\n".join(json.dumps(r) for r in (nurse, role)) + "\n")
    return path


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("training-page")
    url = f"sqlite:///{workdir / 'enlace.db'}"
    env = _env(url, workdir)
    cli(env, "db", "upgrade")
    cli(env, "import", str(_staff(workdir / "staff.ndjson")))
    add_user(env, "enf.ana", "nurse", "--fhir-user", "Practitioner/pr-nurse")
    for fhir in _serve(url, workdir):
        yield fhir.removesuffix("/fhir")


def test_a_nurse_takes_a_module_on_her_phone(base: str, request: pytest.FixtureRequest) -> None:
    module = education.course("htn-control").modules[0]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        page = browser.new_page(locale="es-MX", viewport=PHONE)
        page.goto(f"{base}/training")
        page.wait_for_url("**/login?next=%2Ftraining")
        page.fill("#username", "enf.ana")
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{base}/training")
        page.click("#enrol-htn-control")
        page.wait_for_url(f"{base}/training")
        page.click(f"a[href='/training/htn-control/{module.id}']")
        page.wait_for_url(f"**/training/htn-control/{module.id}")
        for n, question in enumerate(module.questions):
            page.check(f"input[name='q{n}'][value='{question.answer}']")
        page.click("#quiz button[type=submit]")
        page.wait_for_selector("#certificate")
        assert "100 %" in page.inner_text("#result")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
        page.goto(f"{base}/training")
        assert "1/1" in page.inner_text("#course-htn-control")
        reader = browser.new_page(locale="es-MX", viewport=PHONE)  # no session: an SMS link
        reader.goto(f"{base}/learn/insulin-start")
        assert reader.inner_text("h1") == "Empiezas insulina: paso a paso"
        browser.close()

"""The adherence pages through the HTTP app on both stores: before the first run every page says
"sin datos" (never 0 %); after a run with a trained model the physician sees the therapy at
risk with its reason in words, the nurse the outreach call and marks it done (CSRF, own clinic
only), the network page the PDC distribution with small groups suppressed for an analyst but
not the administrator; other roles get the 403 page; Spanish and English."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules.adherence import model, service
from tests.integration.adherence.job_support import AS_OF, CLINIC, DOCTOR, small_world
from tests.integration.adherence.test_adherence_job_scores import tiny_model
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def ran(services: Services) -> Services:
    model.save(tiny_model(10.0), model.default_directory(services.settings.var_dir))
    small_world(services)
    service.run_daily(services, AS_OF)
    return services


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_before_the_first_run_pages_say_no_data(services: Services, web: TestClient) -> None:
    sign_in_as(services, web, "dra.lopez", "physician", fhir_user=f"Practitioner/{DOCTOR}")
    page = web.get("/adherence/panel")
    assert page.status_code == 200 and "Sin datos" in page.text and "0 %" not in page.text
    web.cookies.clear()
    sign_in_as(services, web, "admin", "administrator")
    network = web.get("/adherence/network")
    assert network.status_code == 200 and "Sin datos" in network.text
    assert "0 %" not in network.text and 'id="pdc-histogram"' not in network.text


def test_physician_sees_the_therapy_at_risk_with_its_reason(ran: Services, web: TestClient) -> None:
    sign_in_as(ran, web, "dra.lopez", "physician", fhir_user=f"Practitioner/{DOCTOR}")
    page = web.get("/adherence/panel")
    assert page.status_code == 200, page.text
    assert "Terapias en riesgo" in page.text and "31 dic 2025" in page.text
    row = page.text[page.text.index('id="therapy-p1-1"') :].split("</tr>")[0]
    # p1: metformin, 0 days left, PDC 90/92 = 98 %, last fill 30 Nov, a nurse call today
    assert "Metformina 850 mg" in row and "alto" in row
    assert "Se le acaba o ya se le acabó el medicamento" in row
    assert "0 días" in row and "98 %" in row and "30 nov 2025" in row
    assert "Llamada de enfermería" in row
    assert "therapy-p2" not in page.text  # p2 stopped in July: not active, not scored
    english = web.get("/adherence/panel?lang=en")
    assert (
        "Therapies at risk" in english.text and "Supply is running or has run out" in english.text
    )


def test_nurse_marks_the_outreach_call_done(ran: Services, web: TestClient) -> None:
    sign_in_as(ran, web, "enf.ruiz", "nurse", organization=CLINIC, fhir_user="Practitioner/n1")
    page = web.get("/adherence/outreach")
    assert page.status_code == 200, page.text
    [task] = re.findall(r'id="task-([^"]+)"', page.text)
    assert "Ana Uno" in page.text and "Marcar como hecha" in page.text
    done = web.post(
        f"/adherence/outreach/{task}/done", data={"csrf": csrf(page.text)}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/adherence/outreach"
    with ran.db.read() as conn:
        stored = ran.repo.read(conn, "Task", task).resource()
    assert stored["status"] == "completed"
    assert stored["note"][-1]["authorReference"]["reference"] == "Practitioner/n1"
    assert "No hay llamadas pendientes" in web.get("/adherence/outreach").text
    again = web.post(f"/adherence/outreach/{task}/done", data={"csrf": csrf(page.text)})
    assert again.status_code == 400  # no longer open: a problem page, not a 500


def test_a_nurse_of_another_clinic_cannot_close_the_task(ran: Services, web: TestClient) -> None:
    sign_in_as(ran, web, "enf.ruiz", "nurse", organization=CLINIC)
    page = web.get("/adherence/outreach")
    [task] = re.findall(r'id="task-([^"]+)"', page.text)
    token = csrf(page.text)
    web.cookies.clear()
    sign_in_as(ran, web, "enf.otra", "nurse", organization="org-c2")
    assert 'id="task-' not in web.get("/adherence/outreach").text
    refused = web.post(f"/adherence/outreach/{task}/done", data={"csrf": token})
    assert refused.status_code in (400, 404)
    with ran.db.read() as conn:
        assert ran.repo.read(conn, "Task", task).resource()["status"] == "requested"


def test_network_suppresses_small_groups_for_the_analyst(ran: Services, web: TestClient) -> None:
    sign_in_as(ran, web, "analista", "analyst")
    page = web.get("/adherence/network")
    assert page.status_code == 200, page.text
    assert 'id="pdc-histogram"' in page.text and 'id="persistence"' in page.text
    # two therapies in all: every count is under 11
    assert '<dd id="fig-therapies">&lt; 11</dd>' in page.text
    assert 'id="condition-diabetes"' in page.text and "90 %" not in page.text
    web.cookies.clear()
    sign_in_as(ran, web, "admin", "administrator")
    admin = web.get("/adherence/network?lang=en")
    assert '<dd id="fig-therapies">2</dd>' in admin.text and "Network adherence" in admin.text
    # one of the two PDCs (98 % and 28 %) is at least 80 %
    assert '<dd id="fig-adherent">50 %</dd>' in admin.text


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/adherence/panel", "nurse"),
        ("/adherence/outreach", "physician"),
        ("/adherence/network", "physician"),
        ("/adherence/network", "pharmacist"),
    ],
)
def test_other_roles_get_the_403_page(
    services: Services, web: TestClient, path: str, role: str
) -> None:
    sign_in_as(services, web, f"u-{role}", role, organization=CLINIC)
    page = web.get(path)
    assert page.status_code == 403


def test_panel_without_a_practitioner_link_is_bad_input(
    services: Services, web: TestClient
) -> None:
    sign_in_as(services, web, "dr.sinliga", "physician")
    assert web.get("/adherence/panel").status_code == 400

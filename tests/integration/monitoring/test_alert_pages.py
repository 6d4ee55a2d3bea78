"""The alert pages through the HTTP app on both stores: the inbox triaged by severity with each
alert's evidence and a link to the patient, acknowledge and resolve (CSRF), refusals shown as the
problem page with nothing changed, 403 for other roles, the network view and its bad input."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules.monitoring import domain as d
from tests.integration.monitoring.alert_support import (
    DOCTOR,
    MINUTE,
    alert_rows,
    care_world,
    ingest,
    now_us,
    reading,
    resource,
)
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
CLINIC_ORG = "org-clinic-l1-imss-09015"


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


def two_alerts(services: Services) -> tuple[str, str]:
    p = care_world(services)
    t = now_us(services)
    [warning] = ingest(services, [reading(p, d.CAPILLARY_GLUCOSE, 65, t)])
    [urgent] = ingest(services, [reading(p, d.BP_PANEL, 190, t + MINUTE, value2=100)])
    return warning, urgent


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_inbox_shows_evidence_worst_first(services: Services, web: TestClient) -> None:
    warning, urgent = two_alerts(services)
    sign_in_as(services, web, "dra.lopez", "physician", organization=CLINIC_ORG, fhir_user=DOCTOR)
    page = web.get("/alerts")
    assert page.status_code == 200, page.text
    assert page.text.index(f'id="alert-{urgent}"') < page.text.index(f'id="alert-{warning}"')
    assert "Crisis hipertensiva: 190/100 mmHg (umbral &gt;180/&gt;120)" in page.text
    assert "<td>190/100 mm[Hg]</td>" in page.text and "Presión arterial" in page.text
    assert '<a href="/patients/p-alert">' in page.text and "Urgente" in page.text
    assert 'href="/alerts"' in page.text  # the navigation link
    english = web.get("/alerts?lang=en")
    assert "Hypertensive crisis" in english.text and "Acknowledge" in english.text


def test_acknowledge_and_resolve_from_the_page(services: Services, web: TestClient) -> None:
    _, urgent = two_alerts(services)
    sign_in_as(services, web, "dra.lopez", "physician", organization=CLINIC_ORG, fhir_user=DOCTOR)
    token = csrf(web.get("/alerts").text)
    done = web.post(f"/alerts/{urgent}/acknowledge", data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/alerts"
    row = next(r for r in alert_rows(services) if r.id == urgent)
    assert row.status == "acknowledged" and row.acknowledged_by == DOCTOR
    page = web.get("/alerts")
    assert f'action="/alerts/{urgent}/acknowledge"' not in page.text and "Enterado" in page.text
    token = csrf(page.text)
    web.post(f"/alerts/{urgent}/resolve", data={"csrf": token, "note": "Se ajustó el tratamiento"})
    row = next(r for r in alert_rows(services) if r.id == urgent)
    assert row.status == "resolved"
    assert resource(services, "Task", row.task_id)["note"][-1]["text"] == "Se ajustó el tratamiento"
    assert f'id="alert-{urgent}"' not in web.get("/alerts").text


@pytest.mark.parametrize(
    ("path", "data", "status"),
    [
        ("/alerts/{id}/resolve", {"note": "  "}, 400),  # no note
        ("/alerts/{id}/acknowledge", {"csrf": "forged"}, 400),  # bad CSRF token
        ("/alerts/no-such-alert/acknowledge", {}, 404),
        ("/alerts/{id}/delete", {}, 404),
    ],
)
def test_refused_actions_change_nothing(
    services: Services, web: TestClient, path: str, data: dict[str, str], status: int
) -> None:
    _, urgent = two_alerts(services)
    sign_in_as(services, web, "dra.lopez", "physician", organization=CLINIC_ORG, fhir_user=DOCTOR)
    form = {"csrf": csrf(web.get("/alerts").text), **data}
    before = [tuple(r) for r in alert_rows(services)]
    answer = web.post(path.format(id=urgent), data=form)
    assert answer.status_code == status and 'id="problem"' in answer.text
    assert [tuple(r) for r in alert_rows(services)] == before


def test_other_clinics_and_roles_do_not_see_the_alerts(services: Services, web: TestClient) -> None:
    _, urgent = two_alerts(services)
    sign_in_as(
        services,
        web,
        "dr.otro",
        "physician",
        organization="org-clinic-l1-imss-09003",
        fhir_user="Practitioner/x",
    )
    page = web.get("/alerts")
    assert page.status_code == 200 and f'id="alert-{urgent}"' not in page.text
    answer = web.post(f"/alerts/{urgent}/acknowledge", data={"csrf": csrf(page.text)})
    assert answer.status_code == 404 and alert_rows(services)[1].status == "open"
    sign_in_as(services, web, "farm.uno", "pharmacist")
    assert web.get("/alerts").status_code == 403
    assert web.get("/alerts/network").status_code == 403


def test_network_view(services: Services, web: TestClient) -> None:
    warning, _ = two_alerts(services)
    sign_in_as(services, web, "dra.lopez", "physician", organization=CLINIC_ORG, fhir_user=DOCTOR)
    web.post(f"/alerts/{warning}/acknowledge", data={"csrf": csrf(web.get("/alerts").text)})
    sign_in_as(services, web, "ana.lista", "analyst")
    page = web.get("/alerts/network?days=30")
    assert page.status_code == 200, page.text
    row = re.search(
        r'<th scope="row">Organization/org-clinic-l1-imss-09015</th>(.*?)</tr>', page.text, re.S
    )
    assert row
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells[:3] == ["2", "1", "1"]  # opened, unacknowledged, acknowledged
    assert cells[3].endswith(" s") and cells[5:] == ["0", "0"]
    assert web.get("/alerts/network?days=0").status_code == 400
    assert web.get("/alerts/network?days=abc").status_code == 400

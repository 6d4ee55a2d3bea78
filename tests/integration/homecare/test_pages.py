"""The home-care pages on both stores: the nurse sees her route, documents the infusion from
the phone form (a lot in quarantine comes back named, nothing written), another nurse gets 403;
the coordinator sees the plan with an unassigned visit's reason; other roles are refused."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from enlace.interactions.context import Services
from enlace.modules import homecare
from tests.integration.coldchain.support import INSULIN, LOT
from tests.integration.coldchain.test_flow import open_excursion
from tests.integration.homecare.support import DAY, setup
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]


def csrf(text: str) -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', text)
    assert token is not None
    return token.group(1)


def test_nurse_documents_from_her_phone(client: TestClient, services: Services) -> None:
    open_excursion(client, services)  # insulin lot INS-A1 quarantined at the clinic
    setup(services, medication=INSULIN)
    with services.db.begin() as conn:
        homecare.plan_day(conn, DAY)
        (visit,) = homecare.day_visits(conn, DAY)
    sign_in_as(services, client, "enf.bea", "nurse", fhir_user="Practitioner/bea")
    assert client.get(f"/homecare/visits/{visit.id}").status_code == 403
    assert 'id="none"' in client.get(f"/homecare/day?date={DAY}").text
    sign_in_as(services, client, "enf.ana", "nurse", fhir_user="Practitioner/ana")
    day = client.get(f"/homecare/day?date={DAY}")
    assert day.status_code == 200
    assert "Infusión domiciliaria" in day.text and "09:00" in day.text
    assert f'href="/homecare/visits/{visit.id}"' in day.text
    form = client.get(f"/homecare/visits/{visit.id}")
    assert form.status_code == 200 and 'name="lot"' in form.text
    fields = {"csrf": csrf(form.text), "vital-heart-rate": "82", "lot": LOT, "dose": "10"}
    refused = client.post(f"/homecare/visits/{visit.id}", data={**fields, "unit": "[iU]"})
    assert refused.status_code == 409
    assert f"lot {LOT} of {INSULIN} is in cold-chain quarantine" in refused.text
    assert 'value="82"' in refused.text  # what she typed is kept
    fields = {**fields, "csrf": csrf(refused.text), "lot": "INS-B2", "unit": "[iU]"}
    done = client.post(f"/homecare/visits/{visit.id}", data=fields, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert "Documentada" in client.get(f"/homecare/day?date={DAY}").text
    assert client.get("/homecare/day?date=26-11-2026").status_code == 400


def test_coordinator_plan_and_refused_roles(client: TestClient, services: Services) -> None:
    setup(services)
    with services.db.begin() as conn:
        away = homecare.Need("east", "p-east", "nursing", "oriente", 19.4, -99.05, DAY, 7)
        homecare.add_need(conn, away)
    sign_in_as(services, client, "admin.1", "administrator")
    page = client.get(f"/homecare/plan?date={DAY}")
    assert page.status_code == 200 and 'id="none"' in page.text
    planned = client.post(
        "/homecare/plan", data={"csrf": csrf(page.text), "date": str(DAY)}, follow_redirects=False
    )
    assert planned.status_code == 303
    after = client.get(f"/homecare/plan?date={DAY}").text
    assert "Planeada" in after and "Sin asignar" in after
    assert "zone oriente: no nurse covers the visit&#39;s zone" in after
    sign_in_as(services, client, "dr.1", "physician")
    assert client.get("/homecare/plan").status_code == 403
    assert client.get("/homecare/day").status_code == 403

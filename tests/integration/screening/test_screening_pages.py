"""The screening pages through the HTTP app on both stores: the clinic worklist (overdue
referrals, indicators, care gaps; Spanish and English), deciding a referral from it (CSRF, only a
physician of the owning clinic), the physician panel ranked by risk, and refusals (roles, no
clinic, unknown referral) shown as the problem page with nothing written."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules.screening import panel
from tests.integration.screening.followup_support import patient, put, referral
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
CLINIC = "org-c1"
DOCTOR = "Practitioner/d1"


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


@pytest.fixture
def world(services: Services) -> Services:
    patient(services, "p1", "Uno")
    patient(services, "p2", "Dos", birthDate="1970-01-01")
    referral(services, "t1", "p1", "diabetes", probability=0.12)
    referral(
        services, "t2", "p1", "hypertension", clinic="org-c2", authored="2025-11-01T10:00:00-06:00"
    )
    put(
        services,
        {
            "resourceType": "Encounter",
            "id": "e2",
            "status": "finished",
            "class": {"code": "AMB"},
            "subject": {"reference": "Patient/p2"},
            "serviceProvider": {"reference": f"Organization/{CLINIC}"},
            "participant": [{"individual": {"reference": DOCTOR}}],
            "period": {"start": "2025-11-01T10:00:00-06:00"},
        },
    )
    put(
        services,
        {
            "resourceType": "Condition",
            "id": "dm-p2",
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "active",
                    }
                ]
            },
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11.9"}]},
            "subject": {"reference": "Patient/p2"},
            "onsetDateTime": "2020-01-01",
        },
    )
    put(
        services,
        {
            "resourceType": "Encounter",
            "id": "e1",
            "status": "finished",
            "class": {"code": "AMB"},
            "subject": {"reference": "Patient/p1"},
            "participant": [{"individual": {"reference": DOCTOR}}],
        },
    )
    return services


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_worklist_shows_overdue_referrals_indicators_and_gaps(
    world: Services, web: TestClient
) -> None:
    sign_in_as(world, web, "enf.ruiz", "nurse", organization=CLINIC)
    page = web.get("/screening/worklist")
    assert page.status_code == 200, page.text
    assert 'id="referral-t1"' in page.text and 'id="referral-t2"' not in page.text
    assert "Vencida hace" in page.text and "Diabetes" in page.text
    assert (
        '<dd id="ind-overdue">1</dd>' in page.text and '<dd id="ind-referred">1</dd>' in page.text
    )
    assert "HbA1c pendiente" in page.text and "Revisión de pies" in page.text
    assert "/confirm" not in page.text  # a nurse sees, a physician decides
    english = web.get("/screening/worklist?lang=en")
    assert "Clinic worklist" in english.text and "Overdue by" in english.text
    assert "HbA1c due" in english.text


def test_physician_confirms_from_the_worklist(world: Services, web: TestClient) -> None:
    sign_in_as(world, web, "dra.lopez", "physician", organization=CLINIC, fhir_user=DOCTOR)
    token = csrf(web.get("/screening/worklist").text)
    done = web.post("/screening/referrals/t1/confirm", data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/screening/worklist"
    with world.db.read() as conn:
        task = world.repo.read(conn, "Task", "t1").resource()
        condition = world.repo.read(conn, "Condition", "t1-dx").resource()
    assert task["status"] == "completed" and condition["recorder"]["reference"] == DOCTOR
    page = web.get("/screening/worklist")
    assert 'id="referral-t1"' not in page.text and '<dd id="ind-linked">100 %</dd>' in page.text


def test_deciding_refusals_write_nothing(world: Services, web: TestClient) -> None:
    sign_in_as(world, web, "dra.lopez", "physician", organization=CLINIC, fhir_user=DOCTOR)
    token = csrf(web.get("/screening/worklist").text)
    other_clinic = web.post("/screening/referrals/t2/confirm", data={"csrf": token})
    assert other_clinic.status_code == 404
    unknown = web.post("/screening/referrals/nope/rule-out", data={"csrf": token})
    assert unknown.status_code == 404
    bad_action = web.post("/screening/referrals/t1/delete", data={"csrf": token})
    assert bad_action.status_code == 404
    expired = web.post("/screening/referrals/t1/confirm", data={"csrf": "forged"})
    assert expired.status_code == 400 and "expiró" in expired.text
    web.post("/screening/referrals/t1/confirm", data={"csrf": token})
    twice = web.post("/screening/referrals/t1/rule-out", data={"csrf": token})
    assert twice.status_code == 400 and "ya se decidió" in twice.text
    with world.db.read() as conn:
        assert world.repo.read(conn, "Task", "t2").resource()["status"] == "requested"
        assert world.repo.current(conn, "Condition", "t2-dx") is None


def test_roles_and_missing_clinic(world: Services, web: TestClient) -> None:
    sign_in_as(world, web, "farm", "pharmacist", organization=CLINIC)
    assert web.get("/screening/worklist").status_code == 403
    sign_in_as(world, web, "admin", "administrator")
    assert web.get("/screening/worklist").status_code == 400
    assert web.get(f"/screening/worklist?clinic={CLINIC}").status_code == 200
    assert web.get("/screening/worklist?clinic=bad%20id").status_code == 400
    sign_in_as(world, web, "enf", "nurse", organization=CLINIC)
    assert web.post("/screening/referrals/t1/confirm", data={"csrf": "x"}).status_code == 403
    assert web.get("/screening/panel").status_code == 403


def test_physician_panel_ranked_by_risk(world: Services, web: TestClient) -> None:
    sign_in_as(world, web, "dra.lopez", "physician", organization=CLINIC, fhir_user=DOCTOR)
    page = web.get("/screening/panel")
    assert page.status_code == 200, page.text
    assert page.text.index('id="row-p1"') < page.text.index('id="row-p2"')
    assert "12 %" in page.text and "HbA1c pendiente" in page.text
    with world.db.read() as conn:
        rows = panel.panel(conn, world.repo, "d1")
    assert [(r.patient, r.overdue_referrals) for r in rows] == [("p1", 2), ("p2", 0)]
    sign_in_as(world, web, "dr.sin", "physician", organization=CLINIC)
    assert web.get("/screening/panel").status_code == 400


def test_patient_page_shows_care_gaps_to_clinicians(world: Services, web: TestClient) -> None:
    sign_in_as(world, web, "dra.lopez", "physician", organization=CLINIC, fhir_user=DOCTOR)
    page = web.get("/patients/p2")
    assert page.status_code == 200, page.text
    assert 'id="care-gaps"' in page.text and 'class="gap-hba1c-due"' in page.text
    assert "Pendiente desde 2020-01-01" in page.text
    assert "HbA1c due" in web.get("/patients/p2?lang=en").text
    none = web.get("/patients/p1")
    assert 'id="care-gaps"' in none.text and 'class="gap-' not in none.text

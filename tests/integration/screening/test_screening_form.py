"""The screening form through the HTTP app on both stores: a clinic screening stored with the
classes shown in plain language and a referral for a probable disease; problems shown next to
their fields (not a number, an implausible waist, half a blood pressure) with nothing written;
roles; English."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules.screening import referrals
from enlace.store.schema import resources
from tests.integration.screening.followup_support import patient
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
CLINIC = "org-c1"
GOOD = {
    "setting": "clinic",
    "weight": "82",
    "height": "160",
    "waist": "98",
    "systolic": "152",
    "diastolic": "96",
    "glucose": "98",
    "glucoseKind": "fasting",
    "glucoseSample": "plasma",
    "age": "52",
    "sex": "female",
    "familyHistoryDiabetes": "first-degree",
    "physicalActivity": "no",
    "dailyVegetables": "yes",
    "everBpMedication": "no",
    "everHighGlucose": "no",
    "smoker": "no",
}


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    patient(services, "p1", "Uno", birthDate="1974-01-01", gender="female")
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def count(services: Services, kind: str) -> int:
    with services.db.read() as conn:
        query = select(func.count()).select_from(resources).where(resources.c.resource_type == kind)
        return int(conn.execute(query).scalar_one())


def test_clinic_screening_is_stored_and_explained(services: Services, web: TestClient) -> None:
    sign_in_as(services, web, "enf", "nurse", organization=CLINIC, fhir_user="Practitioner/n1")
    form = web.get("/patients/p1/screening")
    assert form.status_code == 200 and 'name="waist"' in form.text
    assert "Tamizaje de riesgo" in form.text and 'value="clinic" checked' in form.text
    done = web.post("/patients/p1/screening", data={**GOOD, "csrf": csrf(form.text)})
    assert done.status_code == 200, done.text
    assert 'id="outcome-hypertension" class="class-probable"' in done.text
    assert "Probable enfermedad" in done.text and "referido a su clínica" in done.text
    assert '<dd id="bmi">32.0 kg/m²</dd>' in done.text
    with services.db.read() as conn:
        found = referrals.open_referrals(conn, services.repo, CLINIC)
    assert {r.condition for r in found} == {"hypertension", "obesity"}  # BMI 32
    assert {r.patient for r in found} == {"p1"}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"waist": "noventa"}, "waist", "Escriba un número."),
        ({"waist": "900"}, "waist", "waist"),
        ({"diastolic": ""}, "systolic", "Escriba la presión sistólica y la diastólica."),
        ({"setting": "moon"}, "setting", "Elija una opción."),
    ],
)
def test_problems_next_to_their_field_nothing_written(
    services: Services, web: TestClient, changes: dict[str, str], field: str, message: str
) -> None:
    sign_in_as(services, web, "enf", "nurse", organization=CLINIC)
    token = csrf(web.get("/patients/p1/screening").text)
    refused = web.post("/patients/p1/screening", data={**GOOD, **changes, "csrf": token})
    assert refused.status_code == 400
    shown = re.search(rf'<span class="error" id="e-{field}">([^<]*)</span>', refused.text)
    assert shown and message in shown.group(1), refused.text[-3000:]
    assert 'aria-invalid="true"' in refused.text or field == "setting"
    assert "no se guardó nada" in refused.text
    assert count(services, "RiskAssessment") == 0 and count(services, "Observation") == 0


def test_roles_english_and_unknown_patient(services: Services, web: TestClient) -> None:
    sign_in_as(services, web, "farm", "pharmacist", organization=CLINIC)
    assert web.get("/patients/p1/screening").status_code == 403
    sign_in_as(services, web, "prom", "chw", organization=CLINIC)
    english = web.get("/patients/p1/screening?lang=en")
    assert "Risk screening" in english.text and 'value="community" checked' in english.text
    token = csrf(english.text)
    unknown = web.post("/patients/nobody/screening", data={**GOOD, "csrf": token})
    assert unknown.status_code == 400 and 'id="e-form"' in unknown.text
    assert web.get("/patients/bad%20id/screening").status_code == 404

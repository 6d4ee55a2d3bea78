"""The physician's prescription form through the HTTP app on both stores: issued with its
coverage at order, refused input shown beside its field (nothing stored), who may use it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from tests.integration.coverage_support import insured_world
from tests.integration.test_web_shell import cheap_hasher, sign_in_as
from tests.support.prescriptions import prescribers

__all__ = ["cheap_hasher"]

FORM = "/patients/p-imss/prescribe"
GOOD = {
    "medicine": "metformin-850-tab",
    "dose": "1",
    "unit": "{tbl}",
    "frequency": "2",
    "period": "d",
    "route": "26643006",
    "sig": "1 tableta cada 12 horas con alimentos",
    "days": "30",
    "quantity": "60",
    "refills": "2",
    "fulfilment": "pickup",
    "pharmacy": "",
}


@pytest.fixture
def world(services: Services) -> Services:
    return prescribers(insured_world(services))


@pytest.fixture
def web(world: Services) -> Iterator[TestClient]:
    with TestClient(create_app(world), base_url="http://testserver") as client:
        yield client


def as_physician(world: Services, web: TestClient, practitioner: str | None = "dr-1") -> None:
    fields = {"fhir_user": f"Practitioner/{practitioner}"} if practitioner else {}
    sign_in_as(world, web, f"dr.{practitioner}", "physician", **fields)


def csrf(web: TestClient) -> str:
    page = web.get(FORM)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def prescriptions(world: Services) -> int:
    with world.db.read() as conn:
        found = conn.exec_driver_sql(
            "SELECT count(*) FROM resources WHERE resource_type = 'MedicationRequest'"
        ).scalar()
    return int(found or 0)


def test_a_physician_issues_a_prescription_and_sees_its_coverage(
    world: Services, web: TestClient
) -> None:
    as_physician(world, web)
    token = csrf(web)
    page = web.post(FORM, data={**GOOD, "csrf": token})
    assert page.status_code == 200, page.text
    assert 'id="issued"' in page.text and "Receta emitida" in page.text
    assert 'id="covered" class="ok"' in page.text
    assert prescriptions(world) == 1
    record = web.get("/patients/p-imss")
    assert 'id="new-prescription"' in record.text


@pytest.mark.parametrize(
    ("change", "status", "field", "says"),
    [
        ({"quantity": "59"}, 422, "quantity", "do not last 30 days"),
        ({"dose": "uno"}, 400, "dose", "Escriba un número"),
        ({"refills": "40"}, 400, "refills", "refills"),
        ({"medicine": ""}, 400, "medicine", "Elija una opción"),
    ],
)
def test_refused_input_comes_back_beside_its_field(
    world: Services, web: TestClient, change: dict[str, str], status: int, field: str, says: str
) -> None:
    as_physician(world, web)
    page = web.post(FORM, data={**GOOD, **change, "csrf": csrf(web)})
    assert page.status_code == status, page.text
    assert f'id="{field}-error"' in page.text and says in page.text
    assert f'id="{field}" name="{field}"' in page.text
    assert prescriptions(world) == 0


def test_who_may_prescribe(world: Services, web: TestClient) -> None:
    as_physician(world, web)
    assert web.post(FORM, data=GOOD).status_code == 400  # no CSRF token
    assert web.get("/patients/nobody/prescribe").status_code == 404
    sign_in_as(world, web, "enf.1", "nurse")
    assert web.get(FORM).status_code == 403
    as_physician(world, web, practitioner=None)
    unlinked = web.get(FORM)
    assert unlinked.status_code == 400 and "no está vinculada" in unlinked.text
    assert prescriptions(world) == 0

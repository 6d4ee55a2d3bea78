"""The pharmacovigilance pages on both stores: the patient reports in words ("Reportar una
reacción"), a report without a medicine is the 400 page and writes nothing, the clinician
reports coded, the reviewer runs detection and moves a signal with a reason; roles refused."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules import vigilance
from enlace.modules.vigilance.tables import cases
from tests.integration.test_web_shell import cheap_hasher, sign_in_as
from tests.integration.vigilance.test_vigilance import patient, seeded_set

__all__ = ["cheap_hasher"]


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


def csrf(page_text: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page_text)
    assert found is not None
    return found.group(1)


def count(services: Services) -> int:
    with services.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(cases)).scalar_one())


def test_patient_reports_a_reaction_in_words(web: TestClient, services: Services) -> None:
    pid = patient(services)
    sign_in_as(services, web, "ana", "patient", fhir_user=f"Patient/{pid}", patients=(pid,))
    page = web.get("/my/reaction")
    assert page.status_code == 200 and "Reportar una reacción" in page.text
    token = csrf(page.text)
    missing = web.post("/my/reaction", data={"csrf": token, "drug": "", "words": "tos seca"})
    assert missing.status_code == 400 and count(services) == 0
    slug = re.search(r'<option value="([a-z0-9\-]+)">', page.text)
    assert slug is not None
    done = web.post(
        "/my/reaction",
        data={"csrf": token, "drug": slug.group(1), "words": "Me dio tos seca", "serious": "1"},
    )
    assert done.status_code == 200 and "Gracias. Recibimos su reporte" in done.text
    with services.db.read() as conn:
        (row,) = conn.execute(select(cases)).all()
    assert (row.patient, row.drug, row.event, row.serious) == (pid, slug.group(1), "10011224", True)
    assert web.get("/my/reaction?patient=someone-else").status_code == 404
    assert web.get("/vigilance/signals").status_code == 403


def test_clinician_report_and_signal_review(web: TestClient, services: Services) -> None:
    pid = patient(services)
    sign_in_as(services, web, "dr.1", "physician", fhir_user="Practitioner/dr1")
    page = web.get("/vigilance/report")
    assert page.status_code == 200
    slug = re.search(r'<option value="([a-z0-9\-]+)">', page.text)
    assert slug is not None
    form = {"csrf": csrf(page.text), "patient": pid, "drug": slug.group(1),
            "meddra": "10037844|Rash"}  # fmt: skip
    assert web.post("/vigilance/report", data=form).status_code == 200
    unknown = web.post("/vigilance/report", data={**form, "patient": "nobody"})
    assert unknown.status_code == 400 and count(services) == 1
    seeded_set(services, pid)
    listing = web.get("/vigilance/signals")
    token = csrf(listing.text)
    assert web.post("/vigilance/signals", data={"csrf": token, "detect": "1"},
                    follow_redirects=False).status_code == 303  # fmt: skip
    after = web.get("/vigilance/signals")
    assert "drug-x" in after.text and "PRR, ROR, IC" in after.text and "Nueva" in after.text
    move = {"csrf": token, "drug": "drug-x", "event": "10037844", "to": "under_review"}
    assert web.post("/vigilance/signals", data={**move, "reason": ""}).status_code == 400
    moved = web.post("/vigilance/signals", data={**move, "reason": "6 casos"},
                     follow_redirects=False)  # fmt: skip
    assert moved.status_code == 303
    with services.db.read() as conn:
        (steps,) = vigilance.history(conn, "drug-x", "10037844")
    assert (steps["to_status"], steps["actor"], steps["reason"]) == (
        "under_review", "Practitioner/dr1", "6 casos",
    )  # fmt: skip
    sign_in_as(services, web, "paciente", "patient", patients=(pid,))
    assert web.get("/vigilance/report").status_code == 403

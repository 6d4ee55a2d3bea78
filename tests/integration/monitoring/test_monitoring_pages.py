"""The monitoring pages through the HTTP app on both stores: the timeline and the AGP report in
Spanish and English, the PDF, who may see them (403/404), the caregiver who follows a patient
under their Consent, and bad input as the friendly 400 page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules.monitoring import registry
from enlace.security.tables import audit_log
from tests.integration.monitoring.support_readings import cgm_days, patient, put, vitals
from tests.integration.monitoring.test_reports import consent
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    patient(services, "p1", "Uno")
    patient(services, "p2", "Dos")
    cgm_days(services, "p1", 14)
    cgm_days(services, "p2", 3)
    vitals(services, "p1")
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


def test_physician_sees_the_timeline_in_spanish_and_english(
    web: TestClient, services: Services
) -> None:
    sign_in_as(services, web, "dra.ruiz", "physician")
    page = web.get("/patients/p1/monitoring")
    assert page.status_code == 200, page.text
    text = page.text
    assert '<html lang="es-MX">' in text and "Monitoreo de Ana Uno" in text
    for chart in ("chart-bp", "chart-glucose", "chart-weight", "chart-spo2"):
        assert f'id="{chart}"' in text
    assert 'id="bp-summary"' in text and "150/95" in text  # the morning mean
    assert 'id="weight-summary"' in text and 'id="recent-readings"' in text
    assert "Sin dispositivos." in text
    record = web.get("/patients/p1").text
    assert 'id="monitoring-link" href="/patients/p1/monitoring"' in record
    english = web.get("/patients/p1/monitoring?days=90&lang=en").text
    assert "Monitoring of Ana Uno" in english and "Blood pressure" in english
    assert 'aria-current="page">90 days' in english


def test_the_charts_are_bounded(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "dra.ruiz", "physician")
    text = web.get("/patients/p1/monitoring?days=30").text
    glucose = text[text.index('id="chart-glucose"') : text.index('id="chart-weight"')]
    path = re.search(r'<path d="([^"]*)"', glucose)
    assert path is not None and 100 < path.group(1).count("L") < 500  # 4,032 readings drawn


def test_agp_page_and_pdf(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "dra.ruiz", "physician")
    page = web.get("/patients/p1/agp")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Perfil ambulatorio de glucosa" in text and 'id="gmi"' in text
    assert 'id="tir-bar"' in text and 'id="agp-profile"' in text and 'id="agp-daily"' in text
    assert "En rango (70-180)" in text and text.count('class="day-profile"') == 14
    assert "Glucose management indicator" in web.get("/patients/p1/agp?lang=en").text
    pdf = web.get("/patients/p1/agp.pdf?days=14&lang=es")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    mean = re.search(r'id="mean">(\d+) mg/dL', text)
    assert mean is not None
    assert f"{mean.group(1)} mg/dL".encode() in pdf.content
    assert "Indicador de manejo de glucosa".encode("latin-1") in pdf.content


def test_insufficient_data_is_said_not_hidden(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "dra.ruiz", "physician")
    text = web.get("/patients/p2/agp").text
    assert 'id="insufficient"' in text and 'id="gmi"' not in text
    assert b"Datos insuficientes" in web.get("/patients/p2/agp.pdf").content


def test_unrelated_people_get_nothing(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "farma", "pharmacist")
    assert web.get("/patients/p1/monitoring").status_code == 403
    assert web.get("/patients/p1/agp.pdf").status_code == 403
    web.cookies.clear()
    sign_in_as(services, web, "paciente2", "patient", fhir_user="Patient/p2", patients=["p2"])
    assert web.get("/patients/p1/monitoring").status_code == 404
    assert web.get("/patients/p2/monitoring").status_code == 200
    web.cookies.clear()
    sign_in_as(
        services, web, "cuidadora", "caregiver", fhir_user="RelatedPerson/rp1", patients=["p2"]
    )
    assert web.get("/patients/p1/monitoring").status_code == 403
    assert web.get("/patients/p1/agp").status_code == 403


def test_bad_days_is_the_400_page(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "dra.ruiz", "physician")
    for url in (
        "/patients/p1/monitoring?days=7",
        "/patients/p1/agp?days=91",
        "/patients/p1/agp.pdf?days=x",
    ):
        answer = web.get(url)
        assert answer.status_code == 400, url
        assert "14, 30 o 90" in answer.text


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_caregiver_follows_with_consent_and_sees_the_timeline(
    web: TestClient, services: Services
) -> None:
    sign_in_as(
        services, web, "cuidadora", "caregiver", fhir_user="RelatedPerson/rp1", patients=["p2"]
    )
    listing = web.get("/monitoring/following")
    assert listing.status_code == 200 and 'id="none"' in listing.text
    form = {"csrf": csrf_of(listing.text), "patient": "p1", "consent": "follow-p1"}
    refused = web.post("/monitoring/following", data=form, follow_redirects=False)
    assert refused.status_code == 400 and "consentimiento" in refused.text
    put(services, consent("p1", "RelatedPerson/rp1"))
    done = web.post("/monitoring/following", data=form, follow_redirects=False)
    assert done.status_code == 303
    listing = web.get("/monitoring/following").text
    assert 'href="/patients/p1/monitoring"' in listing and "Ana Uno" in listing
    page = web.get("/patients/p1/monitoring")
    assert page.status_code == 200 and "Monitoreo de Ana Uno" in page.text
    assert web.get("/patients/p1/agp").status_code == 200
    stop = {"csrf": csrf_of(listing), "patient": "p1", "action": "stop"}
    assert web.post("/monitoring/following", data=stop, follow_redirects=False).status_code == 303
    assert web.get("/patients/p1/monitoring").status_code == 403


def test_each_page_of_readings_is_in_the_patients_access_log(
    web: TestClient, services: Services
) -> None:
    sign_in_as(services, web, "dra.ruiz", "physician")
    assert web.get("/patients/p1/monitoring").status_code == 200
    assert web.get("/patients/p1/agp.pdf").status_code == 200
    with services.db.read() as conn:
        rows = conn.execute(
            select(audit_log.c.interaction).where(
                audit_log.c.patient_id == "p1", audit_log.c.interaction.like("monitoring-%")
            )
        ).all()
    assert sorted(r[0] for r in rows) == ["monitoring-agp", "monitoring-timeline"]


def test_the_timeline_lists_the_devices_with_last_contact_and_battery(
    web: TestClient, services: Services
) -> None:
    with services.db.begin() as conn:
        device_id, _ = registry.add_device(conn, services.repo, kind="cgm", patient="p1")
        device = registry.require(conn, device_id)
        seen = epoch_us(services.repo.clock())
        registry.record_contact(conn, services.repo, device, seen, 64, None)
    sign_in_as(services, web, "dra.ruiz", "physician")
    text = web.get("/patients/p1/monitoring").text
    devices = text[text.index('id="devices"') :]
    assert device_id in devices and "cgm" in devices and "64 %" in devices

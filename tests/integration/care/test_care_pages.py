"""The care pages on both stores: the hospital's physician sees the received referral, accepts
it, closes it with a counter-referral the clinic's nurse sees on the sent list; a second accept
shows the 400 page; a patient books a free time and cannot book a taken one; the physician's
day lists the appointment."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules import care
from tests.integration.care.care_support import DAY, DOCTOR, now_us, patient, referral, slots
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_referral_pages(web: TestClient, services: Services) -> None:
    rid = referral(services, patient(services))
    sign_in_as(
        services,
        web,
        "dr.soto",
        "physician",
        organization="org-hospital-l2-imss-09015",
        fhir_user=DOCTOR,
    )
    page = web.get("/referrals/received")
    assert page.status_code == 200 and f'id="referral-{rid}"' in page.text
    assert "Solicitada" in page.text and "Cardiología" in page.text
    token = csrf(page.text)
    done = web.post(f"/referrals/{rid}/accept", data={"csrf": token}, follow_redirects=False)
    assert done.status_code == 303
    assert web.post(f"/referrals/{rid}/accept", data={"csrf": token}).status_code == 400
    [slot] = slots(services, [now_us(services) + DAY])
    with services.db.begin() as conn:
        care.book(
            conn, services.repo, slot, "p-care", now_us(services), by="staff", referral_id=rid
        )
    form = {"csrf": token, "summary": "Ecocardiograma normal", "follow_up": "Control en 3 meses"}
    assert (
        web.post(f"/referrals/{rid}/complete", data=form, follow_redirects=False).status_code == 303
    )
    web.cookies.clear()
    sign_in_as(services, web, "enf.luz", "nurse", organization="org-clinic-l1-imss-09015")
    sent = web.get("/referrals/sent")
    assert sent.status_code == 200 and "Cerrada" in sent.text and 'class="counter"' in sent.text


def test_booking_and_day_pages(web: TestClient, services: Services) -> None:
    pid = patient(services)
    t = now_us(services)
    first, second = slots(services, [t + DAY, t + 2 * DAY], "virtual")
    sign_in_as(services, web, "luz", "patient", patients=(pid,))
    page = web.get("/appointments/book")
    assert page.status_code == 200 and f'id="slot-{first}"' in page.text
    token = csrf(page.text)
    booked = web.post(f"/appointments/book/{first}", data={"csrf": token}, follow_redirects=False)
    assert booked.status_code == 303
    again = web.get("/appointments/book")
    assert f'id="slot-{first}"' not in again.text and 'id="mine-' in again.text
    assert web.post(f"/appointments/book/{first}", data={"csrf": token}).status_code == 400
    web.cookies.clear()
    sign_in_as(services, web, "dr.day", "physician", fhir_user=DOCTOR)
    with services.db.read() as conn:
        [mine] = care.scheduling.of_patient(conn, pid, t)
    # the day is the physician's local day (America/Mexico_City)
    day = datetime.fromtimestamp(mine.start_us / 1e6, ZoneInfo("America/Mexico_City")).date()
    listed = web.get("/appointments/day", params={"on": day.isoformat()})
    assert listed.status_code == 200 and f'id="appointment-{mine.appointment}"' in listed.text
    assert second  # still free

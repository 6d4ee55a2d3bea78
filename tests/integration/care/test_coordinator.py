"""The care coordinator role (issue 14) on both stores: the hospital's coordinator works the
received-referrals worklist (accepts, closes with a counter-referral), the clinic's coordinator
sees the sent list with the counter-referral, the home-care plan is theirs too; clinical pages
(prescribing, signals, a patient's chart) are not, and the role's scope ceiling grants the
referral's resources but no clinical data."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules import care
from enlace.security.roles import ceiling
from tests.integration.care.care_support import DAY, now_us, patient, referral, slots
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


def test_the_ceiling_grants_the_referral_resources_and_no_clinical_data() -> None:
    scopes = ceiling("coordinator", "org-hospital-l2-imss-09015")
    for kind in ("ServiceRequest", "Task", "Appointment", "Slot", "Schedule"):
        assert scopes.grants(kind, "c") and scopes.grants(kind, "s"), kind
    assert scopes.grants("Patient", "r") and not scopes.grants("Patient", "c")
    for kind in ("Observation", "Condition", "MedicationRequest", "AdverseEvent", "Claim"):
        assert not scopes.grants(kind, "r"), kind


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def test_the_coordinators_work_the_referral_worklists(web: TestClient, services: Services) -> None:
    pid = patient(services)
    rid = referral(services, pid)
    sign_in_as(services, web, "coord.hosp", "coordinator",
               organization="org-hospital-l2-imss-09015")  # fmt: skip
    received = web.get("/referrals/received")
    assert received.status_code == 200 and f'id="referral-{rid}"' in received.text
    assert 'href="/referrals/received"' in received.text  # in the coordinator's navigation
    token = _csrf(received.text)
    accepted = web.post(f"/referrals/{rid}/accept", data={"csrf": token}, follow_redirects=False)
    assert accepted.status_code == 303
    [slot] = slots(services, [now_us(services) + DAY])
    with services.db.begin() as conn:
        care.book(conn, services.repo, slot, pid, now_us(services), by="staff", referral_id=rid)
    form = {"csrf": token, "summary": "Ecocardiograma normal", "follow_up": "Control en 3 meses"}
    closed = web.post(f"/referrals/{rid}/complete", data=form, follow_redirects=False)
    assert closed.status_code == 303
    assert web.get("/homecare/plan").status_code == 200
    for page in ("/vigilance/signals", f"/patients/{pid}/prescribe", "/registry/cancer"):
        assert web.get(page).status_code == 403, page
    web.cookies.clear()
    sign_in_as(services, web, "coord.clinica", "coordinator",
               organization="org-clinic-l1-imss-09015")  # fmt: skip
    sent = web.get("/referrals/sent")
    assert sent.status_code == 200 and 'class="counter"' in sent.text
    other = web.post(f"/referrals/{rid}/accept", data={"csrf": _csrf(sent.text)})
    assert other.status_code == 404  # not a referral to the clinic


def test_a_coordinator_without_a_facility_is_told_so(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "coord.sin", "coordinator")
    page = web.get("/referrals/received")
    assert page.status_code == 400

"""The patient app's pages and JSON routes through the HTTP app on both stores: today's doses
and check-offs (form and JSON), a reading with its feedback, the caregiver acting for the patient,
the manifest and service worker, a lost phone, and every bad input as a 4xx — never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select

from enlace.entrypoints.http.app import create_app
from enlace.interactions.context import Services
from enlace.modules.engagement.tables import engagement_doses
from enlace.modules.monitoring.tables import readings
from enlace.security.tables import refresh_tokens, sessions
from tests.integration.engagement.support import (
    LOSARTAN,
    METFORMIN,
    OTHER,
    PATIENT,
    dose,
    reading,
    world,
)
from tests.integration.test_web_shell import cheap_hasher, sign_in_as

__all__ = ["cheap_hasher"]
LATER = "2025-12-31T17:30:00-06:00"


@pytest.fixture
def web(services: Services) -> Iterator[TestClient]:
    world(services)
    with TestClient(create_app(services), base_url="http://testserver") as client:
        yield client


def as_patient(services: Services, web: TestClient) -> None:
    sign_in_as(services, web, "rosa", "patient", fhir_user=f"Patient/{PATIENT}",
               patients=(PATIENT,), display_name="Rosa")  # fmt: skip


def token(web: TestClient) -> str:
    answer = web.get("/app/api/token")
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf"])


def sync(web: TestClient, *items: dict[str, Any], csrf: str | None = None) -> Any:
    headers = {"X-CSRF-Token": csrf if csrf is not None else token(web)}
    return web.post("/app/api/sync", json={"items": list(items)}, headers=headers)


def count(services: Services, table: Any) -> int:
    with services.db.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_today_lists_the_doses_and_a_check_off_by_form_records_once(
    web: TestClient, services: Services
) -> None:
    as_patient(services, web)
    page = web.get("/app/")
    assert page.status_code == 200, page.text
    assert '<html lang="es-MX">' in page.text and 'rel="manifest"' in page.text
    assert f'id="dose-{METFORMIN}-0800"' in page.text and f'id="dose-{METFORMIN}-2000"' in page.text
    assert f'id="dose-{LOSARTAN}-0800"' in page.text and "Ya la tomé" in page.text
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    form = {"csrf": csrf, "client_id": "form-0000001", "patient": PATIENT, "request": METFORMIN,
            "day": "2025-12-31", "slot": "08:00", "seen": "", "status": "taken"}  # fmt: skip
    for _ in range(2):  # a double tap
        done = web.post("/app/doses", data=form, follow_redirects=False)
        assert done.status_code == 303, done.text
    assert count(services, engagement_doses) == 1
    shown = web.get(done.headers["location"])
    assert 'class="dose taken"' in shown.text and 'id="notice"' in shown.text


def test_sync_answers_in_words_and_english_on_request(web: TestClient, services: Services) -> None:
    as_patient(services, web)
    answer = sync(web, dose("api-000001"), reading("api-000002", value=320))
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["status"] for i in items] == ["created", "created"]
    assert items[0]["text"] == "Registrado."
    assert "muy alta (320 mg/dL)" in items[1]["text"]
    english = web.post("/app/api/sync?lang=en", json={"items": [reading("api-000003", value=60, at=LATER)]},
                       headers={"X-CSRF-Token": token(web)})  # fmt: skip
    assert "Your glucose is low" in english.json()["items"][0]["text"]


def test_a_reading_by_form_shows_its_feedback_and_a_wrong_unit_says_so(
    web: TestClient, services: Services
) -> None:
    as_patient(services, web)
    page = web.get("/app/readings")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    base = {"csrf": csrf, "patient": PATIENT, "measure": "glucose", "value": "145"}
    ok = web.post("/app/readings", data={**base, "client_id": "rd-0000001", "unit": "mg/dL"})
    assert ok.status_code == 200 and 'id="feedback"' in ok.text and "en su meta" in ok.text
    wrong = web.post("/app/readings", data={**base, "client_id": "rd-0000002", "unit": "kg"})
    assert wrong.status_code == 400 and "La unidad «kg» no sirve" in wrong.text
    assert count(services, readings) == 1
    assert 'id="chart-glucose"' in ok.text


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [(b"not json", 400, "$"), (b'{"items": []}', 400, "items"),
     (b'{"items": [{"kind": "dose", "clientId": "x"}]}', 400, "items[0].clientId")],
)  # fmt: skip
def test_malformed_uploads_are_400_operation_outcomes(
    web: TestClient, services: Services, body: bytes, status: int, where: str
) -> None:
    as_patient(services, web)
    answer = web.post("/app/api/sync", content=body, headers={"X-CSRF-Token": token(web),
                                                               "Content-Type": "application/json"})  # fmt: skip
    assert answer.status_code == status
    issues = answer.json()["issue"]
    assert answer.json()["resourceType"] == "OperationOutcome"
    assert where in [e for i in issues for e in i.get("expression", [])]


def test_uploads_without_a_session_or_token_are_refused(
    web: TestClient, services: Services
) -> None:
    assert web.get("/app/api/token").status_code == 401
    assert sync(web, dose("no-000001"), csrf="").status_code == 401
    as_patient(services, web)
    stale = sync(web, dose("no-000002"), csrf="forged")
    assert stale.status_code == 403 and stale.json()["issue"][0]["expression"] == ["X-CSRF-Token"]
    assert count(services, engagement_doses) == 0


def test_another_patients_id_is_404_on_pages_and_refused_in_uploads(
    web: TestClient, services: Services
) -> None:
    as_patient(services, web)
    assert web.get(f"/app/?patient={OTHER}").status_code == 404
    answer = sync(web, dose("oth-00001", pid=OTHER)).json()["items"][0]
    assert answer["status"] == "refused" and answer["httpStatus"] == 404


def test_a_caregiver_checks_off_for_the_patient(web: TestClient, services: Services) -> None:
    sign_in_as(services, web, "hija", "caregiver", patients=(PATIENT,), display_name="Hija")
    assert web.get("/app/").status_code == 200
    answer = sync(web, dose("cg-0000001")).json()["items"][0]
    assert answer["status"] == "created" and answer["dose"]["source"] == "caregiver"


def test_installable_shell(web: TestClient) -> None:
    manifest = web.get("/app/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.json()["start_url"] == "/app/"
    assert manifest.json()["scope"] == "/app/" and manifest.json()["display"] == "standalone"
    worker = web.get("/app/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]
    for asset in ("/assets/app.js", "/assets/app.css", "/assets/app-icon.svg"):
        assert web.get(asset).status_code == 200
    assert web.get("/assets/nothing.js").status_code == 404
    assert web.get("/app/offline").status_code == 200


def test_scan_goes_to_the_verification_page_and_refuses_other_codes(
    web: TestClient, services: Services
) -> None:
    as_patient(services, web)
    go = web.get("/app/scan", params={"code": "07501234567893"}, follow_redirects=False)
    assert go.status_code == 303 and go.headers["location"] == "/01/07501234567893"
    link = "https://id.example.mx/01/07501234567893/10/L1/21/ABC?17=271231"
    assert web.get("/app/scan", params={"code": link}, follow_redirects=False).headers[
        "location"] == "/01/07501234567893/10/L1/21/ABC?17=271231"  # fmt: skip
    bad = web.get("/app/scan", params={"code": "javascript:alert(1)"})
    assert bad.status_code == 400 and "no es de una medicina" in bad.text


def test_a_lost_phone_signs_out_every_other_session(web: TestClient, services: Services) -> None:
    as_patient(services, web)
    with services.db.begin() as conn:
        user = conn.execute(select(sessions.c.user_id)).scalar_one()
        from enlace.security import sessions as session_api
        from enlace.security import users

        found = users.get_user_by_id(conn, user)
        assert found is not None
        session_api.start_session(conn, found, 1, second_factor=True)  # the lost phone
        phone_app = {"client_id": "app", "user_id": user, "scope": "patient/*.rs", "spent": False}
        conn.execute(  # the lost phone's app holds a refresh token, not a session
            insert(refresh_tokens).values(
                token_hash="h" * 64, family_id="f1", expires_us=2**62, revoked=False, **phone_app
            )
        )
    page = web.get("/app/more")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    done = web.post("/app/devices/signout", data={"csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/app/more?ended=2"
    assert count(services, sessions) == 1
    with services.db.read() as conn:
        assert conn.execute(select(refresh_tokens.c.revoked)).scalar_one()
    assert web.get("/app/more").status_code == 200  # this phone is still signed in

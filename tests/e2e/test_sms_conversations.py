"""SMS conversations end to end (issue 16): a live server, a simulated phone reading the outbox
file and answering over HTTP, on SQLite and PostgreSQL. Each test is one person's conversation."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from enlace.modules import care
from enlace.sim.phone import Persona
from tests.e2e.sms_world import DOCTOR, ORG, SmsWorld, serve_world

DAY_US = 24 * 3600 * 1_000_000


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SmsWorld]:
    yield from serve_world(request, tmp_path_factory.mktemp("sms-server"))


def _steady(number: str, **traits: float) -> Persona:
    """A person who always answers, spells well and means what they write."""
    base = {"responsiveness": 1.0, "typo_rate": 0.0, "chatter_rate": 0.0}
    return Persona(number, **{**base, **traits})


def _answered(world: SmsWorld, message: dict[str, object]) -> tuple[str, httpx.Response]:
    answered = world.phone.answer(message)
    assert answered is not None, message
    return answered


def test_sms_only_diabetic_reports_high_glucose_and_the_physician_sees_it(
    world: SmsWorld,
) -> None:
    number = "+525510000001"
    world.enrol("sms-dm-1", _steady(number, glucose=320, glucose_spread=0))
    reading = {"measure": "glucosa", "example": "GLU 120"}
    world.remind("sms-dm-1", "reading-reminder", "e2e-dm-1-a", **reading)
    (reminder,) = world.wait_for(number)
    assert "GLU 120" in reminder["text"] and reminder["template"] == "reading-reminder"
    said, answer = _answered(world, reminder)
    assert said == "GLU 320" and answer.json()["intent"] == "reading"
    (feedback,) = world.wait_for(number)
    assert "MUY ALTA" in feedback["text"] and "urgencias" in feedback["text"]
    world.remind("sms-dm-1", "reading-reminder", "e2e-dm-1-b", **reading)
    world.wait_for(number)
    world.phone.send(number, "GLU 320")  # the evening value: a second one above 250
    (second,) = world.wait_for(number)
    assert "Avisamos a tu equipo de salud" in second["text"]
    cookies = world.physician_cookie(f"dra.sms.{world.base[-5:]}")
    alerts = httpx.get(f"{world.base}/alerts", cookies=cookies, timeout=30)
    assert alerts.status_code == 200, alerts.text[:500]
    assert "Hiperglucemia" in alerts.text and 'href="/patients/sms-dm-1"' in alerts.text
    chart = httpx.get(f"{world.base}/patients/sms-dm-1/monitoring", cookies=cookies, timeout=30)
    assert chart.status_code == 200 and "320" in chart.text
    found = httpx.get(f"{world.base}/fhir/Observation", params={"patient": "sms-dm-1"}).json()
    observations = [e["resource"] for e in found["entry"] if e["search"]["mode"] == "match"]
    assert [o["valueQuantity"]["value"] for o in observations] == [320, 320]
    assert all(o["performer"] == [{"reference": "Patient/sms-dm-1"}] for o in observations)
    assert not any("device" in o for o in observations)
    talk = httpx.get(f"{world.base}/fhir/Communication", params={"patient": "sms-dm-1"}).json()
    assert talk["total"] == 6  # two reminders, two texts in, two feedbacks: all in the record


def test_doses_by_text_and_a_missed_dose_reaches_a_nurse(world: SmsWorld) -> None:
    number = "+525510000002"
    world.enrol("sms-dose-1", _steady(number, adherence=1.0))
    world.remind("sms-dose-1", "dose-reminder", "e2e-dose-1")
    (reminder,) = world.wait_for(number)
    assert _answered(world, reminder)[0] == "TOMÉ"
    assert "anotamos tu dosis" in world.wait_for(number)[0]["text"]
    world.phone.send(number, "no")
    (why,) = world.wait_for(number)
    assert "NO 3" in why["text"]
    answer = world.phone.send(number, "No 3").json()
    assert answer["intent"] == "missed" and "Task/" in answer["outcome"]
    assert "enfermera" in world.wait_for(number)[0]["text"]
    tasks = httpx.get(f"{world.base}/fhir/Task", params={"patient": "sms-dose-1"}).json()
    assert tasks["total"] == 1


def test_unreadable_text_is_asked_again_and_the_person_resends(world: SmsWorld) -> None:
    number = "+525510000003"
    world.enrol("sms-typo-1", _steady(number, glucose=118))
    assert world.phone.send(number, "hola buenos dias").json()["intent"] == "unreadable"
    (again,) = world.wait_for(number)
    assert "No entendimos" in again["text"] and "GLU 120" in again["text"]
    said, answer = _answered(world, again)  # the person answers the question
    assert said == "GLU 118" and answer.json()["intent"] == "reading"
    assert "dentro de tu meta" in world.wait_for(number)[0]["text"]


def test_opt_out_is_confirmed_once_then_silence_until_alta(world: SmsWorld) -> None:
    number = "+525510000004"
    world.enrol("sms-stop-1", _steady(number))
    world.phone.send(number, "Baja")
    (confirmation,) = world.wait_for(number)
    assert confirmation["template"] == "opt-out-confirmation" and "ALTA" in confirmation["text"]
    world.phone.send(number, "BAJA")
    answer = world.phone.send(number, "GLU 140").json()
    assert answer["intent"] == "reading" and answer["reply"] is None
    world.nothing_for(number)
    world.phone.send(number, "alta")
    assert "volverás a recibir" in world.wait_for(number)[0]["text"]


def test_unknown_number_is_ignored_without_reply(world: SmsWorld) -> None:
    answer = world.phone.send("+525519999999", "GLU 150").json()
    assert (answer["id"], answer["role"], answer["reply"]) == (None, "unknown", None)


def test_lost_phone_is_deactivated_and_its_texts_ignored(world: SmsWorld) -> None:
    number = "+525510000006"
    world.enrol("sms-lost-1", _steady(number))
    done = httpx.post(
        f"{world.base}/messaging/numbers/deactivate",
        json={"number": "55 1000 0006", "reason": "teléfono robado"},
    )
    assert done.status_code == 200 and done.json()["patient"] == "sms-lost-1"
    assert world.phone.send(number, "TOMÉ").json()["role"] == "inactive"
    world.nothing_for(number, 1.0)


def test_gateway_redelivery_is_answered_once(world: SmsWorld) -> None:
    number = "+525510000007"
    world.enrol("sms-dup-1", _steady(number))
    first = world.phone.send(number, "PESO 182 lb", message_id="gw-e2e-dup").json()
    again = world.phone.send(number, "PESO 182 lb", message_id="gw-e2e-dup").json()
    assert again["duplicate"] and again["id"] == first["id"]
    (reply,) = world.wait_for(number)
    assert "182 lb = 82.6 kg" in reply["text"]
    world.nothing_for(number, 1.0)


def test_appointment_offered_and_booked_by_text(world: SmsWorld) -> None:
    number = "+525510000008"
    world.enrol("sms-cita-1", _steady(number))
    with world.services.db.begin() as conn:
        start = world.now() + 3 * DAY_US
        care.publish(
            conn,
            world.services.repo,
            actor=DOCTOR,
            organization=ORG,
            mode="in-person",
            starts_us=[start - start % 3_600_000_000],
            minutes=20,
        )
    world.phone.send(number, "cita")
    (offer,) = world.wait_for(number)
    assert "AGENDAR" in offer["text"]
    answer = world.phone.send(number, "Agendar").json()
    assert answer["intent"] == "book" and "Appointment/" in answer["outcome"], answer
    assert "Listo: tu cita es el" in world.wait_for(number)[0]["text"]
    world.phone.send(number, "CITA")
    assert "Tu próxima cita es el" in world.wait_for(number)[0]["text"]

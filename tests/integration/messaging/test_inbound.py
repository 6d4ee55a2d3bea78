"""Texts in (issue 16 part 2) on both stores: readings, keywords, bad input, opt-out, idempotency."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.kernel.errors import FhirError
from enlace.modules import messaging
from enlace.modules.messaging.inbound_tables import inbound
from enlace.modules.messaging.tables import consents
from enlace.modules.monitoring.self_reports import PATIENT_REPORTED
from enlace.modules.monitoring.tables import alerts, readings

from .inbound_support import (
    HOUR,
    NIGHT,
    NOON,
    PHONE,
    count,
    enrol,
    inbound_count,
    observations,
    reply_of,
    resources,
    text,
)


def test_glucose_by_text_is_an_observation_with_feedback(services: Services) -> None:
    enrol(services)
    got = text(services, "Glucosa 150 mg/dl")
    assert (got.role, got.intent) == ("patient", "reading")
    reply = reply_of(services, got)
    assert reply.status == "queued" and "150 mg/dL" in reply.text and "meta" in reply.text
    (observation,) = observations(services)
    assert observation["performer"] == [{"reference": "Patient/p1"}]
    assert "device" not in observation and observation["id"].startswith("mr-self-sms-")
    assert observation["meta"]["tag"][0]["code"] == PATIENT_REPORTED
    assert observation["method"] == {"text": "patient-reported (sms)"}
    assert observation["valueQuantity"]["value"] == 150
    assert count(services, readings) == 1
    received = [c for c in resources(services, "Communication") if "received" in c]
    assert received[0]["payload"][0]["contentString"] == "Glucosa 150 mg/dl"
    assert received[0]["sender"] == {"reference": "Patient/p1"}


def test_units_converted_and_said(services: Services) -> None:
    enrol(services)
    glucose = reply_of(services, text(services, "glu 7,5 mmol/l"))
    assert "7.5 mmol/L = 135 mg/dL" in glucose.text
    weight = reply_of(services, text(services, "PESO 182 lb", at=NOON + HOUR))
    assert "182 lb = 82.6 kg" in weight.text
    values = sorted(o.get("valueQuantity", {}).get("value") for o in observations(services))
    assert values == [82.6, 135]


def test_glucose_without_unit_that_looks_like_mmol_is_confirmed_first(services: Services) -> None:
    enrol(services)
    asked = text(services, "GLU 7.5")
    assert asked.intent == "reading-unclear" and "SI" in reply_of(services, asked).text
    assert observations(services) == []
    confirmed = text(services, "sí", at=NOON + 60_000_000)
    assert confirmed.intent == "reading"
    assert observations(services)[0]["valueQuantity"]["value"] == 135
    again = text(services, "SI", at=NOON + 120_000_000)
    assert again.outcome == "nothing pending"


@pytest.mark.parametrize("body", ["hola, buenas tardes", "GLU", "PA 150", "GLU 18O"])
def test_unparseable_asks_again_with_example_never_guesses(services: Services, body: str) -> None:
    enrol(services)
    got = text(services, body)
    assert got.intent == "unreadable"
    assert "GLU 120" in reply_of(services, got).text
    assert count(services, readings) == 0 and observations(services) == []


@pytest.mark.parametrize("body", ["GLU 1800", "PA 90/150", "PESO 900"])
def test_out_of_range_is_refused_and_asked_again(services: Services, body: str) -> None:
    enrol(services)
    got = text(services, body)
    assert got.intent == "reading-refused"
    assert "no lo guardamos" in reply_of(services, got).text
    assert count(services, readings) == 0


def test_dangerous_blood_pressure_alerts_and_says_what_to_do(services: Services) -> None:
    enrol(services)
    got = text(services, "TA 190/125")
    assert "bp-crisis" in got.outcome
    reply = reply_of(services, got).text
    assert "911" in reply and "equipo de salud" in reply
    with services.db.read() as conn:
        (alert,) = conn.execute(select(alerts)).all()
    assert (alert.patient, alert.rule) == ("p1", "bp-crisis")


def test_second_high_glucose_alerts_like_a_glucometer(services: Services) -> None:
    enrol(services)
    first = text(services, "GLU 310")
    assert "alert" not in first.outcome  # one capillary value: the device rule waits for two
    second = text(services, "GLU 330", at=NOON + 2 * HOUR)
    assert "glucose-high" in second.outcome
    assert "MUY ALTA" in reply_of(services, second).text


def test_unknown_number_is_ignored_and_nothing_written(services: Services) -> None:
    enrol(services)
    got = text(services, "GLU 150", sender="+525599990000")
    assert (got.id, got.role, got.reply) == (None, "unknown", None)
    assert inbound_count(services) == 0 and count(services, readings) == 0
    assert resources(services, "Communication") == []


def test_lost_phone_deactivated_then_ignored(services: Services) -> None:
    enrol(services)
    with services.db.begin() as conn:
        owner = messaging.deactivate(conn, "55 1234 5678", "agent-1", "teléfono perdido", NOON)
    assert owner.patient == "p1"
    got = text(services, "GLU 150", at=NOON + HOUR)
    assert (got.role, got.reply) == ("inactive", None)
    assert inbound_count(services) == 0 and count(services, readings) == 0
    with services.db.begin() as conn:
        assert messaging.reactivate(conn, PHONE, "agent-1", NOON + 2 * HOUR)
    assert text(services, "GLU 150", at=NOON + 3 * HOUR).role == "patient"


def test_caregiver_texts_for_the_patient(services: Services) -> None:
    enrol(services)
    with services.db.begin() as conn:
        messaging.add_caregiver(conn, "p1", "044 55 8765 4321", "Hija", "agent-1", NOON)
    got = text(services, "TOMÉ", sender="+52 1 55 8765 4321")
    assert (got.role, got.intent) == ("caregiver", "taken")
    with services.db.read() as conn:
        (dose,) = messaging.doses_taken(conn, "p1", "2026-03-10", "2026-03-10")
    assert dose.status == "taken"
    reply = reply_of(services, got)  # the answer goes to the daughter's phone, not the patient's
    assert (reply.patient, reply.channel, reply.address) == ("p1", "sms", "+525587654321")
    patients_own = reply_of(services, text(services, "GLU 150", at=NOON + 3600_000_000))
    assert patients_own.address == PHONE


def test_duplicate_gateway_delivery_is_idempotent(services: Services) -> None:
    enrol(services)
    first = text(services, "GLU 150", gid="gw-dup")
    again = text(services, "GLU 150", gid="gw-dup", at=NOON + HOUR)
    assert again.duplicate and again.id == first.id and again.reply == first.reply
    assert inbound_count(services) == 1 and count(services, readings) == 1


def test_missed_dose_asks_why_and_a_cost_problem_reaches_a_nurse(services: Services) -> None:
    enrol(services)
    asked = text(services, "No")
    assert "NO 4" in reply_of(services, asked).text
    why = text(services, "4", at=NOON + HOUR)
    assert "Task/" in why.outcome and "enfermera" in reply_of(services, why).text
    (task,) = resources(services, "Task")
    assert task["for"] == {"reference": "Patient/p1"} and task["status"] == "requested"
    with services.db.read() as conn:
        (dose,) = messaging.doses_taken(conn, "p1", "2026-03-10", "2026-03-10")
    assert (dose.status, dose.reason) == ("missed", "cost")


def test_help_escalates_to_a_nurse_task(services: Services) -> None:
    enrol(services)
    got = text(services, "AYUDA me siento mal")
    (task,) = resources(services, "Task")
    assert "ME SIENTO MAL" in task["description"] and task["priority"] == "urgent"
    assert "911" in reply_of(services, got).text


def test_appointment_without_slots_says_so(services: Services) -> None:
    enrol(services)
    got = text(services, "cita")
    assert got.intent == "appointment" and "no hay lugares" in reply_of(services, got).text


def test_quiet_hours_hold_a_reply_until_morning(services: Services) -> None:
    enrol(services)
    reply = reply_of(services, text(services, "GLU 120", at=NIGHT))
    assert reply.status == "queued" and reply.not_before_us > NIGHT


def test_opt_out_confirmed_once_even_at_night_then_silence_then_opt_in(
    services: Services,
) -> None:
    enrol(services)
    stop = text(services, "baja", at=NIGHT)
    confirmation = reply_of(services, stop)
    assert confirmation.template == "opt-out-confirmation"
    assert confirmation.status == "queued" and confirmation.not_before_us == NIGHT
    report = messaging.deliver_due(services.db, services.repo, NIGHT + 1, services.settings.var_dir)
    assert report.delivered == 1  # delivered despite the opt-out it confirms
    assert text(services, "BAJA", at=NIGHT + HOUR).reply is None  # confirmed once
    quiet = text(services, "GLU 150", at=NIGHT + 2 * HOUR)
    assert quiet.reply is None and count(services, readings) == 1  # recorded, not answered
    back = text(services, "Alta", at=NIGHT + 3 * HOUR)
    assert back.intent == "start" and "BAJA" in reply_of(services, back).text
    with services.db.read() as conn:
        consent = conn.execute(select(consents).where(consents.c.patient == "p1")).one()
    assert consent.withdrawn_us is None and "ALTA" in consent.evidence


@pytest.mark.parametrize(
    ("gid", "sender", "body", "where"),
    [("", PHONE, "TOMÉ", "id"), ("g1", " ", "TOMÉ", "from"), ("g1", PHONE, "x" * 1601, "text")],
)
def test_what_no_gateway_sends_is_a_400_naming_the_field(
    services: Services, gid: str, sender: str, body: str, where: str
) -> None:
    with pytest.raises(FhirError) as caught:
        messaging.receive(services.db, services.repo, messaging.InboundSms(gid, sender, body), NOON)
    assert caught.value.status == 400 and caught.value.issues[0].expression == where
    with services.db.read() as conn:
        assert conn.execute(select(inbound)).all() == []

"""Appointment reminders go through the messaging outbox once per appointment, only for booked
appointments within the next 24 h; the text is the es-MX template filled in. Both stores."""

from __future__ import annotations

from sqlalchemy import select

from enlace.interactions.context import Services
from enlace.modules import care, messaging
from enlace.modules.care import reminders
from enlace.modules.messaging.tables import outbox
from tests.integration.care.care_support import DAY, HOUR, now_us, patient, slots


def test_reminder_queued_once_for_tomorrow(services: Services) -> None:
    pid = patient(services)
    t = now_us(services)
    with services.db.begin() as conn:
        messaging.set_preference(conn, pid, "sms", "+525512345678", t - DAY)
        messaging.grant(conn, pid, "sms", "Enlace", "formato firmado", t - DAY)
    tomorrow, later = slots(services, [t + 20 * HOUR, t + 3 * DAY], "virtual")
    with services.db.begin() as conn:
        first = care.book(conn, services.repo, tomorrow, pid, t)
        care.book(conn, services.repo, later, pid, t)
    assert reminders.queue_due(services.db, services.repo, t) == 1
    assert reminders.queue_due(services.db, services.repo, t + HOUR) == 0
    with services.db.read() as conn:
        rows = conn.execute(select(outbox)).all()
    [row] = rows
    assert (row.patient, row.template, row.status) == (pid, "appointment-reminder", "queued")
    assert row.text.startswith("Enlace: Luz, tienes cita por video el ")
    assert first.appointment in row.reason

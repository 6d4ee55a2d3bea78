"""Appointment reminders through the messaging outbox (docs/care.md "Reminders").

`queue_due(db, repo, now_us)` queues one reminder per booked appointment starting within the next
`ahead_hours`, through messaging's public `enqueue` (consent, quiet hours and caps are its job);
the dedupe key is the appointment, so a job run twice writes one message. The care templates are
added to messaging's template table at import (messaging has no registration call yet).
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from enlace.kernel import errors
from enlace.modules import messaging
from enlace.modules.care.referrals import iso
from enlace.modules.care.tables import appointments
from enlace.modules.messaging.templates import Template
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

HOUR_US = 3_600_000_000
SENDER = "Enlace"
_STOP_ES = " Responde BAJA para no recibir más mensajes."
_STOP_EN = " Reply STOP (BAJA) to opt out."

REMINDER = Template(
    "appointment-reminder",
    "care",
    "{sender}: {name}, tienes cita {mode} el {when}. Si no puedes asistir, cancélala." + _STOP_ES,
    "{sender}: {name}, you have an appointment ({mode}) on {when}. Cancel it if you cannot come."
    + _STOP_EN,
    whatsapp_name="enlace_appointment_reminder_v1",
    whatsapp_category="utility",
)
messaging.TEMPLATES.setdefault(REMINDER.name, REMINDER)
MODE_TEXT = {"in-person": "presencial", "virtual": "por video"}


def queue_due(db: Database, repo: FhirRepository, now_us: int, ahead_hours: int = 24) -> int:
    """Queue the reminders due; how many were newly queued."""
    a = appointments.c
    count = 0
    with db.begin() as conn:
        rows = conn.execute(
            select(appointments).where(
                a.status == "booked",
                a.reminded_us.is_(None),
                a.start_us > now_us,
                a.start_us <= now_us + ahead_hours * HOUR_US,
            )
        ).all()
        for row in rows:
            params = {
                "sender": SENDER,
                "name": _first_name(conn, repo, row.patient),
                "mode": MODE_TEXT[row.mode],
                "when": iso(row.start_us)[:16].replace("T", " ") + " UTC",
            }
            request = messaging.MessageRequest(
                row.patient,
                REMINDER.name,
                params,
                dedupe_key=f"appointment-reminder:{row.id}",
                reason={"appointment": row.id},
            )
            queued = messaging.enqueue(conn, request, now_us)
            conn.execute(update(appointments).where(a.id == row.id).values(reminded_us=now_us))
            count += int(queued.new)
    return count


def _first_name(conn: Connection, repo: FhirRepository, patient: str) -> str:
    try:
        found = repo.read(conn, "Patient", patient).resource()
    except errors.FhirError:  # a reminder still goes without the name
        return "paciente"
    names = found.get("name") or [{}]
    return (names[0].get("given") or ["paciente"])[0]

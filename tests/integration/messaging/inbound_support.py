"""Helpers for the inbound SMS tests: a patient with an SMS channel, texts in, replies out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import messaging
from enlace.modules.messaging.inbound_tables import inbound
from enlace.modules.messaging.tables import outbox

NOON = epoch_us(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))  # 12:00 in Mexico City
NIGHT = epoch_us(datetime(2026, 3, 11, 4, 0, tzinfo=UTC))  # 22:00 local
HOUR = 3600 * 1_000_000
PHONE = "+525512345678"


def enrol(services: Services, patient: str = "p1", phone: str = PHONE, goals: bool = False) -> str:
    with services.db.begin() as conn:
        services.repo.update(conn, {"resourceType": "Patient", "active": True}, patient)
        messaging.set_preference(conn, patient, "sms", phone, NOON - 24 * HOUR)
        messaging.grant(conn, patient, "sms", "Clínica Enlace", "formato firmado", NOON - 24 * HOUR)
    return patient


counter = iter(range(1, 1_000_000))


def text(
    services: Services, body: str, at: int = NOON, sender: str = PHONE, gid: str | None = None
) -> messaging.Received:
    sms = messaging.InboundSms(gid or f"gw-{next(counter)}", sender, body)
    return messaging.receive(services.db, services.repo, sms, at)


def reply_of(services: Services, received: messaging.Received) -> Any:
    assert received.reply is not None, received
    with services.db.read() as conn:
        return conn.execute(select(outbox).where(outbox.c.id == received.reply)).one()


def count(services: Services, table: Any) -> int:
    with services.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def inbound_count(services: Services) -> int:
    return count(services, inbound)


def resources(services: Services, resource_type: str) -> list[dict[str, Any]]:
    with services.db.read() as conn:
        return [v.resource() for v in services.repo.scan(conn, resource_type) if not v.deleted]


def observations(services: Services) -> list[dict[str, Any]]:
    """The readings stored, as the FHIR API serves them (monitoring.fhir_readings)."""
    from enlace.modules.monitoring.domain import Reading
    from enlace.modules.monitoring.fhir_readings import observation
    from enlace.modules.monitoring.tables import readings

    with services.db.read() as conn:
        rows = conn.execute(select(readings).order_by(readings.c.effective_us)).all()
    return [
        observation(
            Reading(
                r.patient,
                r.device,
                r.code,
                r.value,
                r.effective_us,
                r.received_us,
                r.value2,
                r.device_code,
            )
        )
        for r in rows
    ]

"""Shared pieces of the care tests: a clinic, a hospital, a patient, slots."""

from __future__ import annotations

from typing import Any

from enlace.interactions.context import Services
from enlace.kernel.clock import epoch_us
from enlace.modules import care

CLINIC = "Organization/org-clinic-l1-imss-09015"
HOSPITAL = "Organization/org-hospital-l2-imss-09015"
HIGH = "Organization/org-hospital-l3-imss-09015"
DOCTOR = "Practitioner/pr-care-doctor"
HOUR = 3_600_000_000
DAY = 24 * HOUR


def now_us(services: Services) -> int:
    return epoch_us(services.repo.clock())


def patient(services: Services, pid: str = "p-care") -> str:
    body = {"resourceType": "Patient", "name": [{"family": "Pérez", "given": ["Luz"]}]}
    with services.db.begin() as conn:
        services.repo.update(conn, body, pid)
    return pid


def slots(
    services: Services, starts: list[int], mode: str = "in-person", actor: str = DOCTOR
) -> list[str]:
    with services.db.begin() as conn:
        return care.publish(
            conn,
            services.repo,
            actor=actor,
            organization=HOSPITAL,
            mode=mode,
            starts_us=starts,
            minutes=20,
        )


def referral(
    services: Services, pid: str, urgency: str = "urgent", service: str = "cardiology"
) -> str:
    with services.db.begin() as conn:
        made = care.refer(
            conn,
            services.repo,
            patient=pid,
            from_org=CLINIC,
            to_org=HOSPITAL,
            service=service,
            urgency=urgency,
            reason="Insuficiencia cardiaca descompensada",
            now_us=now_us(services),
        )
    return made.id


def read(services: Services, kind: str, rid: str) -> dict[str, Any]:
    with services.db.read() as conn:
        return services.repo.read(conn, kind, rid).resource()

"""An SMS "TOMÉ" that answers a dose reminder naming a prescription and a dose time lands in the
patient app's dose records too (engagement.record_dose_in, in the inbound message's transaction),
so the check-off shows in /app/ like a tap would.

The reminder is the newest dose-reminder delivered to the patient in the last day whose `reason`
(JSON) carries `prescription` (MedicationRequest id) and `slot` (HH:MM). Without one — a
reminder that names no dose, or none at all — the reply stays only in messaging_doses, as before.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Connection, select

from enlace.kernel import errors
from enlace.kernel.clock import from_epoch_us
from enlace.modules import engagement

from .domain import DEFAULT_POLICY
from .tables import outbox

WINDOW_US = 24 * 3600 * 1_000_000  # a reply answers a reminder of the last day


def reminded_dose(conn: Connection, patient: str, now_us: int) -> tuple[str, str] | None:
    """(prescription id, slot) of the dose the patient's newest delivered reminder names."""
    t = outbox.c
    row = conn.execute(
        select(t.reason)
        .where(
            t.patient == patient,
            t.template == "dose-reminder",
            t.status == "delivered",
            t.delivered_us.between(now_us - WINDOW_US, now_us),
        )
        .order_by(t.delivered_us.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    reason: dict[str, Any] = orjson.loads(row.reason or "{}")
    request, slot = reason.get("prescription"), reason.get("slot")
    if not isinstance(request, str) or not isinstance(slot, str):
        return None
    return request, slot


def link_taken(conn: Connection, repo: Any, patient: str, number: str, message_id: str,
               now_us: int) -> str | None:  # fmt: skip
    """Record the reminded dose as taken in the app's records; the outcome note (None: no
    reminder names a dose). A reminder whose prescription or slot no longer fits is noted, not
    an error: the SMS reply itself is already recorded."""
    named = reminded_dose(conn, patient, now_us)
    if named is None:
        return None
    at = from_epoch_us(now_us).astimezone(ZoneInfo(DEFAULT_POLICY.timezone))
    report = engagement.DoseReport(
        patient, named[0], at.date(), named[1], "taken", at, number, "sms",
        client_id=f"sms-{message_id}",
    )  # fmt: skip
    try:
        answer = engagement.record_dose_in(conn, repo, report)
    except errors.FhirError as problem:
        return f"app dose not linked: {problem}"
    return f"app dose {named[0]} {named[1]}: {answer['status']}"

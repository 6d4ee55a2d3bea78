"""Who sent a text: a patient (their channel preference's number), a caregiver registered for a
patient, a number someone deactivated (a lost phone), or nobody we know.

Numbers are compared in E.164 (phones.e164); preference addresses recorded before that are
found through their other spellings (phones.variants).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from enlace.kernel import errors

from .inbound_tables import numbers
from .phones import e164, variants
from .tables import preferences


@dataclass(frozen=True, slots=True)
class Sender:
    role: str  # patient | caregiver | inactive | unknown
    number: str
    patient: str | None = None
    language: str = "es-MX"


def identify(conn: Connection, number: str) -> Sender:
    row = conn.execute(select(numbers).where(numbers.c.number == number)).first()
    if row is not None and not row.active:
        return Sender("inactive", number, row.patient)
    found = conn.execute(
        select(preferences.c.patient, preferences.c.language)
        .where(preferences.c.address.in_(variants(number)))
        .order_by(preferences.c.updated_us.desc(), preferences.c.patient)
    ).first()
    if row is not None and row.patient:  # a caregiver's number
        language = _language(conn, row.patient)
        return Sender(row.role, number, row.patient, language)
    if found is None:
        return Sender("unknown", number)
    return Sender("patient", number, found.patient, found.language)


def _language(conn: Connection, patient: str) -> str:
    found = conn.execute(
        select(preferences.c.language).where(preferences.c.patient == patient)
    ).scalar()
    return str(found or "es-MX")


def checked_number(raw: str, where: str = "number") -> str:
    number = e164(raw)
    if number is None:
        raise errors.bad_request(f"'{raw}' is not a phone number (e.g. +52 55 1234 5678)", where)
    return number


def add_caregiver(
    conn: Connection, patient: str, raw_number: str, name: str, by: str, now_us: int
) -> str:
    """Let `raw_number` text on behalf of `patient` (TOMÉ, readings, AYUDA...)."""
    number = checked_number(raw_number)
    if not patient.strip():
        raise errors.bad_request("A caregiver is registered for a patient", "patient")
    values = {
        "patient": patient,
        "role": "caregiver",
        "name": name.strip() or None,
        "active": True,
        "changed_us": now_us,
        "changed_by": by,
        "reason": "caregiver registered",
    }
    _upsert(conn, number, values)
    return number


def deactivate(conn: Connection, raw_number: str, by: str, reason: str, now_us: int) -> Sender:
    """A lost or stolen phone: texts from the number are ignored from now on. Answers who the
    number belonged to (unknown numbers can be deactivated too: blocked ahead)."""
    number = checked_number(raw_number)
    if not reason.strip():
        raise errors.bad_request("Say why the number is deactivated (e.g. lost phone)", "reason")
    owner = identify(conn, number)
    values = {
        "patient": owner.patient,
        "role": owner.role if owner.role in ("patient", "caregiver") else "patient",
        "active": False,
        "changed_us": now_us,
        "changed_by": by,
        "reason": reason.strip()[:200],
    }
    _upsert(conn, number, values)
    return owner


def reactivate(conn: Connection, raw_number: str, by: str, now_us: int) -> bool:
    number = checked_number(raw_number)
    done = conn.execute(
        update(numbers)
        .where(numbers.c.number == number, numbers.c.active.is_(False))
        .values(active=True, changed_us=now_us, changed_by=by, reason="reactivated")
    )
    return done.rowcount > 0


def _upsert(conn: Connection, number: str, values: Mapping[str, object]) -> None:
    done = conn.execute(update(numbers).where(numbers.c.number == number).values(**values))
    if done.rowcount == 0:
        conn.execute(numbers.insert().values(number=number, **values))

"""Schedules, slots and appointments (issue 14 part 2; docs/care.md "Appointments").

A clinic or physician publishes a Schedule with Slots (in person or virtual); a patient books one
within `BookingRules` (lead time, how far ahead, how many open bookings, the cancellation window),
staff book without the patient rules (e.g. a referral's appointment). A slot is claimed with
`UPDATE care_slots SET status='busy' WHERE id=? AND status='free'`: of two bookers exactly one
updates a row; the other gets 409 and nothing is written (PostgreSQL re-checks the WHERE after
the first commits; SQLite's writers queue) — tested with two threads on both stores.

Every step is also the FHIR record: Slot.status, Appointment.status (booked, cancelled,
arrived, fulfilled, noshow). Reminders go through the messaging outbox (reminders.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from enlace.kernel import errors
from enlace.modules.care import referrals
from enlace.modules.care.referrals import iso
from enlace.modules.care.tables import appointments, slots
from enlace.store.repository import FhirRepository

HOUR_US = 3_600_000_000
MODES = ("in-person", "virtual")
V3_ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
MODE_CODE = {"in-person": ("AMB", "ambulatory"), "virtual": ("VR", "virtual")}
# appointment state -> the states it may move to
MOVES: dict[str, tuple[str, ...]] = {
    "booked": ("cancelled", "arrived", "noshow"),
    "arrived": ("fulfilled",),
    "cancelled": (),
    "fulfilled": (),
    "noshow": (),
}


@dataclass(frozen=True, slots=True)
class BookingRules:
    min_lead_hours: int = 2  # a patient books at least this long before the start
    horizon_days: int = 60  # and no further ahead than this
    max_open: int = 3  # booked, future appointments a patient may hold at once
    cancel_window_hours: int = 24  # a patient cancels at least this long before the start


DEFAULT_RULES = BookingRules()


@dataclass(frozen=True, slots=True)
class Booked:
    appointment: str
    slot: str
    start_us: int
    mode: str


def publish(
    conn: Connection,
    repo: FhirRepository,
    *,
    actor: str,
    organization: str,
    mode: str,
    starts_us: Sequence[int],
    minutes: int,
) -> list[str]:
    """A Schedule for `actor` at `organization` with one free Slot per start; the slot ids."""
    if mode not in MODES:
        raise errors.bad_request(f"Unknown mode '{mode}' (known: {', '.join(MODES)})", "mode")
    if minutes <= 0 or not starts_us:
        raise errors.bad_request("Slots need a positive length and at least one start", "slot")
    schedule = repo.create(
        conn,
        {
            "resourceType": "Schedule",
            "active": True,
            "actor": [{"reference": actor}, {"reference": organization}],
            "serviceType": [{"text": _mode_text(mode)}],
        },
    )
    ids = []
    for start in sorted(starts_us):
        end = start + minutes * 60_000_000
        slot = repo.create(
            conn,
            {
                "resourceType": "Slot",
                "schedule": {"reference": f"Schedule/{schedule.id}"},
                "status": "free",
                "start": iso(start),
                "end": iso(end),
                "serviceType": [{"text": _mode_text(mode)}],
            },
        )
        values = dict(id=slot.id, schedule_id=schedule.id, actor=actor, organization=organization)
        conn.execute(
            insert(slots).values(**values, mode=mode, start_us=start, end_us=end, status="free")
        )
        ids.append(slot.id)
    return ids


def _mode_text(mode: str) -> str:
    return "Teleconsulta" if mode == "virtual" else "Consulta presencial"


def book(
    conn: Connection,
    repo: FhirRepository,
    slot_id: str,
    patient: str,
    now_us: int,
    *,
    by: str = "patient",
    rules: BookingRules = DEFAULT_RULES,
    referral_id: str | None = None,
    reason: str | None = None,
) -> Booked:
    """Book a free slot for `patient` in the caller's transaction (409 when it is taken)."""
    slot = conn.execute(select(slots).where(slots.c.id == slot_id)).first()
    if slot is None:
        raise errors.not_found(f"Slot/{slot_id} not found")
    if by == "patient":
        _patient_rules(conn, patient, slot.start_us, now_us, rules)
    elif slot.start_us <= now_us:
        raise errors.unprocessable([errors.Issue("business-rule", "The slot is past", "slot")])
    claimed = conn.execute(
        update(slots).where(slots.c.id == slot_id, slots.c.status == "free").values(status="busy")
    )
    if claimed.rowcount != 1:
        raise errors.conflict(f"Slot/{slot_id} is already booked")
    appointment = repo.create(conn, _appointment(slot, patient, reason, referral_id, now_us))
    conn.execute(update(slots).where(slots.c.id == slot_id).values(appointment_id=appointment.id))
    _restatus(conn, repo, "Slot", slot_id, "busy")
    conn.execute(
        insert(appointments).values(
            id=appointment.id,
            slot_id=slot_id,
            patient=patient,
            actor=slot.actor,
            organization=slot.organization,
            mode=slot.mode,
            start_us=slot.start_us,
            status="booked",
            booked_by=by,
            referral_id=referral_id,
            booked_us=now_us,
        )
    )
    if referral_id:
        referrals.schedule(conn, repo, referral_id, appointment.id, slot.start_us, now_us)
    return Booked(appointment.id, slot_id, slot.start_us, slot.mode)


def _patient_rules(
    conn: Connection, patient: str, start: int, now: int, rules: BookingRules
) -> None:
    problems = []
    if start < now + rules.min_lead_hours * HOUR_US:
        text = f"Book at least {rules.min_lead_hours} h ahead"
        problems.append(errors.Issue("business-rule", text, "Appointment.start"))
    if start > now + rules.horizon_days * 24 * HOUR_US:
        text = f"Book at most {rules.horizon_days} days ahead"
        problems.append(errors.Issue("business-rule", text, "Appointment.start"))
    held = conn.execute(
        select(func.count())
        .select_from(appointments)
        .where(
            appointments.c.patient == patient,
            appointments.c.status == "booked",
            appointments.c.start_us > now,
        )
    ).scalar_one()
    if held >= rules.max_open:
        text = f"Patient/{patient} already holds {held} open appointments (max {rules.max_open})"
        problems.append(errors.Issue("business-rule", text, "Appointment.participant"))
    if problems:
        raise errors.unprocessable(problems)


def _appointment(
    slot: Any, patient: str, reason: str | None, referral_id: str | None, now_us: int
) -> dict[str, Any]:
    code, display = MODE_CODE[slot.mode]
    body: dict[str, Any] = {
        "resourceType": "Appointment",
        "status": "booked",
        "appointmentType": {"coding": [{"system": V3_ACT, "code": code, "display": display}]},
        "slot": [{"reference": f"Slot/{slot.id}"}],
        "start": iso(slot.start_us),
        "end": iso(slot.end_us),
        "created": iso(now_us)[:10],
        "participant": [
            {"actor": {"reference": f"Patient/{patient}"}, "status": "accepted"},
            {"actor": {"reference": slot.actor}, "status": "accepted"},
        ],
    }
    if reason:
        body["description"] = reason
    if referral_id:
        body["basedOn"] = [{"reference": f"ServiceRequest/{referral_id}"}]
    return body


def _restatus(conn: Connection, repo: FhirRepository, kind: str, rid: str, status: str) -> None:
    resource = repo.read(conn, kind, rid).resource()
    resource["status"] = status
    repo.update(conn, resource, rid)


# -- after booking ---------------------------------------------------------------------------
def cancel(
    conn: Connection,
    repo: FhirRepository,
    appointment_id: str,
    now_us: int,
    *,
    by: str = "patient",
    rules: BookingRules = DEFAULT_RULES,
) -> None:
    """Cancel and free the slot; a patient only outside the cancellation window."""
    row = get(conn, appointment_id)
    if by == "patient" and row.start_us - now_us < rules.cancel_window_hours * HOUR_US:
        text = f"Cancel at least {rules.cancel_window_hours} h before the appointment"
        raise errors.unprocessable([errors.Issue("business-rule", text, "Appointment.start")])
    _move(conn, repo, row, "cancelled")
    conn.execute(
        update(slots).where(slots.c.id == row.slot_id).values(status="free", appointment_id=None)
    )
    _restatus(conn, repo, "Slot", row.slot_id, "free")


def arrived(conn: Connection, repo: FhirRepository, appointment_id: str) -> None:
    _move(conn, repo, get(conn, appointment_id), "arrived")


def fulfilled(conn: Connection, repo: FhirRepository, appointment_id: str) -> None:
    _move(conn, repo, get(conn, appointment_id), "fulfilled")


def no_show(conn: Connection, repo: FhirRepository, appointment_id: str, now_us: int) -> None:
    """The patient did not come: only once the appointment's time has passed."""
    row = get(conn, appointment_id)
    if now_us < row.start_us:
        text = "An appointment that has not started cannot be a no-show"
        raise errors.unprocessable([errors.Issue("business-rule", text, "Appointment.start")])
    _move(conn, repo, row, "noshow")


def get(conn: Connection, appointment_id: str) -> Any:
    row = conn.execute(select(appointments).where(appointments.c.id == appointment_id)).first()
    if row is None:
        raise errors.not_found(f"Appointment/{appointment_id} not found")
    return row


def _move(conn: Connection, repo: FhirRepository, row: Any, target: str) -> None:
    sources = [s for s, targets in MOVES.items() if target in targets]
    claimed = conn.execute(
        update(appointments)
        .where(appointments.c.id == row.id, appointments.c.status.in_(sources))
        .values(status=target)
    )
    if claimed.rowcount != 1:
        now = get(conn, row.id).status
        raise errors.conflict(f"Appointment/{row.id} is {now}: it cannot become {target}")
    _restatus(conn, repo, "Appointment", row.id, target)


@dataclass(frozen=True, slots=True)
class DayItem:
    appointment: str
    patient: str
    start_us: int
    mode: str
    status: str
    encounter: str | None


def day_of(
    conn: Connection, actor: str, day_start_us: int, organization: str | None = None
) -> list[DayItem]:
    """A physician's (or clinic's) appointments in the 24 h from `day_start_us`, by time; only
    those at `organization` when given (a facility's staff see their facility's)."""
    a = appointments.c
    query = select(appointments).where(
        a.actor == actor, a.start_us >= day_start_us, a.start_us < day_start_us + 24 * HOUR_US
    )
    if organization is not None:
        query = query.where(a.organization == organization)
    rows = conn.execute(query.order_by(a.start_us, a.id)).all()
    return [DayItem(r.id, r.patient, r.start_us, r.mode, r.status, r.encounter_id) for r in rows]


def no_show_rate(conn: Connection, organization: str, since_us: int, until_us: int) -> float | None:
    """Share of the appointments that took place or should have that were missed."""
    a = appointments.c
    rows = conn.execute(
        select(a.status).where(
            a.organization == organization,
            a.start_us >= since_us,
            a.start_us < until_us,
            a.status.in_(("arrived", "fulfilled", "noshow")),
        )
    ).all()
    if not rows:
        return None
    return round(sum(1 for (s,) in rows if s == "noshow") / len(rows), 3)


@dataclass(frozen=True, slots=True)
class FreeSlot:
    id: str
    actor: str
    organization: str
    mode: str
    start_us: int


def free_slots(
    conn: Connection, after_us: int, organization: str | None = None, limit: int = 50
) -> list[FreeSlot]:
    """Free slots starting after `after_us`, soonest first (the booking page's list)."""
    s = slots.c
    query = select(slots).where(s.status == "free", s.start_us > after_us)
    if organization:
        query = query.where(s.organization == organization)
    rows = conn.execute(query.order_by(s.start_us, s.id).limit(limit)).all()
    return [FreeSlot(r.id, r.actor, r.organization, r.mode, r.start_us) for r in rows]


def of_patient(
    conn: Connection, patient: str, after_us: int, statuses: Sequence[str] = ("booked",)
) -> list[DayItem]:
    """A patient's appointments still to come in `statuses` (booked), soonest first."""
    a = appointments.c
    rows = conn.execute(
        select(appointments)
        .where(a.patient == patient, a.status.in_(statuses), a.start_us > after_us)
        .order_by(a.start_us)
    ).all()
    return [DayItem(r.id, r.patient, r.start_us, r.mode, r.status, r.encounter_id) for r in rows]

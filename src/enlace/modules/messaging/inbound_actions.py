"""What each kind of text does, in the inbound message's transaction (inbound.py calls these).

Each action returns an `Answer`: what the text was read as (`intent`), what was done
(`outcome`, for the log and the inbound row) and the reply (None: stay silent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Connection, select, update

from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.modules.monitoring import self_reports
from enlace.store.repository import FhirRepository

from . import inbound_replies as replies
from .domain import DEFAULT_POLICY, readings_per_hour
from .inbound_doses import link_taken
from .inbound_tables import conversations, doses, inbound
from .keywords import Ambiguous, Implausible, SelfReading
from .numbers import Sender

PENDING_US = 24 * 3600 * 1_000_000  # a question waits a day for its answer
HOUR_US = 3600 * 1_000_000
LIMITED = "reading-limited"  # the intent of a reading text over the hourly limit
MISSED_REASONS = {"1": "forgot", "2": "side-effects", "3": "no-medicine", "4": "cost"}
NEEDS_NURSE = frozenset({"side-effects", "no-medicine", "cost"})
NURSE = {"system": "http://snomed.info/sct", "code": "106292003", "display": "Professional nurse"}
DAYS_ES = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")
MONTHS_ES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
MODES_ES = {"in-person": "en tu clínica", "virtual": "por video o teléfono"}


@dataclass(frozen=True, slots=True)
class Answer:
    intent: str
    outcome: str
    reply: str | None


@dataclass(frozen=True, slots=True)
class Context:
    conn: Connection
    repo: FhirRepository
    sender: Sender
    patient: str
    message_id: str
    now_us: int

    @property
    def language(self) -> str:
        return self.sender.language

    def say(self, key: str, **fields: str) -> str:
        return replies.text(key, self.language, **fields)


# -- readings ---------------------------------------------------------------------------------
def reading(ctx: Context, parsed: SelfReading) -> Answer:
    limited = _over_reading_limit(ctx)
    if limited is not None:
        return limited
    report = self_reports.SelfReport(
        ctx.patient, parsed.kind, parsed.value, ctx.now_us, "sms", parsed.value2
    )
    recorded = self_reports.record(ctx.conn, ctx.repo, report)
    _clear_pending(ctx)
    alerts = ",".join(f"{a.rule}:{a.severity}" for a in recorded.alerts)
    outcome = f"reading {parsed.kind} {parsed.value:g}" + (f" alert {alerts}" if alerts else "")
    return Answer("reading", outcome, replies.feedback(parsed, recorded, ctx.language))


def _over_reading_limit(ctx: Context) -> Answer | None:
    """The answer to a text over this number's hourly readings limit, or None when under it.
    The limit is per number, not per patient: a caregiver and the patient each have their own.
    The reply is said once an hour (the first text over it), so a flood gets no reply storm."""
    limit = readings_per_hour()
    t = inbound.c
    intents = (
        ctx.conn.execute(
            select(t.intent).where(
                t.patient == ctx.patient,  # the (patient, received_us) index, then the number
                t.received_us > ctx.now_us - HOUR_US,
                t.sender == ctx.sender.number,
                t.intent.in_(("reading", LIMITED)),
            )
        )
        .scalars()
        .all()
    )
    if intents.count("reading") < limit:
        return None
    reply = None if LIMITED in intents else ctx.say("reading-limit", limit=str(limit))
    return Answer(LIMITED, f"over {limit} readings an hour from this number: not stored", reply)


def ambiguous(ctx: Context, parsed: Ambiguous) -> Answer:
    payload = {
        "kind": parsed.reading.kind,
        "value": parsed.reading.value,
        "note": parsed.reading.note,
    }
    _set_pending(ctx, "confirm-reading", payload)
    return Answer(
        "reading-unclear",
        "asked to confirm the unit",
        ctx.say("confirm-unit", note=parsed.reading.note),
    )


def implausible(ctx: Context, parsed: Implausible) -> Answer:
    example = {"bp": "PA 130/80", "glucose": "GLU 120", "weight": "PESO 70"}[parsed.kind]
    reply = ctx.say("implausible", said=parsed.said, example=example)
    return Answer("reading-refused", f"implausible {parsed.kind}: nothing stored", reply)


def confirm(ctx: Context) -> Answer:
    pending, payload = _pending(ctx)
    if pending != "confirm-reading":
        return Answer("yes", "nothing pending", ctx.say("nothing-to-confirm"))
    confirmed = SelfReading(payload["kind"], float(payload["value"]), note=payload["note"])
    return reading(ctx, confirmed)


# -- doses ------------------------------------------------------------------------------------
def taken(ctx: Context) -> Answer:
    _record_dose(ctx, "taken", None)
    _clear_pending(ctx)
    linked = link_taken(ctx.conn, ctx.repo, ctx.patient, ctx.sender.number, ctx.message_id,
                        ctx.now_us)  # fmt: skip
    outcome = "dose taken recorded" + (f"; {linked}" if linked else "")
    return Answer("taken", outcome, ctx.say("taken"))


def missed(ctx: Context, rest: str) -> Answer:
    reason = MISSED_REASONS.get(rest.strip())
    if reason is None:
        _record_dose(ctx, "missed", None)
        _set_pending(ctx, "why-missed", {})
        return Answer("missed", "dose missed recorded; asked why", ctx.say("why-missed"))
    return missed_reason(ctx, reason)


def missed_reason(ctx: Context, reason: str) -> Answer:
    _record_dose(ctx, "missed", reason)
    _clear_pending(ctx)
    if reason in NEEDS_NURSE:
        task = _nurse_task(ctx, f"Dosis no tomada por SMS: {reason}")
        return Answer("missed", f"missed: {reason}; Task/{task}", ctx.say("missed-helped"))
    return Answer("missed", f"missed: {reason}", ctx.say("missed-forgot"))


def pending_kind(ctx: Context) -> str | None:
    return _pending(ctx)[0]


def _record_dose(ctx: Context, status: str, reason: str | None) -> None:
    day = from_epoch_us(ctx.now_us).astimezone(ZoneInfo(DEFAULT_POLICY.timezone)).date()
    values = {
        "patient": ctx.patient,
        "day": day.isoformat(),
        "status": status,
        "reason": reason,
        "reported_us": ctx.now_us,
        "reported_by": ctx.sender.number,
    }
    today = select(doses.c.id).where(doses.c.patient == ctx.patient, doses.c.day == values["day"])
    if reason is not None:  # the answer to "why?": today's missed dose gets its reason
        latest = ctx.conn.execute(today.order_by(doses.c.reported_us.desc())).scalar()
        if latest is not None:
            ctx.conn.execute(update(doses).where(doses.c.id == latest).values(**values))
            return
    ctx.conn.execute(doses.insert().values(id=ctx.message_id, **values))


# -- appointments, help -----------------------------------------------------------------------
def appointment(ctx: Context) -> Answer:
    from enlace.modules import care  # care queues its reminders through messaging: import late

    coming = care.scheduling.of_patient(ctx.conn, ctx.patient, ctx.now_us)
    if coming:
        first = coming[0]
        reply = ctx.say(
            "appointment",
            when=_when(first.start_us, ctx.language),
            mode=_mode(first.mode, ctx.language),
        )
        return Answer("appointment", f"next Appointment/{first.appointment}", reply)
    free = care.scheduling.free_slots(ctx.conn, ctx.now_us, limit=1)
    if not free:
        return Answer("appointment", "no appointment, no free slot", ctx.say("no-slots"))
    slot = free[0]
    _set_pending(ctx, "book", {"slot": slot.id})
    reply = ctx.say(
        "offer-slot", when=_when(slot.start_us, ctx.language), mode=_mode(slot.mode, ctx.language)
    )
    return Answer("appointment", f"offered Slot/{slot.id}", reply)


def book(ctx: Context) -> Answer:
    from enlace.modules import care  # see appointment

    pending, payload = _pending(ctx)
    if pending != "book":
        return appointment(ctx)
    _clear_pending(ctx)
    try:
        with ctx.conn.begin_nested():
            booked = care.book(ctx.conn, ctx.repo, payload["slot"], ctx.patient, ctx.now_us)
    except errors.FhirError as exc:
        return Answer("book", f"slot not booked: {exc.message}"[:200], ctx.say("slot-gone"))
    reply = ctx.say(
        "booked", when=_when(booked.start_us, ctx.language), mode=_mode(booked.mode, ctx.language)
    )
    return Answer("book", f"booked Appointment/{booked.appointment}", reply)


def help_asked(ctx: Context, said: str) -> Answer:
    task = _nurse_task(ctx, f"El paciente pidió AYUDA por SMS: «{said}»")
    return Answer("help", f"escalated: Task/{task}", ctx.say("help"))


def _nurse_task(ctx: Context, description: str) -> str:
    owner, organization = self_reports.care_owner(ctx.conn, ctx.repo, ctx.patient)
    task: dict[str, Any] = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": "urgent",
        "code": {"text": "Llamar al paciente (mensaje SMS)"},
        "description": description,
        "for": {"reference": f"Patient/{ctx.patient}"},
        "focus": {"reference": f"Communication/{ctx.message_id}"},
        "authoredOn": _instant(ctx.now_us),
        "performerType": [{"coding": [NURSE], "text": "Enfermería"}],
    }
    if organization or owner:
        task["owner"] = {"reference": organization or owner}
    return ctx.repo.create(ctx.conn, task).id


# -- conversation state -----------------------------------------------------------------------
def _pending(ctx: Context) -> tuple[str | None, dict[str, Any]]:
    row = ctx.conn.execute(
        select(conversations).where(conversations.c.patient == ctx.patient)
    ).first()
    if row is None or row.pending is None or (row.pending_until_us or 0) < ctx.now_us:
        return None, {}
    return row.pending, orjson.loads(row.payload or "{}")


def _set_pending(ctx: Context, kind: str, payload: dict[str, Any]) -> None:
    values = {
        "pending": kind,
        "payload": orjson.dumps(payload).decode(),
        "pending_until_us": ctx.now_us + PENDING_US,
    }
    upsert_conversation(ctx.conn, ctx.patient, values)


def _clear_pending(ctx: Context) -> None:
    upsert_conversation(
        ctx.conn, ctx.patient, {"pending": None, "payload": None, "pending_until_us": None}
    )


def upsert_conversation(conn: Connection, patient: str, values: dict[str, Any]) -> None:
    done = conn.execute(
        update(conversations).where(conversations.c.patient == patient).values(**values)
    )
    if done.rowcount == 0:
        conn.execute(conversations.insert().values(patient=patient, **values))


def _when(start_us: int, language: str) -> str:
    local = from_epoch_us(start_us).astimezone(ZoneInfo(DEFAULT_POLICY.timezone))
    if language.lower().startswith("en"):
        return local.strftime("%a %d %b, %H:%M")
    return f"{DAYS_ES[local.weekday()]} {local.day} {MONTHS_ES[local.month - 1]}, {local:%H:%M}"


def _mode(mode: str, language: str) -> str:
    return mode if language.lower().startswith("en") else MODES_ES.get(mode, mode)


def _instant(us: int) -> str:
    return fhir_instant(from_epoch_us(us))


@dataclass(frozen=True, slots=True)
class DoseReport:
    patient: str
    day: str  # local date
    status: str  # taken | missed
    reason: str | None
    reported_us: int


def doses_reported(
    conn: Connection, patient: str, first_day: str, last_day: str
) -> list[DoseReport]:
    """Doses a patient (or caregiver) reported by text between two local dates, inclusive."""
    c = doses.c
    rows = conn.execute(
        select(doses)
        .where(c.patient == patient, c.day >= first_day, c.day <= last_day)
        .order_by(c.day, c.reported_us)
    )
    return [DoseReport(r.patient, r.day, r.status, r.reason, r.reported_us) for r in rows]

"""Referral clocks, worklists, escalation of breached clocks and indicators (docs/care.md).

The SLA clock runs from the request until the appointment is booked (or the referral rejected):
the patient's wait for a date is what the urgency promises. Defaults, by FHIR request-priority:

    stat 4 h · asap 24 h · urgent 7 d (168 h) · routine 30 d (720 h)

`SlaClocks.from_env()` reads ENLACE_CARE_SLA_HOURS ("stat=4,asap=24,urgent=168,routine=720") so
a network can set its own. `escalate_breached` marks every clock past due once (conditional UPDATE
on breached_us IS NULL, so two runners escalate a referral once), raises its Task to `stat` with a
note, and returns what it escalated for the caller to announce.
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select, update

from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.modules.care.tables import referrals as table
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

HOUR_US = 3_600_000_000
DEFAULT_HOURS = {"stat": 4, "asap": 24, "urgent": 168, "routine": 720}
OPEN = ("requested", "accepted")


@dataclass(frozen=True, slots=True)
class SlaClocks:
    hours: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_HOURS))

    def within(self, urgency: str) -> int:
        return self.hours[urgency] * HOUR_US

    @classmethod
    def from_env(cls) -> SlaClocks:
        text = os.environ.get("ENLACE_CARE_SLA_HOURS", "").strip()
        if not text:
            return cls()
        hours = dict(DEFAULT_HOURS)
        for part in text.split(","):
            name, _, value = part.partition("=")
            if name.strip() not in hours or not value.strip().isdigit():
                raise errors.bad_request(
                    f"ENLACE_CARE_SLA_HOURS: '{part}' is not <priority>=<hours>",
                    "ENLACE_CARE_SLA_HOURS",
                )
            hours[name.strip()] = int(value)
        return cls(hours)


DEFAULT_CLOCKS = SlaClocks()


@dataclass(frozen=True, slots=True)
class Breach:
    referral: str
    task: str
    to_org: str
    urgency: str
    status: str
    late_hours: float


def escalate_breached(db: Database, repo: FhirRepository, now_us: int) -> list[Breach]:
    """Escalate every open referral whose clock ran out, each once, one transaction each."""
    c = table.c
    with db.read() as conn:
        due = conn.execute(
            select(c.id)
            .where(c.status.in_(OPEN), c.due_us < now_us, c.breached_us.is_(None))
            .order_by(c.due_us, c.id)
        ).all()
    breaches = []
    for (referral_id,) in due:
        with db.begin() as conn:
            found = _escalate(conn, repo, referral_id, now_us)
        if found is not None:
            breaches.append(found)
    return breaches


def _escalate(conn: Connection, repo: FhirRepository, referral_id: str, now: int) -> Breach | None:
    c = table.c
    claimed = conn.execute(
        update(table)
        .where(c.id == referral_id, c.status.in_(OPEN), c.breached_us.is_(None), c.due_us < now)
        .values(breached_us=now)
    )
    if claimed.rowcount != 1:
        return None  # booked, answered or escalated by another runner meanwhile
    row = conn.execute(select(table).where(c.id == referral_id)).one()
    late = (now - row.due_us) / HOUR_US
    task = repo.read(conn, "Task", row.task_id).resource()
    when = fhir_instant(from_epoch_us(now))
    text = f"Plazo vencido ({row.urgency}) hace {late:.1f} h: escalada a la dirección"
    task.update(priority="stat", lastModified=when)
    task["note"] = [*task.get("note", []), {"text": text, "time": when}]
    repo.update(conn, task, row.task_id)
    return Breach(row.id, row.task_id, row.to_org, row.urgency, row.status, round(late, 1))


# -- worklists -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class WorkItem:
    id: str
    task_id: str
    patient: str
    from_org: str
    to_org: str
    service: str
    urgency: str
    status: str
    reason: str
    requested_us: int
    due_us: int | None
    breached: bool
    appointment_us: int | None
    counter_referral: str | None


def worklist(
    conn: Connection, organization: str, side: str, statuses: tuple[str, ...] = ()
) -> list[WorkItem]:
    """Referrals an organization sent (`side="sending"`) or receives (`"receiving"`), the most
    pressing first: breached, then by due time, then by request time."""
    if side not in ("sending", "receiving"):
        raise errors.bad_request(f"Unknown worklist side '{side}'", "side")
    c = table.c
    column = c.from_org if side == "sending" else c.to_org
    query = select(table).where(column == organization)
    if statuses:
        query = query.where(c.status.in_(statuses))
    rows = conn.execute(query.order_by(c.requested_us, c.id).limit(1000)).all()
    items = [_item(r) for r in rows]
    far = 2**62
    items.sort(key=lambda i: (not i.breached, i.due_us or far, i.requested_us))
    return items


def _item(r: Any) -> WorkItem:
    return WorkItem(
        r.id,
        r.task_id,
        r.patient,
        r.from_org,
        r.to_org,
        r.service,
        r.urgency,
        r.status,
        r.reason,
        r.requested_us,
        r.due_us,
        r.breached_us is not None,
        r.appointment_us,
        r.counter_referral,
    )


# -- indicators ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Indicators:
    referrals: int
    scheduled: int  # with an appointment (scheduled or completed)
    median_days_to_appointment: float | None  # request -> the appointment's date
    completed: int
    closed_with_counter_referral: float | None  # share of completed ones
    breached: int


def indicators(
    conn: Connection, organization: str | None = None, since_us: int = 0, until_us: int = 2**62
) -> Indicators:
    """Over referrals requested in [since, until), optionally received by one organization."""
    c = table.c
    query = select(table).where(c.requested_us >= since_us, c.requested_us < until_us)
    if organization:
        query = query.where(c.to_org == organization)
    rows = conn.execute(query).all()
    waits = [
        (r.appointment_us - r.requested_us) / (24 * HOUR_US)
        for r in rows
        if r.appointment_us is not None
    ]
    done = [r for r in rows if r.status == "completed"]
    closed = sum(1 for r in done if r.counter_referral)
    return Indicators(
        referrals=len(rows),
        scheduled=len(waits),
        median_days_to_appointment=round(statistics.median(waits), 2) if waits else None,
        completed=len(done),
        closed_with_counter_referral=round(closed / len(done), 3) if done else None,
        breached=sum(1 for r in rows if r.breached_us is not None),
    )

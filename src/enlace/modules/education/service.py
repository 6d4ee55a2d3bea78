"""Education's use cases that combine the others: the daily job (schedule and trigger from the
record, home infusions booked, send what is due) and a clinician's course suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection

from enlace.modules import homecare
from enlace.store.repository import FhirRepository

from . import patient, record, training
from .domain import Suggestion, suggestions

INFUSION_NOTICE = timedelta(days=7)  # a home infusion within a week triggers before-infusion


@dataclass(frozen=True, slots=True)
class JobReport:
    scheduled: dict[str, int]  # new deliveries by cause
    sent: dict[str, int]  # deliveries queued now, by the status messaging gave them


def infusions(conn: Connection, now_us: int) -> int:
    """Each home-infusion need whose first visit is within INFUSION_NOTICE triggers the
    before-infusion item (once per need)."""
    today = datetime.fromtimestamp(now_us / 1e6, UTC).date()
    made = 0
    for need in homecare.list_needs(conn):
        if need.kind == "infusion" and today <= need.first_day <= today + INFUSION_NOTICE:
            made += len(patient.trigger(conn, need.patient, "infusion", f"need/{need.id}", now_us))
    return made


def run(
    conn: Connection,
    repo: FhirRepository,
    since_us: int,
    now_us: int,
    base_url: str,
    link_key: bytes,
) -> JobReport:
    """The daily job, in the caller's transaction: what the record asks for, then send (the
    links signed with `link_key`, domain.link_key)."""
    scheduled = record.scan(conn, repo, since_us, now_us)
    booked = infusions(conn, now_us)
    if booked:
        scheduled["infusion"] = booked
    sent = patient.send_due(conn, now_us, base_url, link_key)
    return JobReport(scheduled, sent)


def suggest(conn: Connection, repo: FhirRepository, practitioner: str) -> list[Suggestion]:
    """Courses the clinician's panel suggests (domain.suggestions' documented rule)."""
    ident = practitioner.removeprefix("Practitioner/")
    panel = record.panel(conn, repo, f"Practitioner/{ident}")
    return suggestions(panel, training.completed_courses(conn, ident))

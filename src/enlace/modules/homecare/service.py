"""The day's plan in the store: schedule the due visits, plan them, record who goes where
(docs/homecare.md). Everything runs in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, select, update

from enlace.modules.homecare import needs as needs_mod
from enlace.modules.homecare import planning
from enlace.modules.homecare.nurses import list_nurses
from enlace.modules.homecare.tables import needs, visits

# A visit already documented or escalated is history: re-planning the day leaves it alone.
REPLANNABLE = ("scheduled", "planned", "unassigned")


@dataclass(frozen=True, slots=True)
class VisitView:
    id: str
    day: date
    status: str
    patient: str
    kind: str
    skill: str
    zone: str
    address: str
    window_start: int
    window_end: int
    visit_minutes: int
    nurse: str | None
    sequence: int | None
    planned_start: int | None
    reason: str | None
    detail: str | None
    medication: str | None
    task: str | None


def plan_day(
    conn: Connection, day: date, settings: planning.Settings = planning.SETTINGS
) -> planning.DayPlan:
    """Schedule the day's due visits and (re)plan every visit of the day not yet done."""
    needs_mod.schedule_day(conn, day)
    open_rows = conn.execute(
        select(visits.c.id, visits.c.need).where(
            visits.c.day == day, visits.c.status.in_(REPLANNABLE)
        )
    ).all()
    by_need = {n.id: n for n in needs_mod.list_needs(conn)}
    todo = [planning.Visit(r.id, by_need[r.need]) for r in open_rows if r.need in by_need]
    result = planning.plan(list_nurses(conn), todo, settings)
    for done in result.assignments:
        _set(conn, done.visit_id, "planned", done.nurse_id, done.sequence, done.start_minute)
    for left in result.unassigned:
        _set(conn, left.visit_id, "unassigned", reason=left.reason, detail=left.detail[:300])
    return result


def _set(
    conn: Connection,
    visit_id: str,
    status: str,
    nurse: str | None = None,
    sequence: int | None = None,
    start: int | None = None,
    reason: str | None = None,
    detail: str | None = None,
) -> None:
    conn.execute(
        update(visits)
        .where(visits.c.id == visit_id, visits.c.status.in_(REPLANNABLE))
        .values(
            status=status,
            nurse=nurse,
            sequence=sequence,
            planned_start=start,
            reason=reason,
            detail=detail,
        )
    )


def day_visits(conn: Connection, day: date, nurse: str | None = None) -> list[VisitView]:
    """The day's visits (one nurse's route in order when `nurse` is given)."""
    query = (
        _joined()
        .join(needs, needs.c.id == visits.c.need)
        .where(visits.c.day == day)
        .order_by(visits.c.nurse, visits.c.sequence, visits.c.id)
    )
    if nurse is not None:
        query = query.where(visits.c.nurse == nurse)
    return [_view(row) for row in conn.execute(query).mappings()]


def get_visit(conn: Connection, visit_id: str) -> VisitView | None:
    query = _joined().join(needs, needs.c.id == visits.c.need)
    row = conn.execute(query.where(visits.c.id == visit_id)).mappings().first()
    return None if row is None else _view(row)


def _joined() -> Select[Any]:
    # Both tables have `id`: keep the visit's.
    return select(visits, *[c for c in needs.columns if c.name != "id"])


def _view(row: RowMapping) -> VisitView:
    r = row
    return VisitView(
        id=r["id"],
        day=r["day"],
        status=r["status"],
        patient=r["patient"],
        kind=r["kind"],
        skill=r["skill"],
        zone=r["zone"],
        address=r["address"],
        window_start=r["window_start"],
        window_end=r["window_end"],
        visit_minutes=r["visit_minutes"],
        nurse=r["nurse"],
        sequence=r["sequence"],
        planned_start=r["planned_start"],
        reason=r["reason"],
        detail=r["detail"],
        medication=r["medication"],
        task=r["task"],
    )

"""Visits scheduled by need (docs/homecare.md, Needs).

A need says why a patient is seen at home and how often:
- `infusion`: a biologic given at home at the prescription's cadence (the MedicationRequest's
  dosageInstruction timing, e.g. every 14 days from boundsPeriod.start); needs `infusion`.
- `nursing`: a nursing visit such as wound care at a cadence; needs `wound-care` by default.
- `oncology-followup`: symptom follow-up of an oral chemotherapy (capecitabine, imatinib...)
  at a cadence, usually weekly; needs `oncology`.
A need is due on day d when d is first_day + k·every_days (k ≥ 0) and not after last_day.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us
from enlace.modules import catalog
from enlace.modules.homecare.nurses import MINUTES_PER_DAY, SKILLS
from enlace.modules.homecare.tables import needs, visits

KIND_SKILL = {"infusion": "infusion", "nursing": "wound-care", "oncology-followup": "oncology"}
LOCAL = ZoneInfo("America/Mexico_City")  # visit windows are local clock times
_DAYS_PER_UNIT = {"d": 1, "wk": 7}


@dataclass(frozen=True, slots=True)
class Need:
    id: str
    patient: str  # Patient id
    kind: str
    zone: str
    latitude: float
    longitude: float
    first_day: date
    every_days: int
    skill: str = ""  # "" = the kind's usual skill
    address: str = ""
    last_day: date | None = None
    visit_minutes: int = 45
    window_start: int = 9 * 60
    window_end: int = 13 * 60
    medication: str | None = None  # catalog slug, infusions
    facility: str | None = None  # catalog facility the infusion's lots come from
    prescription: str | None = None  # MedicationRequest id

    @property
    def needed_skill(self) -> str:
        return self.skill or KIND_SKILL.get(self.kind, "")

    def due(self, day: date) -> bool:
        offset = (day - self.first_day).days
        in_range = offset >= 0 and (self.last_day is None or day <= self.last_day)
        return in_range and offset % self.every_days == 0


def problems(need: Need) -> list[errors.Issue]:
    found: list[errors.Issue] = []

    def bad(text: str, where: str) -> None:
        found.append(errors.Issue("invalid", text, where))

    if need.kind not in KIND_SKILL:
        bad(f"unknown kind {need.kind!r}; known: {', '.join(KIND_SKILL)}", "kind")
    if need.needed_skill not in SKILLS:
        bad(f"unknown skill {need.needed_skill!r}; known: {', '.join(SKILLS)}", "skill")
    if need.every_days < 1:
        bad("every_days must be at least 1", "every_days")
    if not 5 <= need.visit_minutes <= 480:
        bad("a visit takes between 5 and 480 minutes", "visit_minutes")
    if not 0 <= need.window_start < need.window_end <= MINUTES_PER_DAY:
        bad("the window must start before it ends, same day", "window")
    elif need.window_end - need.window_start < need.visit_minutes:
        bad("the window is shorter than the visit", "window")
    if not (-90 <= need.latitude <= 90 and -180 <= need.longitude <= 180):
        bad("coordinates out of range", "address")
    if need.kind == "infusion" and not (need.medication and need.facility):
        bad("an infusion names its medication and the facility its lots come from", "medication")
    elif need.medication and catalog.medicine_by_slug(need.medication) is None:
        bad(f"medication {need.medication!r} is not in the catalog", "medication")
    return found


def add_need(conn: Connection, need: Need) -> Need:
    """Record (or replace) a need; a 400 naming every problem, nothing written."""
    found = problems(need)
    if found:
        raise errors.FhirError(400, found)
    row = {c.name: getattr(need, c.name) for c in needs.columns if c.name != "skill"}
    conn.execute(needs.delete().where(needs.c.id == need.id))
    conn.execute(needs.insert().values(**row, skill=need.needed_skill))
    return need


def need_from_prescription(request: dict[str, Any], **home: Any) -> Need:
    """An infusion need from a MedicationRequest: cadence from dosageInstruction[0].timing
    (repeat.period/periodUnit, one dose per period), first day from boundsPeriod.start, last
    day from boundsPeriod.end. `home` carries zone, latitude, longitude, medication,
    facility and optionally window and minutes."""
    where = "MedicationRequest.dosageInstruction[0].timing.repeat"
    try:
        repeat = request["dosageInstruction"][0]["timing"]["repeat"]
        every = int(repeat["period"]) * _DAYS_PER_UNIT[repeat.get("periodUnit", "d")]
        bounds = repeat.get("boundsPeriod", {})
        first = date.fromisoformat(bounds["start"][:10])
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        message = f"no usable schedule (period in d or wk, boundsPeriod.start): {exc}"
        raise errors.bad_request(message, where) from exc
    if int(repeat.get("frequency", 1)) != 1:
        raise errors.bad_request("a home infusion is one dose per period", f"{where}.frequency")
    last = date.fromisoformat(bounds["end"][:10]) if bounds.get("end") else None
    patient = request.get("subject", {}).get("reference", "").removeprefix("Patient/")
    return Need(
        id=f"mr-{request['id']}",
        patient=patient,
        kind="infusion",
        first_day=first,
        every_days=every,
        last_day=last,
        prescription=request["id"],
        **home,
    )


def list_needs(conn: Connection) -> list[Need]:
    rows = conn.execute(select(needs).order_by(needs.c.id)).mappings()
    return [Need(**dict(row)) for row in rows]


def visit_id(need: str, day: date) -> str:
    return "hv-" + hashlib.sha256(f"{need}|{day.isoformat()}".encode()).hexdigest()[:20]


def window_end_us(day: date, minutes: int) -> int:
    local = datetime.combine(day, time(0), LOCAL) + timedelta(minutes=minutes)
    return epoch_us(local)


def schedule_day(conn: Connection, day: date) -> list[str]:
    """The visits due on `day` recorded as `scheduled` (once per need and day); their ids."""
    known = set(conn.execute(select(visits.c.need).where(visits.c.day == day)).scalars())
    due = [n for n in list_needs(conn) if n.due(day)]
    fresh = [
        {
            "id": visit_id(n.id, day),
            "patient": n.patient,
            "need": n.id,
            "day": day,
            "status": "scheduled",
            "window_end_us": window_end_us(day, n.window_end),
        }
        for n in due
        if n.id not in known
    ]
    if fresh:
        conn.execute(visits.insert(), fresh)
    return [visit_id(n.id, day) for n in due]

"""Home-care nurses: the skills each holds and the zones each covers (docs/homecare.md).

A visit goes only to a nurse who holds its skill and covers its zone; planning reports a
visit nobody can take as unassigned with the reason, never drops it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, select

from enlace.kernel import errors
from enlace.modules.homecare.tables import nurses

SKILLS = {
    "infusion": "administración de infusiones y biológicos en domicilio",
    "wound-care": "curación de heridas (pie diabético, úlceras)",
    "oncology": "seguimiento de síntomas en oncología oral",
    "general": "visita de enfermería general (signos vitales, educación)",
}
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class Nurse:
    id: str  # FHIR Practitioner id
    name: str
    skills: frozenset[str]
    zones: frozenset[str]
    base_latitude: float
    base_longitude: float
    shift_start: int = 8 * 60  # minutes after local midnight
    shift_end: int = 17 * 60


def problems(nurse: Nurse) -> list[errors.Issue]:
    found = []
    unknown = sorted(nurse.skills - SKILLS.keys())
    if unknown or not nurse.skills:
        text = f"unknown skill(s) {', '.join(unknown)}" if unknown else "no skill"
        found.append(errors.Issue("invalid", f"{text}; known: {', '.join(SKILLS)}", "skills"))
    if not nurse.zones:
        found.append(errors.Issue("invalid", "a nurse covers at least one zone", "zones"))
    if not (-90 <= nurse.base_latitude <= 90 and -180 <= nurse.base_longitude <= 180):
        found.append(errors.Issue("invalid", "base coordinates out of range", "base"))
    if not 0 <= nurse.shift_start < nurse.shift_end <= MINUTES_PER_DAY:
        found.append(errors.Issue("invalid", "shift must start before it ends, same day", "shift"))
    return found


def add_nurse(conn: Connection, nurse: Nurse) -> Nurse:
    """Register (or replace) a nurse; a 400 naming every problem, nothing written."""
    found = problems(nurse)
    if found:
        raise errors.FhirError(400, found)
    conn.execute(nurses.delete().where(nurses.c.id == nurse.id))
    conn.execute(
        nurses.insert().values(
            id=nurse.id,
            name=nurse.name,
            skills=json.dumps(sorted(nurse.skills)),
            zones=json.dumps(sorted(nurse.zones)),
            base_latitude=nurse.base_latitude,
            base_longitude=nurse.base_longitude,
            shift_start=nurse.shift_start,
            shift_end=nurse.shift_end,
        )
    )
    return nurse


def list_nurses(conn: Connection) -> list[Nurse]:
    rows = conn.execute(select(nurses).order_by(nurses.c.id))
    return [
        Nurse(
            r.id,
            r.name,
            frozenset(json.loads(r.skills)),
            frozenset(json.loads(r.zones)),
            r.base_latitude,
            r.base_longitude,
            r.shift_start,
            r.shift_end,
        )
        for r in rows
    ]

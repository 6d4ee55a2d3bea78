"""Where a person is seen: the nearest facility of their institution, and who works there.

The catalog places facilities in three states (CDMX, Jalisco, Nuevo León); a person elsewhere
is sent to the nearest unit of any of them (far, as rural patients are). The catalog has no
private practices yet, so privately insured people are seen at the nearest level-1 clinic of any
institution — an assumption until a private network lands.
"""

from __future__ import annotations

from functools import cache

from enlace.modules.catalog import Facility, facilities
from enlace.sim.distributions import STATES
from enlace.sim.population import Person
from enlace.sim.staff import StaffMember, staff_of

# affiliation -> institution whose level-1 clinic treats the person (None: any institution)
CLINIC_OF: dict[str, str | None] = {
    "imss": "imss",
    "issste": "issste",
    "imss-bienestar": "imss-bienestar",
    "none": "imss-bienestar",  # the uninsured are IMSS-Bienestar's to serve
    "private": None,
}


@cache
def _candidates(state: str, kind: str, institution: str | None) -> tuple[Facility, ...]:
    def pick(where: str | None) -> tuple[Facility, ...]:
        return tuple(
            f
            for f in facilities(where, kind)
            if institution is None or f.institution == institution
        )

    return pick(state) or pick(None) or facilities(None, kind)


def nearest(person: Person, kind: str, institution: str | None = None) -> Facility:
    """The closest facility of `kind` (and institution), preferring the person's own state."""
    options = _candidates(STATES[person.state].inegi, kind, institution)
    return min(
        options,
        key=lambda f: (f.latitude - person.lat) ** 2 + (f.longitude - person.lon) ** 2,
    )


def clinic(person: Person) -> Facility:
    return nearest(person, "clinic-l1", CLINIC_OF[person.affiliation])


def laboratory(person: Person) -> Facility:
    return nearest(person, "laboratory")


@cache
def _staff(facility: Facility, role: str) -> tuple[StaffMember, ...]:
    return tuple(m for m in staff_of(facility) if m.role == role)


def physician(person: Person, facility: Facility) -> StaffMember:
    """The person's family doctor at that clinic (stable: the same doctor at every visit)."""
    doctors = _staff(facility, "doctor")
    return doctors[person.index % len(doctors)]

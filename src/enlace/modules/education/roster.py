"""Who the clinicians are, read from the FHIR record: each active PractitionerRole with a role
code education knows (doctor, nurse, pharmacist, chw) and the Organization it works for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from enlace.store.repository import FhirRepository

from .content import ROLES
from .search import search

PAGE = 1000


@dataclass(frozen=True, slots=True)
class Clinician:
    practitioner: str  # Practitioner id
    role: str
    clinic: str  # Organization id


def roster(conn: Connection, repo: FhirRepository) -> list[Clinician]:
    """Every active clinician role, read a page at a time (one entry per practitioner and
    clinic: the first role code education knows)."""
    found: dict[tuple[str, str], Clinician] = {}
    after: str | None = None
    while True:
        page = repo.scan(conn, "PractitionerRole", after, PAGE)
        for version in page:
            clinician = _clinician(version.resource())
            if clinician is not None:
                found.setdefault((clinician.practitioner, clinician.clinic), clinician)
        if len(page) < PAGE:
            return sorted(found.values(), key=lambda c: (c.clinic, c.practitioner))
        after = page[-1].id


def roles_of(conn: Connection, repo: FhirRepository, practitioner: str) -> list[Clinician]:
    """One practitioner's clinician roles (a search by practitioner, not the whole roster)."""
    params = [("practitioner", f"Practitioner/{practitioner}")]
    found = (_clinician(role) for role in search(conn, repo, "PractitionerRole", params))
    return sorted((c for c in found if c is not None), key=lambda c: c.clinic)


def _clinician(role: dict[str, Any]) -> Clinician | None:
    if role.get("active") is False:
        return None
    who = str((role.get("practitioner") or {}).get("reference", ""))
    org = str((role.get("organization") or {}).get("reference", ""))
    if not who.startswith("Practitioner/") or not org.startswith("Organization/"):
        return None
    codes = [
        coding.get("code")
        for concept in role.get("code") or ()
        for coding in concept.get("coding") or ()
    ]
    known = next((c for c in codes if c in ROLES), None)
    if known is None:
        return None
    return Clinician(who.split("/", 1)[1], known, org.split("/", 1)[1])

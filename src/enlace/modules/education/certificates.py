"""A completed course's certificate, recorded where FHIR keeps a clinician's credentials:
Practitioner.qualification (identifier, code, period, issuer), written through the repository.

The qualification is identified by `certificate_id(practitioner, course)`, so recording it twice
leaves one. Only a Practitioner can hold one: any other reference is a 400 naming it.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from enlace.kernel import errors
from enlace.store.repository import FhirRepository

from .content import Course

BASE = "https://enlace.health/fhir"
COURSE_SYSTEM = f"{BASE}/CodeSystem/training-course"
CERTIFICATE_SYSTEM = f"{BASE}/sid/training-certificate"


def certificate_id(practitioner: str, course: str) -> str:
    return "cert-" + hashlib.sha256(f"{practitioner}|{course}".encode()).hexdigest()[:24]


def practitioner_id(reference: str) -> str:
    """`Practitioner/<id>` (or a bare id) → the id; anything else is the 400 of a certificate
    for someone who cannot hold one."""
    kind, _, ident = reference.rpartition("/")
    if kind not in ("", "Practitioner") or not ident:
        raise errors.bad_request(
            f"A certificate is held by a Practitioner, not '{reference}'", "practitioner"
        )
    return ident


def record(
    conn: Connection,
    repo: FhirRepository,
    reference: str,
    course: Course,
    issuer: str,
    completed_us: int,
) -> str:
    """Add (once) the course's qualification to the Practitioner; the certificate id."""
    ident = practitioner_id(reference)
    found = repo.current(conn, "Practitioner", ident)
    if found is None or found.deleted:
        raise errors.bad_request(f"Practitioner/{ident} is not known", "practitioner")
    practitioner = found.resource()
    cert = certificate_id(ident, course.id)
    held = practitioner.get("qualification") or []
    if any(_identifies(q, cert) for q in held):
        return cert
    practitioner["qualification"] = [*held, qualification(cert, course, issuer, completed_us)]
    repo.update(conn, practitioner, ident)
    return cert


def qualification(cert: str, course: Course, issuer: str, completed_us: int) -> dict[str, Any]:
    start = datetime.fromtimestamp(completed_us / 1e6, UTC).date()
    end = start.replace(year=start.year + course.valid_years)
    return {
        "identifier": [{"system": CERTIFICATE_SYSTEM, "value": cert}],
        "code": {
            "coding": [{"system": COURSE_SYSTEM, "code": course.id, "display": course.title.es}],
            "text": course.title.es,
        },
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "issuer": {"display": issuer},
    }


def _identifies(qualification: dict[str, Any], cert: str) -> bool:
    return any(
        i.get("system") == CERTIFICATE_SYSTEM and i.get("value") == cert
        for i in qualification.get("identifier") or ()
    )

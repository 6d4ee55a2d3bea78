"""Caregivers following a patient's monitoring, each under the patient's Consent.

A caregiver is a user of role `caregiver` whose fhirUser is a RelatedPerson or Person. They may
follow a patient when the patient has an active Consent (stored FHIR Consent, `patient` the
patient) with a `permit` provision — at its root or nested — whose `actor` names the caregiver
and whose period, if any, covers now. The follow is a row of monitoring_follows that names that
Consent; it counts only while the row is not revoked AND the Consent still permits: a patient who
revokes or changes the Consent ends every follow it carried at once, without touching this
table. Unfollowing (the caregiver's or the patient's choice) stamps `revoked_us`.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, select

from enlace.kernel import errors
from enlace.modules.monitoring.tables import follows as table
from enlace.search.values import date_range
from enlace.store.repository import FhirRepository

CAREGIVER_REF = re.compile(r"(RelatedPerson|Person)/[A-Za-z0-9\-.]{1,64}")
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def follow(
    conn: Connection,
    repo: FhirRepository,
    caregiver: str,
    patient: str,
    consent_id: str,
    now_us: int,
) -> None:
    """Start (or restart) following; a 400 naming the field when the Consent does not allow it,
    nothing written."""
    if not CAREGIVER_REF.fullmatch(caregiver):
        raise errors.bad_request(
            "a caregiver is a RelatedPerson/{id} or Person/{id} reference", "caregiver"
        )
    if not FHIR_ID.fullmatch(patient):
        raise errors.bad_request("not a patient id", "patient")
    if not FHIR_ID.fullmatch(consent_id) or not _permits(
        _consent(conn, repo, consent_id), caregiver, patient, now_us
    ):
        raise errors.bad_request(
            f"Consent/{consent_id[:64]} is not an active Consent of Patient/{patient} "
            f"permitting {caregiver}",
            "consent",
        )
    key = (table.c.caregiver == caregiver) & (table.c.patient == patient)
    if conn.execute(select(table.c.patient).where(key)).first() is None:
        conn.execute(
            table.insert().values(
                caregiver=caregiver, patient=patient, consent_id=consent_id, created_us=now_us
            )
        )
    else:
        conn.execute(
            table.update()
            .where(key)
            .values(consent_id=consent_id, created_us=now_us, revoked_us=None)
        )


def unfollow(conn: Connection, caregiver: str, patient: str, now_us: int) -> bool:
    """Stop following; False when there was no active follow."""
    done = conn.execute(
        table.update()
        .where(
            table.c.caregiver == caregiver,
            table.c.patient == patient,
            table.c.revoked_us.is_(None),
        )
        .values(revoked_us=now_us)
    )
    return bool(done.rowcount)


def may_view(
    conn: Connection, repo: FhirRepository, caregiver: str | None, patient: str, now_us: int
) -> bool:
    """Whether the caregiver follows the patient now under a Consent that still permits it."""
    if not caregiver:
        return False
    row = conn.execute(
        select(table.c.consent_id).where(
            table.c.caregiver == caregiver,
            table.c.patient == patient,
            table.c.revoked_us.is_(None),
        )
    ).first()
    if row is None:
        return False
    return _permits(_consent(conn, repo, row.consent_id), caregiver, patient, now_us)


def followed(conn: Connection, repo: FhirRepository, caregiver: str, now_us: int) -> list[str]:
    """The patients this caregiver follows now, by id."""
    rows = conn.execute(
        select(table.c.patient, table.c.consent_id).where(
            table.c.caregiver == caregiver, table.c.revoked_us.is_(None)
        )
    )
    return sorted(
        row.patient
        for row in rows
        if _permits(_consent(conn, repo, row.consent_id), caregiver, row.patient, now_us)
    )


def _consent(conn: Connection, repo: FhirRepository, consent_id: str) -> dict[str, Any] | None:
    stored = repo.current(conn, "Consent", consent_id)
    if stored is None or stored.deleted:
        return None
    resource: dict[str, Any] = stored.resource()
    return resource


def _permits(consent: dict[str, Any] | None, caregiver: str, patient: str, now_us: int) -> bool:
    if consent is None or consent.get("status") != "active":
        return False
    if (consent.get("patient") or {}).get("reference") != f"Patient/{patient}":
        return False
    return _provision_permits(consent.get("provision") or {}, caregiver, now_us)


def _provision_permits(provision: dict[str, Any], caregiver: str, now_us: int) -> bool:
    actors = {
        (actor.get("reference") or {}).get("reference") for actor in provision.get("actor") or ()
    }
    if provision.get("type") == "permit" and caregiver in actors and _covers(provision, now_us):
        return True
    return any(_provision_permits(p, caregiver, now_us) for p in provision.get("provision") or ())


def _covers(provision: dict[str, Any], now_us: int) -> bool:
    period = provision.get("period") or {}
    start = date_range(period["start"]) if period.get("start") else None
    end = date_range(period["end"]) if period.get("end") else None
    return (start is None or start.low_us <= now_us) and (end is None or now_us < end.high_us)

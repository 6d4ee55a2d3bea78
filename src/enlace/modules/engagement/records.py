"""One patient's resources the app needs (prescriptions, goals), found through the reference
index's `patient` entries and read in one batch, as screening's patient_record does."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from sqlalchemy import Connection, select

from enlace.store.repository import FhirRepository
from enlace.store.schema import reference_index

MOST = 200  # a person's prescriptions or goals; the app shows far fewer


def of_patient(
    conn: Connection, repo: FhirRepository, resource_type: str, patient: str
) -> list[dict[str, Any]]:
    """The current, not deleted resources of one type whose subject is the patient."""
    r = reference_index.c
    query = select(r.resource_id).where(
        r.resource_type == resource_type,
        r.param == "patient",
        r.target_type == "Patient",
        r.target_id == patient,
    )
    ids = [row[0] for row in conn.execute(query.limit(MOST))]
    found = repo.current_many(conn, resource_type, ids).values()
    bodies = [v.resource() for v in found if not v.deleted]
    return [b for b in bodies if (b.get("subject") or {}).get("reference") == f"Patient/{patient}"]


def digest(item: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (keys sorted): the same item resent digests the same."""
    return hashlib.sha256(orjson.dumps(item, option=orjson.OPT_SORT_KEYS)).hexdigest()

"""Teleconsultation (issue 14 part 2; docs/care.md "Teleconsultation").

A teleconsult is a virtual Encounter (class VR) for a booked virtual Appointment, with a join link
from a pluggable `VideoProvider`. The default `TestVideoProvider` returns a test link (no video
service is contracted yet); what is made during the call is real FHIR in the store: the Encounter,
notes (a Communication about the encounter), orders (ServiceRequest) and prescriptions
(MedicationRequest), each referencing the Encounter. A teleconsult for an in-person appointment is
refused (422 naming Appointment.appointmentType).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Connection, update

from enlace.kernel import errors
from enlace.modules.care import scheduling
from enlace.modules.care.referrals import iso
from enlace.modules.care.tables import appointments
from enlace.store.repository import FhirRepository

V3_ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
JOIN_URL = "https://enlace.example.mx/fhir/StructureDefinition/teleconsult-join-url"


class VideoProvider(Protocol):
    def room_for(self, appointment_id: str) -> str:
        """The join link of the appointment's video room."""
        ...


class TestVideoProvider:
    """A stable test link per appointment; no network call."""

    __test__ = False  # not a pytest class

    def room_for(self, appointment_id: str) -> str:
        room = hashlib.sha256(appointment_id.encode()).hexdigest()[:16]
        return f"https://video.test.enlace.example.mx/sala/{room}"


def start(
    conn: Connection,
    repo: FhirRepository,
    appointment_id: str,
    now_us: int,
    provider: VideoProvider | None = None,
) -> tuple[str, str]:
    """Open the virtual Encounter of a booked virtual appointment: (encounter id, join link)."""
    row = scheduling.get(conn, appointment_id)
    if row.mode != "virtual":
        text = f"Appointment/{appointment_id} is in person: it has no teleconsult"
        raise errors.unprocessable(
            [errors.Issue("business-rule", text, "Appointment.appointmentType")]
        )
    if row.encounter_id:
        link = (provider or TestVideoProvider()).room_for(appointment_id)
        return row.encounter_id, link
    link = (provider or TestVideoProvider()).room_for(appointment_id)
    scheduling.arrived(conn, repo, appointment_id)
    encounter = repo.create(
        conn,
        {
            "resourceType": "Encounter",
            "status": "in-progress",
            "class": {"system": V3_ACT, "code": "VR", "display": "virtual"},
            "subject": {"reference": f"Patient/{row.patient}"},
            "participant": [{"individual": {"reference": row.actor}}],
            "appointment": [{"reference": f"Appointment/{appointment_id}"}],
            "serviceProvider": {"reference": row.organization},
            "period": {"start": iso(now_us)},
            "extension": [{"url": JOIN_URL, "valueUrl": link}],
        },
    )
    conn.execute(
        update(appointments)
        .where(appointments.c.id == appointment_id)
        .values(encounter_id=encounter.id)
    )
    return encounter.id, link


def provider(conn: Connection, repo: FhirRepository, encounter_id: str) -> str | None:
    """The facility an Encounter belongs to (its serviceProvider), for the caller's check that
    a clinician acts for it; 404 when there is no such Encounter."""
    found = repo.read(conn, "Encounter", encounter_id).resource()
    reference = (found.get("serviceProvider") or {}).get("reference")
    return reference if isinstance(reference, str) else None


def _encounter(conn: Connection, repo: FhirRepository, encounter_id: str) -> dict[str, Any]:
    found = repo.read(conn, "Encounter", encounter_id).resource()
    if found.get("class", {}).get("code") != "VR":
        raise errors.unprocessable(
            [errors.Issue("business-rule", f"Encounter/{encounter_id} is not virtual", "encounter")]
        )
    if found.get("status") != "in-progress":
        raise errors.conflict(f"Encounter/{encounter_id} is {found.get('status')}")
    return found


def note(
    conn: Connection, repo: FhirRepository, encounter_id: str, text: str, by: str, now_us: int
) -> str:
    """A clinical note written during the call: a Communication about the Encounter."""
    if not text.strip():
        raise errors.bad_request("A note needs text", "payload")
    found = _encounter(conn, repo, encounter_id)
    created = repo.create(
        conn,
        {
            "resourceType": "Communication",
            "status": "completed",
            "subject": found["subject"],
            "encounter": {"reference": f"Encounter/{encounter_id}"},
            "sender": {"reference": by},
            "sent": iso(now_us),
            "payload": [{"contentString": text}],
        },
    )
    return created.id


def order(
    conn: Connection,
    repo: FhirRepository,
    encounter_id: str,
    resource: Any,
    check: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> str:
    """An order (ServiceRequest) or prescription (MedicationRequest) made during the call, tied
    to its Encounter and patient; `check` (e.g. Services.checked_resource) validates the result
    as FHIR before it is written."""
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if kind not in ("ServiceRequest", "MedicationRequest"):
        raise errors.bad_request(
            f"A teleconsult orders ServiceRequest or MedicationRequest, not {kind}",
            "resource.resourceType",
        )
    found = _encounter(conn, repo, encounter_id)
    body = {**resource, "encounter": {"reference": f"Encounter/{encounter_id}"}}
    body["subject"] = found["subject"]
    return repo.create(conn, check(body) if check else body).id


def finish(conn: Connection, repo: FhirRepository, encounter_id: str, now_us: int) -> None:
    """Close the Encounter and fulfil its appointment."""
    found = _encounter(conn, repo, encounter_id)
    found["status"] = "finished"
    found["period"] = {**found.get("period", {}), "end": iso(now_us)}
    repo.update(conn, found, encounter_id)
    appointment = found["appointment"][0]["reference"].removeprefix("Appointment/")
    scheduling.fulfilled(conn, repo, appointment)

"""Referrals across levels of care (issue 14 part 1; docs/care.md "Referrals").

A referral is a FHIR ServiceRequest (what is asked, of whom, why, how urgently) with a Task that
carries its lifecycle, plus a `care_referrals` row the state machine claims:

    requested -> accepted | rejected;  accepted -> scheduled;  scheduled -> completed

Completing it writes the counter-referral: a ServiceRequest from the receiving facility back to
the referring clinic (basedOn the referral) with the summary and the follow-up asked for, which the
referring clinic sees on its sending worklist. Each step is one conditional UPDATE on (id, status),
so of two clerks pressing "accept" one wins and the other gets 409 naming the current state.

Validation before anything is written: the receiving facility must be a catalog facility offering
the service (422 naming `performer` / `performerType`), the urgency one of the SLA clocks (400).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.modules.care import services
from enlace.modules.care.sla import DEFAULT_CLOCKS, SlaClocks
from enlace.modules.care.tables import referrals as table
from enlace.store.repository import FhirRepository

SNOMED = "http://snomed.info/sct"
REFERRAL = {"system": SNOMED, "code": "3457005", "display": "Patient referral"}
COUNTER = {"system": SNOMED, "code": "306206005", "display": "Referral to service"}
SERVICE_SYSTEM = "https://enlace.example.mx/fhir/CodeSystem/care-service"
BUSINESS = "https://enlace.example.mx/fhir/CodeSystem/referral-status"

# state -> the states it may move to
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "requested": ("accepted", "rejected"),
    "accepted": ("scheduled",),
    "scheduled": ("completed",),
    "rejected": (),
    "completed": (),
}
# referral state -> (Task.status, ServiceRequest.status)
FHIR_STATUS: dict[str, tuple[str, str]] = {
    "requested": ("requested", "active"),
    "accepted": ("accepted", "active"),
    "rejected": ("rejected", "revoked"),
    "scheduled": ("in-progress", "active"),
    "completed": ("completed", "completed"),
}


@dataclass(frozen=True, slots=True)
class Referral:
    id: str  # the ServiceRequest id
    task_id: str
    status: str
    due_us: int | None


def iso(us: int) -> str:
    return fhir_instant(from_epoch_us(us))


def refer(
    conn: Connection,
    repo: FhirRepository,
    *,
    patient: str,
    from_org: str,
    to_org: str,
    service: str,
    urgency: str,
    reason: str,
    now_us: int,
    reason_refs: Sequence[str] = (),
    supporting: Sequence[str] = (),
    source: str | None = None,
    clocks: SlaClocks = DEFAULT_CLOCKS,
) -> Referral:
    """Write the referral (ServiceRequest + Task + row) in the caller's transaction."""
    _check(to_org, service, urgency, reason, clocks)
    due = now_us + clocks.within(urgency)
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "priority": urgency,
        "code": {"coding": [REFERRAL], "text": "Referencia a hospital público"},
        "performerType": _service_concept(service),
        "subject": {"reference": f"Patient/{patient}"},
        "authoredOn": iso(now_us),
        "requester": {"reference": from_org},
        "performer": [{"reference": to_org}],
        "note": [{"text": reason}],
    }
    if reason_refs:
        request["reasonReference"] = [{"reference": r} for r in reason_refs]
    if supporting:
        request["supportingInfo"] = [{"reference": r} for r in supporting]
    created = repo.create(conn, request)
    task = repo.create(conn, _task(created.id, patient, from_org, to_org, urgency, now_us, due))
    conn.execute(
        insert(table).values(
            id=created.id,
            task_id=task.id,
            patient=patient,
            from_org=from_org,
            to_org=to_org,
            service=service,
            urgency=urgency,
            status="requested",
            reason=reason,
            requested_us=now_us,
            due_us=due,
            source=source,
        )
    )
    return Referral(created.id, task.id, "requested", due)


def _check(to_org: str, service: str, urgency: str, reason: str, clocks: SlaClocks) -> None:
    if urgency not in clocks.hours:
        known = ", ".join(clocks.hours)
        raise errors.bad_request(f"Unknown urgency '{urgency}' (known: {known})", "priority")
    if not reason.strip():
        raise errors.bad_request("A referral needs a reason", "note")
    if service not in services.SERVICES:
        raise errors.unprocessable(
            [errors.Issue("code-invalid", f"Unknown service '{service}'", "performerType")]
        )
    if not services.is_facility(to_org):
        issue = errors.Issue("not-found", f"{to_org} is not a facility of the network", "performer")
        raise errors.unprocessable([issue])
    if service not in services.offered_by(to_org):
        text = f"{to_org} does not offer the service '{service}' ({services.SERVICES[service]})"
        raise errors.unprocessable([errors.Issue("business-rule", text, "performer")])


def _service_concept(service: str) -> dict[str, Any]:
    display = services.SERVICES[service]
    return {"coding": [{"system": SERVICE_SYSTEM, "code": service, "display": display}]}


def _task(
    request_id: str, patient: str, from_org: str, to_org: str, urgency: str, now: int, due: int
) -> dict[str, Any]:
    return {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": urgency,
        "code": {"coding": [REFERRAL]},
        "focus": {"reference": f"ServiceRequest/{request_id}"},
        "for": {"reference": f"Patient/{patient}"},
        "authoredOn": iso(now),
        "lastModified": iso(now),
        "requester": {"reference": from_org},
        "owner": {"reference": to_org},
        "businessStatus": _business("requested"),
        "restriction": {"period": {"end": iso(due)}},
    }


def _business(state: str) -> dict[str, Any]:
    return {"coding": [{"system": BUSINESS, "code": state}], "text": state}


# -- the lifecycle ---------------------------------------------------------------------------
def accept(conn: Connection, repo: FhirRepository, referral_id: str, by: str, now_us: int) -> str:
    """The receiving facility accepts; the clock now runs for booking the appointment."""
    row = _move(conn, referral_id, "accepted", answered_us=now_us)
    _retask(conn, repo, row, "accepted", now_us, f"Aceptada por {by}")
    return "accepted"


def reject(
    conn: Connection, repo: FhirRepository, referral_id: str, by: str, reason: str, now_us: int
) -> str:
    if not reason.strip():
        raise errors.bad_request("Rejecting a referral needs a reason", "statusReason")
    row = _move(conn, referral_id, "rejected", answered_us=now_us, due_us=None)
    _retask(conn, repo, row, "rejected", now_us, f"Rechazada por {by}: {reason}", reason)
    return "rejected"


def schedule(
    conn: Connection,
    repo: FhirRepository,
    referral_id: str,
    appointment_id: str,
    appointment_us: int,
    now_us: int,
) -> str:
    """The appointment is booked (scheduling.book with `referral_id` calls this)."""
    values = {"scheduled_us": now_us, "appointment_us": appointment_us, "due_us": None}
    row = _move(conn, referral_id, "scheduled", **values)
    note = f"Cita Appointment/{appointment_id} el {iso(appointment_us)}"
    _retask(conn, repo, row, "scheduled", now_us, note, output=f"Appointment/{appointment_id}")
    return "scheduled"


def complete(
    conn: Connection,
    repo: FhirRepository,
    referral_id: str,
    *,
    summary: str,
    follow_up: str,
    by: str,
    now_us: int,
) -> str:
    """Close the referral with its counter-referral back to the referring clinic; its id."""
    if not summary.strip():
        raise errors.bad_request("A counter-referral needs a clinical summary", "note")
    current = _row(conn, referral_id)
    _allowed(current, "completed")
    counter = repo.create(conn, _counter(current, summary, follow_up, by, now_us))
    row = _move(conn, referral_id, "completed", completed_us=now_us, counter_referral=counter.id)
    note = f"Contrarreferencia ServiceRequest/{counter.id}: {summary}"
    _retask(conn, repo, row, "completed", now_us, note, output=f"ServiceRequest/{counter.id}")
    return counter.id


def _counter(row: Any, summary: str, follow_up: str, by: str, now_us: int) -> dict[str, Any]:
    notes = [{"text": summary}] + ([{"text": follow_up}] if follow_up.strip() else [])
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "priority": "routine",
        "basedOn": [{"reference": f"ServiceRequest/{row.id}"}],
        "code": {"coding": [COUNTER], "text": "Contrarreferencia"},
        "performerType": _service_concept("family-medicine"),
        "subject": {"reference": f"Patient/{row.patient}"},
        "authoredOn": iso(now_us),
        "requester": {"reference": row.to_org, "display": by},
        "performer": [{"reference": row.from_org}],
        "note": notes,
    }


def referral(conn: Connection, referral_id: str) -> Any:
    """The referral's row (404 when there is none)."""
    return _row(conn, referral_id)


def from_source(conn: Connection, prefix: str) -> list[Any]:
    """The referrals whose source starts with `prefix` (e.g. "monitoring-alert:"), oldest first."""
    query = select(table).where(table.c.source.startswith(prefix, autoescape=True))
    return list(conn.execute(query.order_by(table.c.requested_us, table.c.id)).all())


def _row(conn: Connection, referral_id: str) -> Any:
    row = conn.execute(select(table).where(table.c.id == referral_id)).first()
    if row is None:
        raise errors.not_found(f"Referral ServiceRequest/{referral_id} not found")
    return row


def _allowed(row: Any, target: str) -> None:
    if target not in TRANSITIONS[row.status]:
        raise errors.conflict(
            f"Referral ServiceRequest/{row.id} is {row.status}: it cannot become {target}"
        )


def _move(conn: Connection, referral_id: str, target: str, **values: Any) -> Any:
    """Claim the transition: one UPDATE on (id, a state that allows `target`)."""
    sources = [s for s, targets in TRANSITIONS.items() if target in targets]
    claimed = conn.execute(
        update(table)
        .where(table.c.id == referral_id, table.c.status.in_(sources))
        .values(status=target, **values)
    )
    row = _row(conn, referral_id)
    if claimed.rowcount != 1:
        raise errors.conflict(
            f"Referral ServiceRequest/{referral_id} is {row.status}: it cannot become {target}"
        )
    return row


def _retask(
    conn: Connection,
    repo: FhirRepository,
    row: Any,
    state: str,
    now_us: int,
    note: str,
    status_reason: str | None = None,
    output: str | None = None,
) -> None:
    task_status, request_status = FHIR_STATUS[state]
    task = repo.read(conn, "Task", row.task_id).resource()
    task.update(status=task_status, businessStatus=_business(state), lastModified=iso(now_us))
    task["note"] = [*task.get("note", []), {"text": note, "time": iso(now_us)}]
    if status_reason:
        task["statusReason"] = {"text": status_reason}
    if output:
        kind = {"type": {"text": output.split("/")[0]}, "valueReference": {"reference": output}}
        task["output"] = [*task.get("output", []), kind]
    if row.due_us is None:
        task.pop("restriction", None)
    repo.update(conn, task, row.task_id)
    if request_status != "active":
        request = repo.read(conn, "ServiceRequest", row.id).resource()
        request["status"] = request_status
        repo.update(conn, request, row.id)

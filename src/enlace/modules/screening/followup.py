"""The follow-up loop (docs/screening.md "Follow-up"): every probable disease a screening found is a
referral Task (record_screening writes it: focus the RiskAssessment, owner the patient's clinic,
`restriction.period.end` the due date); the clinic confirms it or rules it out, then starts
treatment. This is CASALUD's "linked to care" gap: MIDO found people, only 5.5% reached care.

- `confirm` / `rule_out`: a Condition (verificationStatus confirmed, or refuted) with the Task as
  evidence, the Task completed with the Condition as output, and a `screening_followups` row, in
  the caller's transaction (nothing is written when anything is refused).
- `start_treatment`: the first MedicationRequest for a confirmed condition (reasonReference the
  Condition), its time stamped on the row; `link_treatment` stamps one written elsewhere.
- `untreated`: a patient's confirmed referrals with no treatment yet.
Reading referrals (a clinic's open ones, a patient's) is `referrals`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, fhir_instant
from enlace.modules.catalog import medicine_by_slug
from enlace.modules.screening.patient_record import ICD10
from enlace.modules.screening.referrals import (
    DAY_US,
    DIAGNOSES,
    OPEN,
    Referral,
    instant_us,
    is_referral,
    referral_of,
)
from enlace.modules.screening.tables import followups
from enlace.store.repository import FhirRepository

VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"


# -- deciding ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Decision:
    task_id: str
    outcome: str  # confirmed | ruled-out
    condition_id: str
    days_to_decision: float


def confirm(
    conn: Connection,
    repo: FhirRepository,
    task_id: str,
    *,
    performer: str | None = None,
    code: str | None = None,
    now: datetime | None = None,
) -> Decision:
    return _decide(conn, repo, task_id, "confirmed", performer, code, now)


def rule_out(
    conn: Connection,
    repo: FhirRepository,
    task_id: str,
    *,
    performer: str | None = None,
    code: str | None = None,
    now: datetime | None = None,
) -> Decision:
    return _decide(conn, repo, task_id, "ruled-out", performer, code, now)


def _decide(
    conn: Connection,
    repo: FhirRepository,
    task_id: str,
    outcome: str,
    performer: str | None,
    code: str | None,
    now: datetime | None,
) -> Decision:
    stored = repo.read(conn, "Task", task_id)
    task = stored.resource()
    if not is_referral(task):
        raise errors.bad_request(f"Task/{task_id} is not a screening referral", "task")
    referral = referral_of(task)
    if referral.status not in OPEN:
        raise errors.conflict(f"Task/{task_id} is already {referral.status}: decided before")
    diagnosis = _diagnosis(referral, code)
    moment = now or repo.clock()
    at_us = epoch_us(moment)
    condition_id = f"{task_id}-dx"
    condition = _condition(referral, task, diagnosis, outcome, performer, moment)
    repo.create(conn, condition, condition_id)  # 409 when another clinician decided it first
    task["status"] = "completed"
    task["businessStatus"] = {"text": outcome}
    task["lastModified"] = fhir_instant(moment)
    task["executionPeriod"] = {**(task.get("executionPeriod") or {}), "end": fhir_instant(moment)}
    task["output"] = [
        {
            "type": {"text": "diagnosis"},
            "valueReference": {"reference": f"Condition/{condition_id}"},
        }
    ]
    repo.update(conn, task, task_id, if_match=stored.version_id)
    _insert_row(conn, referral, diagnosis[0], outcome, at_us, condition_id)
    return Decision(task_id, outcome, condition_id, (at_us - referral.opened_us) / DAY_US)


def _diagnosis(referral: Referral, code: str | None) -> tuple[str, str]:
    if code is not None:
        if code in DIAGNOSES:
            return DIAGNOSES[code]
        if not (3 <= len(code) <= 8 and code[0].isalpha() and code[1:3].isdigit()):
            raise errors.bad_request(f"{code!r} is not an ICD-10 code", "code")
        return (code, code)
    found = referral.diagnosis
    if found is None:
        raise errors.bad_request(
            f"Task/{referral.task_id} does not name the condition: give its ICD-10 code", "code"
        )
    return found


def _condition(
    referral: Referral,
    task: Mapping[str, Any],
    diagnosis: tuple[str, str],
    outcome: str,
    performer: str | None,
    moment: datetime,
) -> dict[str, Any]:
    confirmed = outcome == "confirmed"
    evidence = [{"reference": f"Task/{referral.task_id}"}]
    focus = (task.get("focus") or {}).get("reference")
    if focus:
        evidence.append({"reference": str(focus)})
    body: dict[str, Any] = {
        "resourceType": "Condition",
        "clinicalStatus": {
            "coding": [{"system": CLINICAL, "code": "active" if confirmed else "inactive"}]
        },
        "verificationStatus": {
            "coding": [{"system": VERIFICATION, "code": "confirmed" if confirmed else "refuted"}]
        },
        "code": {"coding": [{"system": ICD10, "code": diagnosis[0], "display": diagnosis[1]}]},
        "subject": {"reference": f"Patient/{referral.patient}"},
        "recordedDate": fhir_instant(moment),
        "evidence": [{"detail": evidence}],
    }
    if confirmed:
        body["onsetDateTime"] = fhir_instant(moment)
    if performer:
        body["recorder"] = {"reference": performer}
    return body


def _insert_row(
    conn: Connection, referral: Referral, code: str, outcome: str, at_us: int, condition_id: str
) -> None:
    row = {
        "task_id": referral.task_id,
        "patient": referral.patient,
        "clinic": referral.clinic or "",
        "condition": code,
        "opened_us": referral.opened_us,
        "due_us": referral.due_us,
        "outcome": outcome,
        "decided_us": at_us,
        "condition_id": condition_id,
    }
    try:
        with conn.begin_nested():
            conn.execute(insert(followups).values(**row))
    except IntegrityError as exc:
        raise errors.conflict(f"Task/{referral.task_id} was decided concurrently") from exc


# -- treatment ---------------------------------------------------------------------------------
def start_treatment(
    conn: Connection,
    repo: FhirRepository,
    task_id: str,
    *,
    medication: str,
    dosage: str,
    performer: str | None = None,
    now: datetime | None = None,
) -> str:
    """Prescribe a catalog medicine (`medication`: its slug) for the confirmed condition; the
    first prescription is the treatment start. Returns the MedicationRequest id."""
    row = _decided_row(conn, task_id)
    if row.outcome != "confirmed":
        raise errors.conflict(f"Task/{task_id} was ruled out: there is nothing to treat")
    medicine = medicine_by_slug(medication)
    if medicine is None:
        raise errors.bad_request(f"{medication!r} is not a medicine of the formulary", "medication")
    text = dosage.strip()
    if not text or len(text) > 200:
        raise errors.bad_request("dosage must be 1 to 200 characters of instructions", "dosage")
    moment = now or repo.clock()
    request: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationReference": {
            "reference": f"Medication/{medicine.id}",
            "display": medicine.display,
        },
        "subject": {"reference": f"Patient/{row.patient}"},
        "authoredOn": fhir_instant(moment),
        "reasonReference": [{"reference": f"Condition/{row.condition_id}"}],
        "dosageInstruction": [{"text": text}],
    }
    if performer:
        request["requester"] = {"reference": performer}
    written = repo.create(conn, request)
    _stamp_treatment(conn, task_id, written.id, epoch_us(moment))
    return written.id


def link_treatment(conn: Connection, repo: FhirRepository, task_id: str, request_id: str) -> None:
    """Count a MedicationRequest written elsewhere (the prescribing screen, the simulation) as
    the treatment of a confirmed referral, when it is the patient's and the first."""
    row = _decided_row(conn, task_id)
    if row.outcome != "confirmed":
        raise errors.conflict(f"Task/{task_id} was ruled out: there is nothing to treat")
    request = repo.read(conn, "MedicationRequest", request_id).resource()
    if (request.get("subject") or {}).get("reference") != f"Patient/{row.patient}":
        raise errors.bad_request(
            f"MedicationRequest/{request_id} is not for Patient/{row.patient}", "medicationRequest"
        )
    authored = instant_us(request.get("authoredOn")) or epoch_us(repo.clock())
    _stamp_treatment(conn, task_id, request_id, authored)


def _decided_row(conn: Connection, task_id: str) -> Any:
    row = conn.execute(select(followups).where(followups.c.task_id == task_id)).first()
    if row is None:
        raise errors.conflict(f"Task/{task_id} is not confirmed yet: confirm it first")
    return row


def _stamp_treatment(conn: Connection, task_id: str, request_id: str, at_us: int) -> None:
    """Only the first treatment counts (a later prescription leaves the row as it is)."""
    conn.execute(
        update(followups)
        .where(followups.c.task_id == task_id, followups.c.treated_us.is_(None))
        .values(treated_us=at_us, medication_request=request_id)
    )


def untreated(conn: Connection, patient: str) -> list[tuple[str, str]]:
    """(task id, ICD-10 code) of the patient's confirmed referrals not yet treated."""
    f = followups.c
    query = (
        select(f.task_id, f.condition)
        .where(f.patient == patient, f.outcome == "confirmed", f.treated_us.is_(None))
        .order_by(f.task_id)
    )
    return [(str(row[0]), str(row[1])) for row in conn.execute(query)]

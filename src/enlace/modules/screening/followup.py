"""The follow-up loop (docs/screening.md "Follow-up"): every probable disease a screening found is a
referral Task (record_screening writes it: focus the RiskAssessment, owner the patient's clinic,
`restriction.period.end` the due date); the clinic confirms it or rules it out, then starts
treatment. This is CASALUD's "linked to care" gap: MIDO found people, only 5.5% reached care.

- `confirm` / `rule_out`: a Condition (verificationStatus confirmed, or refuted) with the Task as
  evidence, the Task completed with the Condition as output, and a `screening_followups` row, in
  the caller's transaction (nothing is written when anything is refused).
- `start_treatment`: the first MedicationRequest for a confirmed condition (reasonReference the
  Condition), its time stamped on the row; `link_treatment` stamps one written elsewhere.
- `open_referrals`: a clinic's open referrals, due first, from the Task indexes (owner + status).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, fhir_instant
from enlace.modules.catalog import medicine_by_slug
from enlace.modules.screening.patient_record import ICD10, parse_date
from enlace.modules.screening.tables import followups
from enlace.store.repository import FhirRepository
from enlace.store.schema import reference_index, token_index

OPEN = ("draft", "requested", "received", "accepted", "ready", "in-progress", "on-hold")
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
# The engine's condition keys, as the ICD-10 code a confirmation records.
DIAGNOSES = {
    "diabetes": ("E11.9", "Diabetes mellitus tipo 2 sin complicaciones"),
    "hypertension": ("I10", "Hipertensión esencial (primaria)"),
    "obesity": ("E66.9", "Obesidad, no especificada"),
    "dyslipidemia": ("E78.5", "Hiperlipidemia, no especificada"),
}
DAY_US = 86_400_000_000
CLINIC_TIME = timezone(timedelta(hours=-6))  # a due date is a local day in Mexico City (UTC-6)


@dataclass(frozen=True, slots=True)
class Referral:
    task_id: str
    patient: str
    clinic: str | None  # Organization id
    condition: str | None  # engine key ("diabetes") or ICD-10 code, as the Task names it
    opened_us: int
    due_us: int | None
    status: str

    def overdue(self, now_us: int) -> bool:
        return self.status in OPEN and self.due_us is not None and self.due_us < now_us

    @property
    def diagnosis(self) -> tuple[str, str] | None:
        """(ICD-10 code, display) a confirmation records, when the Task names it."""
        if self.condition in DIAGNOSES:
            return DIAGNOSES[self.condition]
        return (self.condition, self.condition) if self.condition else None


def referral_of(task: Mapping[str, Any]) -> Referral:
    """The referral a Task describes (pure)."""
    ref = str((task.get("for") or {}).get("reference", ""))
    owner = str((task.get("owner") or {}).get("reference", ""))
    period = (task.get("restriction") or {}).get("period") or task.get("executionPeriod") or {}
    due = _instant_us(period.get("end"), end_of_day=True)
    return Referral(
        task_id=str(task.get("id", "")),
        patient=ref.removeprefix("Patient/"),
        clinic=owner.removeprefix("Organization/") if owner.startswith("Organization/") else None,
        condition=_condition_key(task),
        opened_us=_instant_us(task.get("authoredOn")) or 0,
        due_us=due,
        status=str(task.get("status", "")),
    )


def is_referral(task: Mapping[str, Any]) -> bool:
    """A screening referral: a Task whose focus is a RiskAssessment."""
    focus = str((task.get("focus") or {}).get("reference", ""))
    return task.get("resourceType") == "Task" and focus.startswith("RiskAssessment/")


def _condition_key(task: Mapping[str, Any]) -> str | None:
    for concept in (task.get("reasonCode"), task.get("code")):
        for coding in (concept or {}).get("coding") or ():
            code = coding.get("code")
            if coding.get("system") == ICD10 or code in DIAGNOSES:
                return str(code)
    for item in task.get("input") or ():
        text = item.get("valueString") or (item.get("valueCodeableConcept") or {}).get("text")
        if text in DIAGNOSES:
            return str(text)
    return None


def _instant_us(text: Any, end_of_day: bool = False) -> int | None:
    if not isinstance(text, str):
        return None
    if len(text) > 10:
        try:
            return epoch_us(datetime.fromisoformat(text))
        except ValueError:
            return None
    day = parse_date(text)
    if day is None:
        return None
    start = epoch_us(datetime(day.year, day.month, day.day, tzinfo=CLINIC_TIME))
    return start + DAY_US - 1 if end_of_day else start


# -- reading -----------------------------------------------------------------------------------
def referral_tasks(
    conn: Connection, repo: FhirRepository, clinic: str | None, open_only: bool
) -> list[dict[str, Any]]:
    """The clinic's referral Tasks (every clinic's when `clinic` is None), read through the
    reference index (owner) joined to the token index (status) when only open ones are wanted."""
    r, t = reference_index.c, token_index.c
    query = select(r.resource_id).where(r.resource_type == "Task", r.param == "owner")
    if clinic is not None:
        query = query.where(r.target_type == "Organization", r.target_id == clinic)
    if open_only:
        still_open = select(t.resource_id).where(
            t.resource_type == "Task", t.param == "status", t.code.in_(OPEN)
        )
        query = query.where(r.resource_id.in_(still_open))
    ids = sorted({row[0] for row in conn.execute(query)})
    found = repo.current_many(conn, "Task", ids)
    tasks = [v.resource() for v in found.values() if not v.deleted]
    return [task for task in tasks if is_referral(task)]


def open_referrals(conn: Connection, repo: FhirRepository, clinic: str | None) -> list[Referral]:
    """Open referrals, the longest overdue first (no due date last)."""
    found = [referral_of(task) for task in referral_tasks(conn, repo, clinic, open_only=True)]
    open_now = [r for r in found if r.status in OPEN]
    return sorted(open_now, key=lambda r: (r.due_us is None, r.due_us or 0, r.task_id))


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
    authored = _instant_us(request.get("authoredOn")) or epoch_us(repo.clock())
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


# -- per patient (the simulation's clinic visits) ----------------------------------------------
def patient_referrals(
    conn: Connection, repo: FhirRepository, patient: str, open_only: bool = True
) -> list[Referral]:
    """The patient's referrals (open ones only by default), oldest first."""
    r = reference_index.c
    query = select(r.resource_id).where(
        r.resource_type == "Task",
        r.param == "patient",
        r.target_type == "Patient",
        r.target_id == patient,
    )
    ids = sorted({row[0] for row in conn.execute(query)})
    tasks = [v.resource() for v in repo.current_many(conn, "Task", ids).values() if not v.deleted]
    found = [referral_of(t) for t in tasks if is_referral(t)]
    kept = [f for f in found if f.status in OPEN or not open_only]
    return sorted(kept, key=lambda f: (f.opened_us, f.task_id))


def open_referrals_of(
    conn: Connection, repo: FhirRepository, patients: list[str]
) -> list[Referral]:
    """The open referrals of these patients: the reference index (Task `patient`) joined to the
    token index (open `status`), 500 patients per query."""
    r, t = reference_index.c, token_index.c
    still_open = select(t.resource_id).where(
        t.resource_type == "Task", t.param == "status", t.code.in_(OPEN)
    )
    ids: set[str] = set()
    for start in range(0, len(patients), 500):
        query = select(r.resource_id).where(
            r.resource_type == "Task",
            r.param == "patient",
            r.target_type == "Patient",
            r.target_id.in_(patients[start : start + 500]),
            r.resource_id.in_(still_open),
        )
        ids.update(row[0] for row in conn.execute(query))
    tasks = [v.resource() for v in repo.current_many(conn, "Task", sorted(ids)).values()]
    return [referral_of(t) for t in tasks if is_referral(t) and t.get("status") in OPEN]


def untreated(conn: Connection, patient: str) -> list[tuple[str, str]]:
    """(task id, ICD-10 code) of the patient's confirmed referrals not yet treated."""
    f = followups.c
    query = (
        select(f.task_id, f.condition)
        .where(f.patient == patient, f.outcome == "confirmed", f.treated_us.is_(None))
        .order_by(f.task_id)
    )
    return [(str(row[0]), str(row[1])) for row in conn.execute(query)]

"""Reading screening referrals (docs/screening.md "Follow-up"): every probable disease a screening
found is a referral Task (record_screening writes it: focus the RiskAssessment, owner the patient's
clinic, `restriction.period.end` the due date). This file reads them — a clinic's open referrals,
due first, from the Task indexes (owner + status), and a patient's — and says what a Task means as a
`Referral`; `followup` decides them and links treatment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, select

from enlace.kernel.clock import epoch_us
from enlace.modules.screening.patient_record import ICD10, parse_date
from enlace.store.repository import FhirRepository
from enlace.store.schema import reference_index, token_index

OPEN = ("draft", "requested", "received", "accepted", "ready", "in-progress", "on-hold")
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
    due = instant_us(period.get("end"), end_of_day=True)
    return Referral(
        task_id=str(task.get("id", "")),
        patient=ref.removeprefix("Patient/"),
        clinic=owner.removeprefix("Organization/") if owner.startswith("Organization/") else None,
        condition=_condition_key(task),
        opened_us=instant_us(task.get("authoredOn")) or 0,
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


def instant_us(text: Any, end_of_day: bool = False) -> int | None:
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

"""The nurses' outreach worklist (docs/adherence.md "Daily job and pages"): the open outreach
Tasks the interventions opened for a clinic (code `adherence-outreach`, owner the clinic),
highest risk first, each with the patient, the therapy, its days' supply left and PDC from the
latest run; and `mark_done`, which completes a Task of the nurse's own clinic.

Tasks are found through the token and reference indexes (one query) and read in one batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant
from enlace.modules.adherence.intervention_fhir import OPEN_TASK, OUTREACH_CODE
from enlace.modules.adherence.panel import medication_name, patient_names
from enlace.modules.adherence.tables import therapies
from enlace.store.repository import FhirRepository
from enlace.store.schema import reference_index, token_index

LIMIT = 300


@dataclass(frozen=True, slots=True)
class OutreachItem:
    task: str  # Task id
    patient: str
    name: str
    therapy: str
    medication: str
    probability: float | None
    reason: str
    opened: date | None
    supply_left: int | None
    pdc: float | None


def outreach(
    conn: Connection, repo: FhirRepository, clinic: str, limit: int = LIMIT
) -> list[OutreachItem]:
    """The clinic's open outreach Tasks, highest probability first."""
    bodies = [
        v.resource()
        for v in repo.current_many(conn, "Task", _task_ids(conn, clinic)).values()
        if not v.deleted
    ]
    open_tasks = [b for b in bodies if b.get("status") in OPEN_TASK]
    patients = {_patient(b) for b in open_tasks}
    names = patient_names(conn, repo, patients)
    measures = _measures(conn, patients)
    items = [_item(b, names, measures) for b in open_tasks]
    items.sort(key=lambda i: (-(i.probability or 0.0), i.name, i.task))
    return items[:limit]


def mark_done(
    conn: Connection, repo: FhirRepository, task_id: str, clinic: str, by: str | None
) -> None:
    """Complete an open outreach Task of the clinic (404 for another clinic's or another kind:
    a nurse may not learn of it; 409 when it is no longer open)."""
    found = repo.read(conn, "Task", task_id).resource()
    owner = str((found.get("owner") or {}).get("reference", ""))
    if owner != f"Organization/{clinic}" or _code(found) != OUTREACH_CODE:
        raise errors.not_found(f"Task/{task_id} is not an outreach task of your clinic")
    if found.get("status") not in OPEN_TASK:
        raise errors.conflict(f"Task/{task_id} is already {found.get('status')}")
    now = fhir_instant(repo.clock())
    found["status"] = "completed"
    found["lastModified"] = now
    note: dict[str, Any] = {"time": now, "text": "Contacto realizado"}
    if by:
        note["authorReference"] = {"reference": by}
    found["note"] = [*(found.get("note") or ()), note]
    repo.update(conn, found, task_id)


def _task_ids(conn: Connection, clinic: str) -> list[str]:
    t, r = token_index.c, reference_index.c
    coded = select(t.resource_id).where(
        t.resource_type == "Task", t.param == "code", t.code == OUTREACH_CODE
    )
    query = select(r.resource_id).where(
        r.resource_type == "Task",
        r.param == "owner",
        r.target_type == "Organization",
        r.target_id == clinic,
        r.resource_id.in_(coded),
    )
    return sorted({str(row[0]) for row in conn.execute(query)})


def _measures(conn: Connection, patients: set[str]) -> dict[tuple[str, str], dict[str, Any]]:
    c = therapies.c
    found: dict[tuple[str, str], dict[str, Any]] = {}
    wanted = sorted(patients)
    for start in range(0, len(wanted), 500):
        query = select(c.patient, c.therapy, c.medication, c.supply_left, c.pdc).where(
            c.patient.in_(wanted[start : start + 500])
        )
        for row in conn.execute(query):
            found[(row.patient, row.therapy)] = dict(row._mapping)
    return found


def _item(
    task: dict[str, Any], names: dict[str, str], measures: dict[tuple[str, str], dict[str, Any]]
) -> OutreachItem:
    patient = _patient(task)
    therapy = str(_input(task, "therapy", "valueString") or "")
    row = measures.get((patient, therapy), {})
    probability = _input(task, "probability", "valueDecimal")
    return OutreachItem(
        task=str(task.get("id", "")),
        patient=patient,
        name=names.get(patient, patient),
        therapy=therapy,
        medication=medication_name(row["medication"]) if row.get("medication") else therapy,
        probability=float(probability) if isinstance(probability, int | float) else None,
        reason=str((task.get("reasonCode") or {}).get("text", "")),
        opened=_day(task.get("authoredOn")),
        supply_left=row.get("supply_left"),
        pdc=row.get("pdc"),
    )


def _patient(task: dict[str, Any]) -> str:
    return str((task.get("for") or {}).get("reference", "")).removeprefix("Patient/")


def _code(task: dict[str, Any]) -> str | None:
    codings = (task.get("code") or {}).get("coding") or ()
    return next((c.get("code") for c in codings), None)


def _input(task: dict[str, Any], name: str, kind: str) -> Any:
    for item in task.get("input") or ():
        if (item.get("type") or {}).get("text") == name:
            return item.get(kind)
    return None


def _day(raw: Any) -> date | None:
    try:
        return date.fromisoformat(str(raw)[:10]) if raw else None
    except ValueError:
        return None

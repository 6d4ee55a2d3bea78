"""The visit record and missed-visit escalation (docs/homecare.md, Documentation).

Documenting a visit writes, in one transaction and only after every check passed:
- one vital-signs Observation per reading (LOINC, UCUM units);
- for an infusion, a MedicationAdministration of the need's medicine whose lot (a contained
  Medication's batch.lotNumber) is refused while cold chain holds it in quarantine at the
  facility the biologic came from;
- the nurse's note, on the visit and on the administration.
Only the nurse the visit is planned for may document it (403 otherwise).

A planned visit not documented by the end of its window is escalated to the coordinator as a
FHIR Task, once: the conditional UPDATE on status 'planned' is what makes a second run (or two
runs at once) write nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select, update

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, fhir_instant
from enlace.modules import catalog, coldchain
from enlace.modules.homecare import service
from enlace.modules.homecare.tables import needs, visits
from enlace.store.repository import FhirRepository

TASK_SYSTEM = "https://enlace.health/fhir/CodeSystem/homecare-task"
VISIT_SYSTEM = "https://enlace.health/fhir/sid/homecare-visit"
COORDINATOR = "Organization/homecare-coordination"
LOINC = "http://loinc.org"
MAX_NOTE = 2000
# code -> (LOINC, display, UCUM unit, plausible low, plausible high)
VITALS: dict[str, tuple[str, str, str, float, float]] = {
    "heart-rate": ("8867-4", "Heart rate", "/min", 20, 250),
    "systolic": ("8480-6", "Systolic blood pressure", "mm[Hg]", 50, 280),
    "diastolic": ("8462-4", "Diastolic blood pressure", "mm[Hg]", 20, 180),
    "temperature": ("8310-5", "Body temperature", "Cel", 30, 45),
    "spo2": ("59408-5", "Oxygen saturation by pulse oximetry", "%", 50, 100),
    "respiratory-rate": ("9279-1", "Respiratory rate", "/min", 4, 60),
}


@dataclass(frozen=True, slots=True)
class Administration:
    lot: str
    dose: float
    unit: str  # UCUM, e.g. "mg"
    route: str = "IV"


@dataclass(frozen=True, slots=True)
class VisitRecord:
    vitals: dict[str, float] = field(default_factory=dict)
    administration: Administration | None = None
    note: str = ""


def document_visit(
    conn: Connection,
    repo: FhirRepository,
    visit_id: str,
    practitioner: str,
    record: VisitRecord,
    now: datetime,
) -> list[str]:
    """Write the visit's resources; their references ("Type/id")."""
    visit = service.get_visit(conn, visit_id)
    if visit is None:
        raise errors.not_found(f"home visit {visit_id} not found")
    if visit.nurse != practitioner:
        message = f"home visit {visit_id} is not assigned to Practitioner/{practitioner}"
        raise errors.error(403, "forbidden", message, "visit")
    if visit.status not in ("planned", "missed"):
        raise errors.conflict(f"home visit {visit_id} is {visit.status}; it cannot be documented")
    _check(conn, visit, record)
    written = [
        _observation(repo, conn, visit, practitioner, code, value, now)
        for code, value in sorted(record.vitals.items())
    ]
    if record.administration is not None:
        written.append(_administration(repo, conn, visit, practitioner, record, now))
    claimed = conn.execute(
        update(visits)
        .where(visits.c.id == visit_id, visits.c.status.in_(("planned", "missed")))
        .values(
            status="documented",
            documented_us=epoch_us(now),
            resources=json.dumps(written),
            note=record.note[:MAX_NOTE] or None,
        )
    ).rowcount
    if claimed != 1:  # documented by a concurrent request: roll this one back
        raise errors.conflict(f"home visit {visit_id} was documented meanwhile")
    if visit.task:
        _close_task(conn, repo, visit.task, f"Visita documentada tarde: {', '.join(written)}")
    return written


def _check(conn: Connection, visit: service.VisitView, record: VisitRecord) -> None:
    issues: list[errors.Issue] = []
    for code, value in sorted(record.vitals.items()):
        known = VITALS.get(code)
        if known is None:
            text = f"unknown vital {code!r}; known: {', '.join(VITALS)}"
            issues.append(errors.Issue("invalid", text, f"vitals.{code}"))
        elif not known[3] <= value <= known[4]:
            text = f"{code} {value} {known[2]} is outside {known[3]}-{known[4]}"
            issues.append(errors.Issue("invalid", text, f"vitals.{code}"))
    if len(record.note) > MAX_NOTE:
        issues.append(errors.Issue("invalid", f"note longer than {MAX_NOTE}", "note"))
    given = record.administration
    if visit.kind == "infusion" and given is None:
        issues.append(
            errors.Issue(
                "required", "an infusion visit records the administration", "administration"
            )
        )
    if given is not None:
        issues += _administration_issues(visit, given)
    if issues:
        raise errors.FhirError(400, issues)
    if given is not None:
        _refuse_quarantined(conn, visit, given)


def _administration_issues(visit: service.VisitView, given: Administration) -> list[errors.Issue]:
    issues = []
    if visit.medication is None:
        text = f"a {visit.kind} visit gives no medication"
        issues.append(errors.Issue("invalid", text, "administration"))
    if not given.lot.strip():
        issues.append(errors.Issue("required", "the lot given is required", "administration.lot"))
    if not given.dose > 0:
        issues.append(errors.Issue("invalid", "the dose must be positive", "administration.dose"))
    return issues


def _refuse_quarantined(conn: Connection, visit: service.VisitView, given: Administration) -> None:
    facility = _need_facility(conn, visit.id)
    medicine = catalog.medicine_by_slug(visit.medication or "")
    if medicine is None or facility is None:
        return
    if (medicine.gtin, given.lot) in coldchain.quarantined_lots(conn, facility):
        message = (
            f"lot {given.lot} of {medicine.slug} is in cold-chain quarantine at {facility}: "
            "do not administer; ask the pharmacy for another lot"
        )
        raise errors.error(409, "business-rule", message, "administration.lot")


def _need_facility(conn: Connection, visit_id: str) -> str | None:
    query = select(needs.c.facility).join(visits, visits.c.need == needs.c.id)
    facility: str | None = conn.execute(query.where(visits.c.id == visit_id)).scalar()
    return facility


def _observation(
    repo: FhirRepository,
    conn: Connection,
    visit: service.VisitView,
    practitioner: str,
    code: str,
    value: float,
    now: datetime,
) -> str:
    loinc, display, unit, _, _ = VITALS[code]
    category = "http://terminology.hl7.org/CodeSystem/observation-category"
    resource = {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": category, "code": "vital-signs"}]}],
        "code": {"coding": [{"system": LOINC, "code": loinc, "display": display}]},
        "subject": {"reference": f"Patient/{visit.patient}"},
        "performer": [{"reference": f"Practitioner/{practitioner}"}],
        "effectiveDateTime": fhir_instant(now),
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
        "identifier": [{"system": VISIT_SYSTEM, "value": visit.id}],
    }
    return f"Observation/{repo.create(conn, resource).id}"


def _administration(
    repo: FhirRepository,
    conn: Connection,
    visit: service.VisitView,
    practitioner: str,
    record: VisitRecord,
    now: datetime,
) -> str:
    given = record.administration
    assert given is not None
    medicine = catalog.medicine_by_slug(visit.medication or "")
    display = medicine.display if medicine else visit.medication
    resource = {
        "resourceType": "MedicationAdministration",
        "status": "completed",
        "contained": [
            {
                "resourceType": "Medication",
                "id": "given",
                "code": {"coding": [{"code": visit.medication, "display": display}]},
                "batch": {"lotNumber": given.lot},
            }
        ],
        "medicationReference": {"reference": "#given"},
        "subject": {"reference": f"Patient/{visit.patient}"},
        "effectiveDateTime": fhir_instant(now),
        "performer": [{"actor": {"reference": f"Practitioner/{practitioner}"}}],
        "dosage": {
            "route": {"text": given.route},
            "dose": {
                "value": given.dose,
                "unit": given.unit,
                "system": "http://unitsofmeasure.org",
                "code": given.unit,
            },
        },
        "identifier": [{"system": VISIT_SYSTEM, "value": visit.id}],
    }
    if record.note:
        resource["note"] = [{"text": record.note[:MAX_NOTE]}]
    return f"MedicationAdministration/{repo.create(conn, resource).id}"


def escalate_missed(
    conn: Connection, repo: FhirRepository, now: datetime, coordinator: str = COORDINATOR
) -> list[str]:
    """Planned visits whose window ended undocumented: each becomes `missed` with a Task for the
    coordinator, once. The ids escalated by this call."""
    due = (
        conn.execute(
            select(visits.c.id)
            .where(visits.c.status == "planned", visits.c.window_end_us < epoch_us(now))
            .order_by(visits.c.id)
        )
        .scalars()
        .all()
    )
    escalated = []
    for visit_id in due:
        won = conn.execute(
            update(visits)
            .where(visits.c.id == visit_id, visits.c.status == "planned")
            .values(status="missed")
        ).rowcount
        if won != 1:
            continue
        task = _task(conn, repo, visit_id, coordinator, now)
        conn.execute(update(visits).where(visits.c.id == visit_id).values(task=task))
        escalated.append(visit_id)
    return escalated


def _task(
    conn: Connection, repo: FhirRepository, visit_id: str, coordinator: str, now: datetime
) -> str:
    visit = service.get_visit(conn, visit_id)
    assert visit is not None
    task = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": "urgent" if visit.kind == "infusion" else "routine",
        "code": {
            "coding": [{"system": TASK_SYSTEM, "code": "missed-visit"}],
            "text": "Visita domiciliaria no documentada al cierre de su ventana",
        },
        "description": (
            f"Visita {visit.kind} del {visit.day.isoformat()} asignada a "
            f"Practitioner/{visit.nurse} sin documentar; reprogramar o confirmar."
        ),
        "for": {"reference": f"Patient/{visit.patient}"},
        "identifier": [{"system": VISIT_SYSTEM, "value": visit_id}],
        "owner": {"reference": coordinator},
        "authoredOn": fhir_instant(now),
    }
    return repo.create(conn, task).id


def _close_task(conn: Connection, repo: FhirRepository, task_id: str, note: str) -> None:
    found = repo.read(conn, "Task", task_id).resource()
    found.pop("meta", None)
    found["status"] = "completed"
    found["note"] = [{"text": note}]
    repo.update(conn, found, task_id)

"""The FHIR side of interventions: the nurse outreach Task (the worklist), the physician's
notification (a Communication), and the values a message template is filled with."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection

from enlace.kernel.clock import from_epoch_us
from enlace.modules.finance import sliding_fee
from enlace.modules.finance.sliding_scale import Area
from enlace.store.repository import FhirRepository

if TYPE_CHECKING:
    from .interventions import TherapyRisk

ENLACE = "https://enlace.health/fhir/"
TASK_CODES = ENLACE + "CodeSystem/adherence-task"
OUTREACH_CODE = "adherence-outreach"
SNOMED = "http://snomed.info/sct"
NURSE = {"system": SNOMED, "code": "224535009", "display": "Registered nurse"}
CATEGORY = "http://terminology.hl7.org/CodeSystem/communication-category"
REOPEN_AFTER_DAYS = 14
OPEN_TASK = ("draft", "requested", "received", "accepted", "ready", "in-progress", "on-hold")


def _id(prefix: str, *parts: str) -> str:
    return prefix + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def outreach_task_id(study: str, patient: str, therapy: str) -> str:
    return _id("adh-outreach-", study, patient, therapy)


def open_outreach(
    conn: Connection, repo: FhirRepository, study: str, risk: TherapyRisk, rule: str, day: date
) -> str | None:
    """Open the therapy's outreach Task (one per therapy); None when one is still open, or was
    closed less than REOPEN_AFTER_DAYS ago (the nurse called: give the call time to work)."""
    task_id = outreach_task_id(study, risk.patient, risk.therapy)
    current = repo.current(conn, "Task", task_id)
    if current is not None and current.content is not None:
        if orjson.loads(current.content).get("status") in OPEN_TASK:
            return None
        closed_on = from_epoch_us(current.last_updated_us).date()
        if day < closed_on + timedelta(days=REOPEN_AFTER_DAYS):
            return None
    task: dict[str, Any] = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": "urgent",
        "code": {
            "coding": [{"system": TASK_CODES, "code": OUTREACH_CODE}],
            "text": "Llamar al paciente: riesgo de abandono del tratamiento",
        },
        "for": {"reference": f"Patient/{risk.patient}"},
        "authoredOn": day.isoformat(),
        "performerType": [{"coding": [NURSE]}],
        "reasonCode": {"text": f"{rule}: probabilidad {risk.probability:.0%} ({risk.therapy})"},
        "input": [
            {"type": {"text": "therapy"}, "valueString": risk.therapy},
            {"type": {"text": "probability"}, "valueDecimal": round(risk.probability, 4)},
        ],
    }
    if risk.clinic:
        task["owner"] = {"reference": risk.clinic}
    repo.update(conn, task, task_id)
    return f"Task/{task_id}"


def notify_physician(
    conn: Connection,
    repo: FhirRepository,
    study: str,
    risk: TherapyRisk,
    day: date,
    every_days: int,
) -> str | None:
    """A Communication to the prescriber, at most once per therapy per `every_days` (the id
    names the period, so a second one in the period is already there)."""
    if not risk.prescriber:
        return None
    period = str(day.toordinal() // every_days)
    notice_id = _id("adh-notice-", study, risk.patient, risk.therapy, period)
    if repo.current(conn, "Communication", notice_id) is not None:
        return None
    left = "?" if risk.days_supply_left is None else str(risk.days_supply_left)
    pdc = "?" if risk.pdc is None else f"{risk.pdc:.0%}"
    text = (
        f"Riesgo de abandono {risk.probability:.0%} de {risk.medicine} ({risk.therapy}); "
        f"PDC {pdc}, días de surtido restantes {left}. Enfermería llamará al paciente."
    )
    notice = {
        "resourceType": "Communication",
        "status": "completed",
        "category": [{"coding": [{"system": CATEGORY, "code": "notification"}]}],
        "priority": "urgent",
        "subject": {"reference": f"Patient/{risk.patient}"},
        "recipient": [{"reference": risk.prescriber}],
        "sent": day.isoformat(),
        "payload": [{"contentString": text}],
        "reasonCode": [{"text": "R5-notify"}],
    }
    repo.update(conn, notice, notice_id)
    return f"Communication/{notice_id}"


def message_params(risk: TherapyRisk, template: str, sender: str) -> dict[str, str]:
    params = {
        "sender": sender,
        "name": risk.name,
        "medicine": risk.medicine,
        "pharmacy": risk.pharmacy,
        "due": risk.due.strftime("%d/%m") if risk.due else "pronto",
    }
    if template == "copay-assistance":
        params["fee"] = _fee_text(risk)
    return params


def _fee_text(risk: TherapyRisk) -> str:
    copay, income, size = risk.copay_centavos, risk.household_income_centavos, risk.household_size
    if copay and income and size:
        area: Area = "rural" if risk.area == "rural" else "urban"
        fee = sliding_fee(copay, income, size, area).fee
        return f"${fee // 100:,}.{fee % 100:02d}"
    return "una cuota reducida"

"""Refills (issue 8 part 3): when each active therapy's next fill is due, and what to do.

`refill_status` (pure) reads a prescription and its dispenses: fills used and allowed, the
next-due date (the last fill's hand-over plus its days supply; the day it was written before
any fill), and the state: `due` (within the lead time), `not-due`, `exhausted` (every fill
used), `expired` (validity over). `renew` says the prescriber should be asked for a new
prescription: its validity ends within the renewal window while fills remain, or its fills are
used up and the next would be due within the window (the therapy goes on).

`plan_refills` (the daily job behind `enlace pharmacy refills`) walks every active
prescription and writes, idempotently (deterministic ids, written once):
- a refill order for an opted-in patient (the prescription's extension `…/auto-refill` true):
  a Task `refill-<rx>-<fill>` (code `refill`, owner the pharmacy it is routed to, focus the
  prescription, restriction period from the due date minus the lead time to the due date, its
  fulfilment — pickup or home delivery — as input), for the pharmacy to prepare ahead;
- a renewal request: a Task `renew-<rx>-<valid until>` (code `renew-prescription`) owned by the
  prescriber, for their worklist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from enlace.store.bulk import PutItem

from .lookups import platform_ids
from .prescription import FULFILMENT_EXTENSION

SD = "https://enlace.health/fhir/StructureDefinition/"
AUTO_REFILL_EXTENSION = SD + "auto-refill"  # valueBoolean, on the MedicationRequest
TASK_CODES = "https://enlace.health/fhir/CodeSystem/pharmacy-task"
LEAD_DAYS = 5  # a refill order is made this many days before the fill is due
RENEWAL_DAYS = 14  # the prescriber is asked this long before the prescription runs out
PAGE = 500


@dataclass(frozen=True)
class RefillStatus:
    prescription_id: str
    patient: str  # Patient/<id>
    requester: str | None  # Practitioner/<id>
    pharmacy: str | None  # Organization/org-<slug> it is routed to
    fills_done: int
    fills_allowed: int
    next_due: date
    valid_until: date | None
    auto_refill: bool
    fulfilment: str
    state: str  # due | not-due | exhausted | expired
    renew: bool


def refill_status(
    rx: dict[str, Any],
    dispenses: list[dict[str, Any]],
    today: date,
    lead_days: int = LEAD_DAYS,
    renewal_days: int = RENEWAL_DAYS,
) -> RefillStatus:
    request = rx.get("dispenseRequest", {})
    allowed = int(request.get("numberOfRepeatsAllowed", 0)) + 1
    done = [d for d in dispenses if d.get("status") == "completed" and d.get("whenHandedOver")]
    supply = int(request.get("expectedSupplyDuration", {}).get("value", 30))
    if done:
        last = max(done, key=lambda d: str(d["whenHandedOver"]))
        handed = datetime.fromisoformat(str(last["whenHandedOver"])).date()
        next_due = handed + timedelta(days=int(last.get("daysSupply", {}).get("value", supply)))
    else:
        next_due = _day(rx.get("authoredOn")) or today
    valid_until = _day(request.get("validityPeriod", {}).get("end"))
    if valid_until is not None and valid_until < today:
        state = "expired"
    elif len(done) >= allowed:
        state = "exhausted"
    elif next_due <= today + timedelta(days=lead_days):
        state = "due"
    else:
        state = "not-due"
    window = today + timedelta(days=renewal_days)
    ends_soon = valid_until is not None and today <= valid_until <= window and len(done) < allowed
    runs_out = state == "exhausted" and next_due <= window
    return RefillStatus(
        prescription_id=str(rx["id"]),
        patient=str(rx.get("subject", {}).get("reference", "")),
        requester=rx.get("requester", {}).get("reference"),
        pharmacy=request.get("performer", {}).get("reference"),
        fills_done=len(done),
        fills_allowed=allowed,
        next_due=next_due,
        valid_until=valid_until,
        auto_refill=_extension(rx, AUTO_REFILL_EXTENSION, "valueBoolean") is True,
        fulfilment=str(_extension(rx, FULFILMENT_EXTENSION, "valueCode") or "pickup"),
        state=state,
        renew=ends_soon or runs_out,
    )


def _extension(resource: dict[str, Any], url: str, kind: str) -> Any:
    return next((e.get(kind) for e in resource.get("extension", []) if e.get("url") == url), None)


def _day(raw: Any) -> date | None:
    if not raw:
        return None
    text = str(raw)
    return datetime.fromisoformat(text).date() if "T" in text else date.fromisoformat(text[:10])


def refill_task(status: RefillStatus, lead_days: int) -> dict[str, Any]:
    fill = status.fills_done + 1
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": f"refill-{status.prescription_id}-{fill}",
        "status": "requested",
        "intent": "order",
        "code": {
            "coding": [{"system": TASK_CODES, "code": "refill", "display": "Resurtir receta"}]
        },
        "description": f"Resurtido {fill} de {status.fills_allowed}, vence {status.next_due}",
        "focus": {"reference": f"MedicationRequest/{status.prescription_id}"},
        "for": {"reference": status.patient},
        "restriction": {
            "period": {
                "start": (status.next_due - timedelta(days=lead_days)).isoformat(),
                "end": status.next_due.isoformat(),
            }
        },
        "input": [
            {
                "type": {"text": "fulfilment"},
                "valueCode": status.fulfilment,
            }
        ],
    }
    if status.pharmacy:
        task["owner"] = {"reference": status.pharmacy}
    return task


def renewal_task(status: RefillStatus) -> dict[str, Any]:
    until = status.valid_until.isoformat() if status.valid_until else "sin-fecha"
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": f"renew-{status.prescription_id}-{until}",
        "status": "requested",
        "intent": "order",
        "code": {
            "coding": [
                {"system": TASK_CODES, "code": "renew-prescription", "display": "Renovar receta"}
            ]
        },
        "description": (
            f"La receta vence el {until}"
            if status.state != "exhausted"
            else f"Se surtieron los {status.fills_allowed} surtidos; el siguiente vence {status.next_due}"
        ),
        "focus": {"reference": f"MedicationRequest/{status.prescription_id}"},
        "for": {"reference": status.patient},
    }
    if status.requester:
        task["owner"] = {"reference": status.requester}
    return task


@dataclass
class RefillReport:
    prescriptions: int = 0
    due: int = 0
    refill_orders: int = 0
    renewals: int = 0
    states: dict[str, int] = field(default_factory=dict)


def plan_refills(
    services: Any,
    conn: Connection,
    today: date,
    lead_days: int = LEAD_DAYS,
    renewal_days: int = RENEWAL_DAYS,
    progress: Callable[[int], None] | None = None,
) -> RefillReport:
    """Walk the active prescriptions and write the refill orders and renewal requests due."""
    report = RefillReport()
    after: str | None = None
    while True:
        page = services.repo.scan(conn, "MedicationRequest", after, PAGE)
        if not page:
            return report
        after = page[-1].id
        active = [v.resource() for v in page if v.resource().get("status") == "active"]
        fills = _dispenses(services, conn, [rx["id"] for rx in active])
        tasks = []
        for rx in active:
            status = refill_status(rx, fills.get(rx["id"], []), today, lead_days, renewal_days)
            report.prescriptions += 1
            report.states[status.state] = report.states.get(status.state, 0) + 1
            report.due += status.state == "due"
            if status.state == "due" and status.auto_refill:
                tasks.append(refill_task(status, lead_days))
            if status.renew:
                tasks.append(renewal_task(status))
        written = _write_new(services, conn, tasks)
        report.refill_orders += sum(1 for t in written if t["id"].startswith("refill-"))
        report.renewals += sum(1 for t in written if t["id"].startswith("renew-"))
        if progress is not None:
            progress(len(page))


def _dispenses(services: Any, conn: Connection, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for start in range(0, len(ids), 100):
        refs = ",".join(f"MedicationRequest/{i}" for i in ids[start : start + 100])
        if not refs:
            continue
        matched = platform_ids(
            services, conn, "MedicationDispense", [("prescription", refs)], 100_000
        )
        for version in services.repo.current_many(conn, "MedicationDispense", matched).values():
            dispense = version.resource()
            for ref in dispense.get("authorizingPrescription", []):
                rid = str(ref.get("reference", "")).removeprefix("MedicationRequest/")
                found.setdefault(rid, []).append(dispense)
    return found


def _write_new(
    services: Any, conn: Connection, tasks: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Only the tasks not written before (a rerun of the same day adds nothing)."""
    existing = services.repo.current_many(conn, "Task", [t["id"] for t in tasks])
    fresh = [t for t in tasks if t["id"] not in existing]
    if fresh:
        services.repo.put_many(conn, [PutItem(t) for t in fresh])
    return fresh

"""An excursion's consequences: the lots quarantined at the place, the pharmacist told, and the
pharmacist's decision — release or destroy — carried out (docs/coldchain.md, Quarantine).

Everything runs in the caller's transaction, through the other modules' public APIs:
- inventory: a `quarantine` adjustment takes the lot's units off the shelf (not on hand, so
  neither an issue nor a FEFO pick can take them); release books them back
  (`quarantine-release`); destroy books them back and writes them off (`cold-chain-failure`),
  so the loss shows under the standard reason. Idempotency keys make a retry write once.
- trace: an EPCIS ObjectEvent per step at the facility's location, naming the lot's serialized
  packs there and the lot as a class (quantityList): quarantine is bizStep `holding` with
  disposition `non_sellable_other`; release `inspecting` → `sellable_accessible`; destroy
  `destroying` → `destroyed` (the packs' state becomes destroyed).
- FHIR: a Task for the facility's pharmacy (owner Organization/org-<facility>) carries the
  decision request; it is completed with the decision.
A second decision on the same excursion is refused (409): the decision is a conditional UPDATE
on status 'open', so of two pharmacists deciding at once one wins.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, fhir_instant, from_epoch_us
from enlace.modules import inventory, trace
from enlace.modules.coldchain.loggers import GuardedLot, Logger
from enlace.modules.coldchain.tables import excursions, holds
from enlace.store.repository import FhirRepository

DECISIONS = ("release", "destroy")
DECIDE_ROLES = frozenset(("pharmacist",))
MAX_REASON = 500
TASK_CODE_SYSTEM = "https://enlace.health/fhir/CodeSystem/coldchain-task"
EPCIS_CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
_EVENT_IDS = uuid.UUID("a3d1f5c2-7b64-4e0b-9c1e-5f2a8d7c4b90")
# step -> (bizStep, disposition)
_STEPS = {
    "quarantine": ("holding", "non_sellable_other"),
    "release": ("inspecting", "sellable_accessible"),
    "destroy": ("destroying", "destroyed"),
}


def quarantine(
    conn: Connection,
    repo: FhirRepository,
    excursion_id: str,
    logger: Logger,
    lots: list[GuardedLot],
    summary: str,
) -> str:
    """Hold `lots` for the excursion and ask the pharmacist to decide; the Task id."""
    now = repo.clock()
    held = [lot for lot in lots if lot.units > 0]
    if held:
        _ledger(conn, repo, logger.facility, held, "quarantine", excursion_id, now)
        _trace(conn, logger.facility, held, "quarantine", excursion_id, now)
    if held:
        rows = [
            {
                "excursion": excursion_id,
                "product": lot.product,
                "lot": lot.lot,
                "facility": logger.facility,
                "gtin": lot.gtin,
                "units": lot.units,
                "status": "held",
            }
            for lot in held
        ]
        conn.execute(holds.insert(), rows)
    return _task(conn, repo, excursion_id, logger, held, summary, now)


def decide(
    conn: Connection,
    repo: FhirRepository,
    excursion_id: str,
    decision: str,
    reason: str,
    who: str,
) -> dict[str, Any]:
    """Release or destroy the excursion's lots; the excursion as decided. 400 bad decision or
    reason, 404 unknown excursion, 409 already decided or (release) still going on."""
    _check_decision(decision, reason)
    row = conn.execute(select(excursions).where(excursions.c.id == excursion_id)).first()
    if row is None:
        raise errors.error(404, "not-found", f"No excursion {excursion_id!r}", "excursion")
    if row.status != "open":
        message = (
            f"Excursion {excursion_id} was already decided ({row.status}) by {row.decided_by}"
            f" at {fhir_instant(from_epoch_us(row.decided_us))}"
        )
        raise errors.error(409, "conflict", message, "decision")
    if decision == "release" and row.end_us is None:
        message = "The temperature is still outside the range: the lots cannot be released yet"
        raise errors.error(409, "business-rule", message, "decision")
    now = repo.clock()
    status = "released" if decision == "release" else "destroyed"
    won = conn.execute(
        update(excursions)
        .where(excursions.c.id == excursion_id, excursions.c.status == "open")
        .values(status=status, decided_us=epoch_us(now), decided_by=who, reason=reason.strip())
    ).rowcount
    if won != 1:
        raise errors.error(
            409, "conflict", f"Excursion {excursion_id} was just decided", "decision"
        )
    _carry_out(conn, repo, row, decision, status, now)
    if row.task_id:
        _complete_task(conn, repo, row.task_id, f"{decision}: {reason.strip()}")
    return {"id": excursion_id, "status": status, "decidedBy": who, "reason": reason.strip()}


def _carry_out(
    conn: Connection, repo: FhirRepository, row: Any, decision: str, status: str, now: datetime
) -> None:
    held = [
        GuardedLot(h.product, h.gtin, h.lot, h.units)
        for h in conn.execute(
            select(holds).where(holds.c.excursion == row.id).order_by(holds.c.product, holds.c.lot)
        )
    ]
    if held:
        _ledger(conn, repo, row.facility, held, "quarantine-release", row.id, now)
        if decision == "destroy":
            _ledger(conn, repo, row.facility, held, "cold-chain-failure", row.id, now)
        _trace(conn, row.facility, held, decision, row.id, now)
    conn.execute(update(holds).where(holds.c.excursion == row.id).values(status=status))


def _check_decision(decision: str, reason: str) -> None:
    problems = []
    if decision not in DECISIONS:
        message = f"decision is one of {', '.join(DECISIONS)}"
        problems.append(errors.Issue("code-invalid", message, "decision"))
    if not isinstance(reason, str) or not 0 < len(reason.strip()) <= MAX_REASON:
        message = f"reason is required: 1 to {MAX_REASON} characters saying why"
        problems.append(errors.Issue("required", message, "reason"))
    if problems:
        raise errors.FhirError(400, problems)


def _ledger(
    conn: Connection,
    repo: FhirRepository,
    facility: str,
    lots: list[GuardedLot],
    reason: str,
    excursion_id: str,
    now: datetime,
) -> None:
    event = inventory.StockEvent(
        kind=inventory.ADJUSTMENT,
        facility=facility,
        items=tuple(inventory.Item(lot.product, lot.lot, lot.units) for lot in lots),
        occurred_at=now,
        reason=reason,
        reference=f"coldchain excursion {excursion_id}",
        idempotency_key=f"coldchain:{excursion_id}:{reason}",
    )
    inventory.StockLedger(clock=repo.clock).record(conn, event)


def _trace(
    conn: Connection,
    facility: str,
    lots: list[GuardedLot],
    step: str,
    excursion_id: str,
    now: datetime,
) -> None:
    place = trace.facility_location_id(facility)
    wanted = {(lot.gtin, lot.lot) for lot in lots}
    packs = [p.epc for p in trace.packs_at(conn, [place]) if (p.gtin, p.lot) in wanted]
    biz_step, disposition = _STEPS[step]
    event_id = uuid.uuid5(_EVENT_IDS, f"{excursion_id}:{step}")
    event = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:{event_id}",
        "eventTime": now.isoformat(),
        "eventTimeZoneOffset": now.strftime("%z")[:3] + ":" + now.strftime("%z")[3:],
        "epcList": sorted(packs),
        "quantityList": [
            {"epcClass": f"https://id.gs1.org/01/{lot.gtin}/10/{lot.lot}", "quantity": lot.units}
            for lot in lots
        ],
        "action": "OBSERVE",
        "bizStep": biz_step,
        "disposition": disposition,
        "readPoint": {"id": place},
        "bizLocation": {"id": place},
    }
    document = {
        "@context": EPCIS_CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": now.isoformat(),
        "epcisBody": {"eventList": [event]},
    }
    trace.capture(conn, document, now)


def _task(
    conn: Connection,
    repo: FhirRepository,
    excursion_id: str,
    logger: Logger,
    held: list[GuardedLot],
    summary: str,
    now: datetime,
) -> str:
    lots = ", ".join(f"{lot.product} lote {lot.lot} ({lot.units})" for lot in held) or "ninguno"
    task = {
        "resourceType": "Task",
        "status": "requested",
        "intent": "order",
        "priority": "urgent",
        "code": {
            "coding": [{"system": TASK_CODE_SYSTEM, "code": "excursion-decision"}],
            "text": "Decidir sobre lotes en cuarentena por excursión de temperatura",
        },
        "description": f"{summary}. Lotes en cuarentena: {lots}.",
        "identifier": [{"system": TASK_CODE_SYSTEM, "value": excursion_id}],
        "owner": {"reference": f"Organization/org-{logger.facility}"},
        "authoredOn": fhir_instant(now),
    }
    return repo.create(conn, task).id


def _complete_task(conn: Connection, repo: FhirRepository, task_id: str, note: str) -> None:
    found = repo.read(conn, "Task", task_id).resource()
    found.pop("meta", None)
    found["status"] = "completed"
    found["note"] = [{"text": note[:MAX_REASON]}]
    repo.update(conn, found, task_id)

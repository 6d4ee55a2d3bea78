"""Offline capture: a device's batch written exactly once, item by item (docs/sync.md).

Each item is its own transaction, and in it the item's row (primary key: its client id) is
inserted before anything else: a retried batch, the same item in another batch, or the same batch
posted twice at once all meet that key, and the loser reads the winner's answer instead of writing
again. A refused item rolls back alone; it wrote nothing, so it is no partial write of a resource,
and the other items (other resources) go ahead: a CHW's day of work is not lost to one bad form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from enlace.kernel import errors, jsonutil
from enlace.kernel.clock import epoch_us, fhir_instant
from enlace.kernel.errors import Issue
from enlace.store.database import Database
from enlace.store.repository import FhirRepository
from enlace.store.versions import ConcurrentWrite

from . import sync_protocol as protocol
from .conflicts import apply_edit
from .service import record_screening
from .tables import sync_batches, sync_items

PRECONDITION_FAILED = 412
PENDING = ""  # the answer of a batch whose items are still being written
ATTEMPTS = 3  # an item meeting a concurrent writer is tried again on what that writer committed
CLIENT_ID_SYSTEM = "urn:ietf:rfc:3986"  # the registration's client id, kept as an identifier
# record_screening_item below, or a writer like it: (conn, repo, patient id, raw screening JSON,
# performer, the patient as the item named it, the payload's location) -> server references
ScreeningWriter = Callable[..., list[str]]


@dataclass(frozen=True, slots=True)
class Uploader:
    """Who uploads, and what their grants let them write (resource type, permission)."""

    actor: str
    performer: str | None  # fhirUser, e.g. Practitioner/12, for the screening's performer
    may: Callable[[str, str], bool]


@dataclass(frozen=True, slots=True)
class Sync:
    db: Database
    repo: FhirRepository
    validate: Callable[[Any, str], list[Issue]]  # FHIR structure of a Patient payload
    screening: ScreeningWriter


def upload(sync: Sync, batch: protocol.Batch, uploader: Uploader) -> dict[str, Any]:
    """The batch's answer; the stored one when this batch id was handled before."""
    stored = _claim(sync, batch, uploader)
    if stored is not None:
        return stored
    received = fhir_instant(sync.repo.clock())
    results = [_handle(sync, batch, item, uploader) for item in batch.items]
    answer = {
        "batchId": batch.batch_id,
        "device": batch.device,
        "received": received,
        "items": results,
        "counts": _counts(results),
    }
    with sync.db.begin() as conn:
        conn.execute(
            update(sync_batches)
            .where(sync_batches.c.batch_id == batch.batch_id)
            .values(answer=jsonutil.dumps(answer).decode())
        )
    return answer


def _claim(sync: Sync, batch: protocol.Batch, uploader: Uploader) -> dict[str, Any] | None:
    """Take the batch id before any item is written (answer empty: pending), so a reused id with
    other content is refused even while the first batch is still being written. The stored answer
    when the batch was finished before; None to go ahead (new, or cut short and sent again)."""
    pending = {
        "batch_id": batch.batch_id,
        "device": batch.device,
        "actor": uploader.actor,
        "digest": batch.digest,
        "received_us": epoch_us(sync.repo.clock()),
        "answer": PENDING,
    }
    for _ in range(ATTEMPTS):
        with sync.db.begin() as conn:
            row = conn.execute(
                select(sync_batches.c.digest, sync_batches.c.answer).where(
                    sync_batches.c.batch_id == batch.batch_id
                )
            ).first()
        if row is not None:
            if row.digest != batch.digest:
                message = f"batchId {batch.batch_id} was already used for other content"
                raise errors.FhirError(409, [Issue("conflict", message, "batchId")])
            return None if row.answer == PENDING else dict(jsonutil.loads(row.answer))
        try:
            with sync.db.begin() as conn:
                conn.execute(sync_batches.insert().values(pending))
            return None
        except IntegrityError:  # the same id posted at the same moment: read what it holds
            continue
    raise errors.error(503, "transient", "The batch id is being written; send again")


def stored_answer(db: Database, batch_id: str, actor: str | None = None) -> dict[str, Any] | None:
    """The answer given for `batch_id`; None when unknown, still being written, or (`actor`
    given) uploaded by someone else: a batch id reveals nothing of others' work."""
    with db.read() as conn:
        row = conn.execute(select(sync_batches).where(sync_batches.c.batch_id == batch_id)).first()
    if row is None or row.answer == PENDING:
        return None
    if actor is not None and row.actor != actor:
        return None
    answer: dict[str, Any] = jsonutil.loads(row.answer)
    return answer


def _handle(
    sync: Sync, batch: protocol.Batch, item: protocol.Item, who: Uploader
) -> dict[str, Any]:
    for _ in range(ATTEMPTS):
        try:
            with sync.db.begin() as conn:
                return _once(sync, conn, batch, item, who)
        except (IntegrityError, ConcurrentWrite):
            continue  # a concurrent upload of this item, or an edit of its patient, went first
        except errors.FhirError as exc:
            if exc.status == PRECONDITION_FAILED:  # another edit of the patient committed first
                continue
            return _refused(item, exc.issues)
    busy = Issue("transient", "The item met concurrent writes; send the batch again")
    return _refused(item, [busy])


# Built once: SQLAlchemy builds and keys a statement per call otherwise (a millisecond of CPU per
# item on the three of them, measured with bench/sync.py).
_FIND_ITEM = select(sync_items).where(sync_items.c.client_id == bindparam("cid"))
_TAKE_ITEM = sync_items.insert()
_ITEM_DONE = (
    update(sync_items)
    .where(sync_items.c.client_id == bindparam("cid"))
    .values(patient=bindparam("p"), result=bindparam("r"))
)


def _once(
    sync: Sync, conn: Connection, batch: protocol.Batch, item: protocol.Item, who: Uploader
) -> dict[str, Any]:
    row = conn.execute(_FIND_ITEM, {"cid": item.client_id}).first()
    if row is not None:
        return _repeated(row, batch, item)
    taken = {
        "client_id": item.client_id,
        "batch_id": batch.batch_id,
        "kind": item.kind,
        "digest": item.digest,
        "patient": None,
        "captured_us": epoch_us(item.captured_at),
        "stored_us": epoch_us(sync.repo.clock()),
        "result": "{}",
    }
    conn.execute(_TAKE_ITEM, taken)
    patient, result = _write(sync, conn, batch, item, who)
    answer = {**_head(item), **result}
    done = {"cid": item.client_id, "p": patient, "r": jsonutil.dumps(answer).decode()}
    conn.execute(_ITEM_DONE, done)
    return answer


def _write(
    sync: Sync, conn: Connection, batch: protocol.Batch, item: protocol.Item, who: Uploader
) -> tuple[str, dict[str, Any]]:
    if item.kind == protocol.REGISTRATION:
        _require(who, "Patient", "c", item)
        patient = _registered(sync, conn, item)
        return patient, {"status": "created", "patient": f"Patient/{patient}", "version": 1}
    patient_id = resolve_patient(conn, sync.repo, item)
    if item.kind == protocol.EDIT:
        _require(who, "Patient", "u", item)
        payload = _checked_patient(sync, item, patient_id)
        context = {
            "client_id": item.client_id,
            "device": batch.device,
            "actor": who.actor,
            "location": item.location,
        }
        base = item.base_version or 0
        return patient_id, apply_edit(conn, sync.repo, patient_id, payload, base, context)
    _require(who, "Observation", "c", item)
    written = sync.screening(
        conn,
        sync.repo,
        patient_id,
        item.payload,
        performer=who.performer,
        patient_named=item.patient or "",
        location=f"{item.location}.payload",
    )
    return patient_id, {
        "status": "created",
        "patient": f"Patient/{patient_id}",
        "resources": written,
    }


def _registered(sync: Sync, conn: Connection, item: protocol.Item) -> str:
    payload = _checked_patient(sync, item, None)
    identifiers = list(payload.get("identifier", []))
    identifiers.append({"system": CLIENT_ID_SYSTEM, "value": f"urn:uuid:{item.client_id}"})
    payload["identifier"] = identifiers
    return sync.repo.create(conn, payload).id


def resolve_patient(conn: Connection, repo: FhirRepository, item: protocol.Item) -> str:
    """The server id of the item's patient: a server id as given, or the patient a registration
    with that client id created (in this batch or an earlier one). 422 when unknown."""
    reference = item.patient or ""
    where = f"{item.location}.patient"
    if reference.startswith(protocol.CLIENT_REFERENCE):
        client_id = reference[len(protocol.CLIENT_REFERENCE) :]
        found = conn.execute(
            select(sync_items.c.patient).where(
                sync_items.c.client_id == client_id, sync_items.c.kind == protocol.REGISTRATION
            )
        ).scalar()
        if found is None:
            message = f"{reference} is no registration the server has (refused, or not sent yet)"
            raise errors.FhirError(422, [Issue("not-found", message, where)])
        return str(found)
    current = repo.current(conn, "Patient", reference)
    if current is None or current.deleted:
        raise errors.FhirError(
            422, [Issue("not-found", f"Patient/{reference} is not known", where)]
        )
    return reference


def _checked_patient(sync: Sync, item: protocol.Item, patient_id: str | None) -> dict[str, Any]:
    where = f"{item.location}.payload"
    payload = dict(item.payload)
    issues = [
        Issue(i.code, i.diagnostics, f"{where} ({i.expression})" if i.expression else where)
        for i in sync.validate(payload, "Patient")
    ]
    if payload.get("resourceType") != "Patient":
        issues.append(Issue("invalid", "The payload must be a Patient", f"{where}.resourceType"))
    stated = payload.get("id")
    if stated is not None and stated != patient_id:
        expected = "absent (the server assigns it)" if patient_id is None else patient_id
        issues.append(Issue("invalid", f"payload.id must be {expected}", f"{where}.id"))
    if issues:
        raise errors.FhirError(422, issues)
    payload.pop("meta", None)
    return payload


def _require(who: Uploader, resource_type: str, permission: str, item: protocol.Item) -> None:
    if not who.may(resource_type, permission):
        message = f"Your grants do not let you write {resource_type} ({permission})"
        raise errors.FhirError(403, [Issue("forbidden", message, f"{item.location}.kind")])


def _repeated(row: Any, batch: protocol.Batch, item: protocol.Item) -> dict[str, Any]:
    """An item seen before: its first answer when this is the same batch (a retry), else a
    duplicate carrying the same server ids; other content under a used client id is refused."""
    if row.digest != item.digest:
        message = f"clientId {item.client_id} was already used for other content"
        return _refused(item, [Issue("duplicate", message, f"{item.location}.clientId")])
    first: dict[str, Any] = {**jsonutil.loads(row.result), "index": item.index}
    if row.batch_id == batch.batch_id:
        return first
    return {
        **first,
        "status": "duplicate",
        "firstStatus": first["status"],
        "firstBatch": row.batch_id,
    }


def _head(item: protocol.Item) -> dict[str, Any]:
    return {"index": item.index, "clientId": item.client_id, "kind": item.kind}


def _refused(item: protocol.Item, issues: list[Issue]) -> dict[str, Any]:
    return {**_head(item), "status": "refused", "outcome": errors.operation_outcome(issues)}


def _counts(results: list[dict[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(("created", "duplicate", "conflict", "refused"), 0)
    for result in results:
        counts[result["status"]] += 1
    return counts


def record_screening_item(
    conn: Connection,
    repo: FhirRepository,
    patient_id: str,
    raw: dict[str, Any],
    *,
    performer: str | None,
    patient_named: str,
    location: str,
) -> list[str]:
    """Store one captured screening with the screening service (docs/screening.md), in the
    item's transaction; its refusals are located inside the item's payload."""
    if raw.get("patient") == patient_named:  # the phone named a registration by its client id
        raw = {**raw, "patient": f"Patient/{patient_id}"}
    try:
        recorded = record_screening(
            conn, repo, patient_id, raw, performer=performer, setting="community", clock=repo.clock
        )
    except errors.FhirError as exc:
        raise errors.FhirError(exc.status, [_inside(i, location) for i in exc.issues]) from exc
    return [
        *(f"Observation/{i}" for i in recorded.observations.values()),
        f"RiskAssessment/{recorded.risk_assessment}",
        *(f"Task/{i}" for i in recorded.tasks.values()),
    ]


def _inside(issue: Issue, location: str) -> Issue:
    where = f"{location}.{issue.expression}" if issue.expression else location
    return Issue(issue.code, issue.diagnostics, where, issue.severity)

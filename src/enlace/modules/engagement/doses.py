"""Dose check-offs (public API `record_dose`, `doses_for`): the app's "taken" taps, a caregiver's,
or an SMS "TOMÉ" land the same way, keyed by a client id so a resend changes nothing.

A check-off names the prescription, the patient's local day and the time of day of the dose
(domain.slots_for). The slot's state is one row; every report is also logged with the server's
answer. An offline check-off that meets a change made meanwhile follows domain.settle ("taken"
wins); one for a prescription no longer active is still recorded (the patient did take it) and
answered with the prescription's status, so the app can say "your doctor stopped this".
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from enlace.kernel import errors
from enlace.kernel.clock import epoch_us, from_epoch_us
from enlace.modules.engagement import domain, records
from enlace.modules.engagement.replay import logged_answer
from enlace.modules.engagement.tables import engagement_dose_log, engagement_doses
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

TRIES = 3  # two reports of one new slot at once: the loser's insert fails, it goes round again


@dataclass(frozen=True, slots=True)
class DoseReport:
    patient: str
    request: str  # MedicationRequest id
    day: date  # the patient's local day
    slot: str  # HH:MM, one of domain.slots_for
    status: str  # taken | skipped
    at: datetime  # when it was reported where it was captured (timezone-aware)
    by: str  # user id, or the phone number of an SMS reply
    source: str = "app"  # app | sms | caregiver
    seen: str | None = None  # the slot's status the phone showed (None: nothing recorded)
    client_id: str | None = None  # None: a new one (a report that cannot be resent)


@dataclass(frozen=True, slots=True)
class DoseSlot:
    request: str
    medicine: str
    dose: str  # the prescription's dosage text
    slot: str
    status: str | None  # taken | skipped | None (not yet)
    source: str | None
    by: str | None
    at: str | None  # ISO time it was reported


def record_dose(db: Database, repo: FhirRepository, report: DoseReport) -> dict[str, Any]:
    """Record one check-off; the answer (also what a resend gets) is a JSON-ready dict with
    `clientId`, `status` (created | unchanged | merged | conflict | duplicate), `dose` (the slot
    as it now stands) and `prescription` (its status). FhirError: 400 bad slot or status, 404 a
    prescription that is not this patient's, 409 a client id reused for another report."""
    for attempt in range(TRIES):
        try:
            with db.begin() as conn:
                return record_dose_in(conn, repo, report)
        except IntegrityError:
            if attempt == TRIES - 1:
                raise
    raise AssertionError("unreachable")


def record_dose_in(conn: Connection, repo: FhirRepository, report: DoseReport) -> dict[str, Any]:
    """record_dose in the caller's transaction (an SMS reply handled with its message). Two new
    reports of one slot at once: the loser's insert raises IntegrityError (retry the
    transaction)."""
    if report.status not in domain.DOSE_STATUSES:
        raise errors.bad_request("status is taken or skipped", "status")
    if report.at.tzinfo is None:
        raise errors.bad_request("the time needs its UTC offset", "capturedAt")
    client_id = report.client_id or str(uuid.uuid4())
    # The content a client id stands for: what was reported, not when it was sent (a form's
    # resend is stamped again by the server).
    item = {**asdict(report), "client_id": client_id, "day": report.day.isoformat()}
    del item["at"]
    digest = records.digest(item)
    earlier = _logged(conn, report.patient, client_id, digest)
    if earlier is not None:
        return {**earlier, "status": "duplicate", "firstStatus": earlier["status"]}
    request = _prescription(conn, repo, report.patient, report.request)
    if report.slot not in domain.slots_for(request, report.day):
        raise errors.bad_request(
            f"MedicationRequest/{report.request} has no dose at {report.slot} on {report.day}",
            "slot",
        )
    key = (report.patient, report.request, report.day.isoformat(), report.slot)
    current = _slot(conn, key, lock=True)
    settled = domain.settle(current["status"] if current else None, report.seen, report.status)
    now_us = epoch_us(repo.clock())
    if settled.write:
        _write(conn, key, report, current, now_us)
    answer = {
        "clientId": client_id,
        "status": settled.outcome,
        "dose": _shown(_slot(conn, key, lock=False)),
        "prescription": request.get("status"),
    }
    row = {"client_id": client_id, "patient": report.patient, "digest": digest,
           "received_us": now_us, "answer": orjson.dumps(answer).decode()}  # fmt: skip
    conn.execute(engagement_dose_log.insert().values(**row))
    return answer


def _logged(conn: Connection, patient: str, client_id: str, digest: str) -> dict[str, Any] | None:
    return logged_answer(conn, engagement_dose_log, patient, client_id, digest, "report")


def _prescription(
    conn: Connection, repo: FhirRepository, patient: str, request_id: str
) -> dict[str, Any]:
    found = repo.current(conn, "MedicationRequest", request_id)
    body = found.resource() if found is not None and not found.deleted else {}
    if (body.get("subject") or {}).get("reference") != f"Patient/{patient}":
        # Another patient's prescription reads exactly like a missing one.
        raise errors.error(404, "not-found", f"MedicationRequest/{request_id} is not known",
                           "request")  # fmt: skip
    return body


def _slot(conn: Connection, key: tuple[str, str, str, str], lock: bool) -> dict[str, Any] | None:
    t = engagement_doses.c
    query = select(engagement_doses).where(
        t.patient == key[0], t.request == key[1], t.day == key[2], t.slot == key[3]
    )
    row = conn.execute(query.with_for_update() if lock else query).first()
    return dict(row._mapping) if row else None


def _write(
    conn: Connection,
    key: tuple[str, str, str, str],
    report: DoseReport,
    current: dict[str, Any] | None,
    now_us: int,
) -> None:
    values = {"status": report.status, "source": report.source, "by_user": report.by,
              "at_us": epoch_us(report.at), "recorded_us": now_us}  # fmt: skip
    if current is None:
        names = ("patient", "request", "day", "slot")
        conn.execute(
            engagement_doses.insert().values(
                **dict(zip(names, key, strict=True)), **values, version=1
            )
        )
        return
    t = engagement_doses.c
    conn.execute(
        engagement_doses.update()
        .where(t.patient == key[0], t.request == key[1], t.day == key[2], t.slot == key[3])
        .values(**values, version=current["version"] + 1)
    )


def _shown(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        return {"status": None}
    return {"status": row["status"], "source": row["source"], "by": row["by_user"],
            "at": from_epoch_us(row["at_us"]).isoformat(), "version": row["version"]}  # fmt: skip


def doses_for(db: Database, repo: FhirRepository, patient: str, day: date) -> list[DoseSlot]:
    """The patient's doses of `day` from their active prescriptions, each with its check-off
    (if any), ordered by time of day then medicine."""
    with db.begin() as conn:
        requests = [r for r in records.of_patient(conn, repo, "MedicationRequest", patient)
                    if r.get("status") == "active"]  # fmt: skip
        t = engagement_doses.c
        rows = conn.execute(
            select(engagement_doses).where(t.patient == patient, t.day == day.isoformat())
        )
        done = {(r.request, r.slot): r._mapping for r in rows}
    out = []
    for request in requests:
        for slot in domain.slots_for(request, day):
            row = done.get((request["id"], slot))
            shown = _shown(dict(row)) if row else {}
            out.append(DoseSlot(request["id"], medicine_name(request), dosage_text(request), slot,
                                shown.get("status"), shown.get("source"), shown.get("by"),
                                shown.get("at")))  # fmt: skip
    return sorted(out, key=lambda d: (d.slot, d.medicine))


def medicine_name(request: dict[str, Any]) -> str:
    concept = request.get("medicationCodeableConcept") or {}
    reference = request.get("medicationReference") or {}
    coding = (concept.get("coding") or [{}])[0]
    return str(concept.get("text") or coding.get("display") or reference.get("display")
               or reference.get("reference") or "?")  # fmt: skip


def dosage_text(request: dict[str, Any]) -> str:
    dosage = (request.get("dosageInstruction") or [{}])[0]
    return str(dosage.get("text") or "")

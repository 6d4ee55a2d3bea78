"""ARCO rights (LFPDPPP): a patient's requests for access, rectification, cancellation and
opposition, tracked against the legal deadlines.

Lifecycle: `filed` → `answered` (accepted) or `rejected` → `executed`. The answer is due
`arco_answer_days` business days after filing (20), the execution `arco_execute_days` business
days after an acceptance (15); enlace.security.arco_deadlines counts them. What executing means:
- access: a complete copy of the record in a file only the patient may download (arco_export);
- rectification: a clinician applies the correction through a normal FHIR update; executing
  records the resulting versions;
- cancellation: the record (or the listed resources) is blocked, never deleted, with the legal
  reason for keeping it (enlace.security.blocking);
- opposition: an active Consent denying the purpose or actor, enforced by security.consent.

Every function takes the caller's connection (a write transaction for the changes); a request
answered or executed twice is a 409 even under concurrency (compare-and-set on the status).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import Connection, and_, or_, select

from enlace.kernel import errors
from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.kernel.settings import Settings
from enlace.store.repository import FhirRepository
from enlace.store.schema import resources

from . import arco_details, arco_execute, arco_export
from .arco_deadlines import BusinessCalendar, check_term, due_us, parse_calendar
from .tables import arco_requests

FILED, ANSWERED, REJECTED, EXECUTED = "filed", "answered", "rejected", "executed"
KINDS = arco_details.KINDS


@dataclass(frozen=True)
class ArcoRequest:
    id: str
    patient_id: str
    kind: str
    status: str
    filed_us: int
    answer_due_us: int
    execute_due_us: int | None
    answered_us: int | None
    executed_us: int | None
    details: dict[str, Any]  # {"request": what was asked, "filed_by", "answer", "result"}

    @property
    def asked(self) -> dict[str, Any]:
        asked: dict[str, Any] = self.details.get("request", {})
        return asked

    @property
    def pending_due_us(self) -> int | None:
        """The deadline running now: the answer's, then the execution's; None once done."""
        if self.status == FILED:
            return self.answer_due_us
        return self.execute_due_us if self.status == ANSWERED else None

    def overdue(self, now_us: int) -> bool:
        due = self.pending_due_us
        return due is not None and now_us > due


def file_request(
    conn: Connection,
    *,
    patient_id: str,
    kind: str,
    details: Any,
    now_us: int,
    settings: Settings,
    filed_by: str | None = None,
    request_id: str | None = None,
) -> ArcoRequest:
    """Record a request; 400 for an unknown kind or details that do not say what is asked,
    404 when there is no such patient."""
    asked = arco_details.validate(kind, details)
    if not patient_exists(conn, patient_id):
        raise errors.not_found(f"Patient/{patient_id} is not known")
    _check_targets(conn, patient_id, asked)
    days = check_term("ENLACE_ARCO_ANSWER_DAYS", settings.arco_answer_days)
    row = {
        "id": request_id or str(uuid.uuid4()),
        "patient_id": patient_id,
        "kind": kind,
        "status": FILED,
        "filed_us": now_us,
        "answer_due_us": due_us(now_us, days, calendar(settings)),
        "execute_due_us": None,
        "answered_us": None,
        "executed_us": None,
        "details": _dumps({"request": asked, "filed_by": filed_by}),
    }
    conn.execute(arco_requests.insert().values(**row))
    return _request(row)


def answer(
    conn: Connection,
    request_id: str,
    *,
    accepted: bool,
    reason: str,
    now_us: int,
    settings: Settings,
    answered_by: str | None = None,
) -> ArcoRequest:
    """Accept (the execution term starts) or reject (the reason is required: the titular must
    be told why). 409 when the request was already answered."""
    current = get(conn, request_id)
    if current.status != FILED:
        raise _conflict(current, "answered")
    reason = (reason or "").strip()
    if not accepted and not reason:
        raise errors.bad_request("A rejection must state its reason", "reason", "required")
    days = check_term("ENLACE_ARCO_EXECUTE_DAYS", settings.arco_execute_days)
    late = now_us > current.answer_due_us
    given = {"accepted": accepted, "reason": reason, "by": answered_by, "late": late}
    values = {
        "status": ANSWERED if accepted else REJECTED,
        "answered_us": now_us,
        "execute_due_us": due_us(now_us, days, calendar(settings)) if accepted else None,
        "details": _dumps({**current.details, "answer": given}),
    }
    _swap(conn, current, FILED, values, "answered")
    return get(conn, request_id)


def execute(
    conn: Connection,
    request_id: str,
    *,
    now_us: int,
    settings: Settings,
    repo: FhirRepository | None = None,
    versions: Sequence[str] = (),
    retention_reason: str | None = None,
    executed_by: str | None = None,
    base_url: str = "",
) -> ArcoRequest:
    """Carry out an accepted request (see the module docstring): `versions` are a
    rectification's resulting versions, `repo` writes an opposition's Consent,
    `retention_reason` overrides the configured reason a cancellation gives for keeping data.
    409 before the answer, after a rejection, or when it was already executed."""
    current = get(conn, request_id)
    if current.status != ANSWERED:
        raise _conflict(current, "executed")
    # Claim it first: a concurrent execution waits on this row, then finds it executed.
    _swap(conn, current, ANSWERED, {"status": EXECUTED, "executed_us": now_us}, "executed")
    result = _carry_out(conn, current, now_us, settings, repo, versions, retention_reason, base_url)
    result["by"] = executed_by
    result["late"] = current.execute_due_us is not None and now_us > current.execute_due_us
    details = {**current.details, "result": result}
    conn.execute(
        arco_requests.update()
        .where(arco_requests.c.id == request_id)
        .values(details=_dumps(details))
    )
    return get(conn, request_id)


def get(conn: Connection, request_id: str) -> ArcoRequest:
    row = conn.execute(select(arco_requests).where(arco_requests.c.id == request_id)).first()
    if row is None:
        raise errors.not_found(f"No ARCO request '{request_id}'")
    return _request(row._mapping)


def list_for_patient(conn: Connection, patient_id: str) -> list[ArcoRequest]:
    """A patient's requests, oldest first."""
    a = arco_requests.c
    query = select(arco_requests).where(a.patient_id == patient_id).order_by(a.filed_us, a.id)
    return [_request(row._mapping) for row in conn.execute(query)]


def list_requests(conn: Connection, *, open_only: bool = False) -> list[ArcoRequest]:
    """Every request (or those still to be answered or executed), oldest first."""
    a = arco_requests.c
    query = select(arco_requests).order_by(a.filed_us, a.id)
    if open_only:
        query = query.where(a.status.in_((FILED, ANSWERED)))
    return [_request(row._mapping) for row in conn.execute(query)]


def overdue(conn: Connection, now_us: int) -> list[ArcoRequest]:
    """Requests past their running deadline: unanswered past the answer term, or accepted and
    not executed past the execution term."""
    a = arco_requests.c
    late = or_(
        and_(a.status == FILED, a.answer_due_us < now_us),
        and_(a.status == ANSWERED, a.execute_due_us < now_us),
    )
    query = select(arco_requests).where(late).order_by(a.filed_us, a.id)
    return [_request(row._mapping) for row in conn.execute(query)]


def patient_exists(conn: Connection, patient_id: str) -> bool:
    r = resources.c
    query = select(r.id).where(
        r.resource_type == "Patient", r.id == patient_id, r.deleted.is_(False)
    )
    return conn.execute(query).first() is not None


@lru_cache(maxsize=8)
def _calendar(holidays: tuple[str, ...]) -> BusinessCalendar:
    return parse_calendar(holidays)


def calendar(settings: Settings) -> BusinessCalendar:
    return _calendar(tuple(settings.arco_holidays))


def _check_targets(conn: Connection, patient_id: str, asked: dict[str, Any]) -> None:
    """Listed resources must be in the patient's own record; an opposed actor must exist."""
    if asked.get("resources"):
        arco_execute.require_in_record(conn, patient_id, asked["resources"])
    actor = asked.get("actor")
    if actor:
        actor_type, actor_id = actor.split("/", 1)
        r = resources.c
        found = conn.execute(
            select(r.id).where(
                r.resource_type == actor_type, r.id == actor_id, r.deleted.is_(False)
            )
        ).first()
        if found is None:
            raise errors.bad_request(f"details.actor: {actor} is not known", "details.actor")


def _carry_out(
    conn: Connection,
    current: ArcoRequest,
    now_us: int,
    settings: Settings,
    repo: FhirRepository | None,
    versions: Sequence[str],
    retention_reason: str | None,
    base_url: str,
) -> dict[str, Any]:
    patient, asked = current.patient_id, current.asked
    if current.kind == "access":
        return arco_export.write_export(conn, settings, current.id, patient, now_us, base_url)
    if current.kind == "rectification":
        return arco_execute.rectification(conn, patient, versions)
    if current.kind == "cancellation":
        reason = (
            (retention_reason or "").strip()
            or settings.arco_retention_reason
            or arco_execute.DEFAULT_RETENTION_REASON
        )
        listed = None if asked.get("scope") == "all" else asked.get("resources", [])
        return arco_execute.cancellation(
            conn, current.id, patient, listed, reason=reason, now_us=now_us
        )
    if repo is None:
        raise ValueError("executing an opposition writes a Consent: pass the repository")
    return arco_execute.opposition(conn, repo, current.id, patient, asked, now_us)


def _swap(
    conn: Connection, current: ArcoRequest, expected: str, values: dict[str, Any], verb: str
) -> None:
    a = arco_requests.c
    changed = conn.execute(
        arco_requests.update().where(a.id == current.id, a.status == expected).values(**values)
    )
    if changed.rowcount != 1:
        raise _conflict(get(conn, current.id), verb)


def _conflict(current: ArcoRequest, verb: str) -> errors.FhirError:
    if current.status == FILED:
        why = "it has not been answered yet; answer it first"
    elif current.status == REJECTED:
        why = f"it was rejected on {_day(current.answered_us)}"
    elif current.status == ANSWERED:
        why = f"it was already answered on {_day(current.answered_us)}"
    else:
        why = f"it was already executed on {_day(current.executed_us)}"
    return errors.conflict(f"ARCO request {current.id} cannot be {verb}: {why}")


def _day(at_us: int | None) -> str:
    return fhir_instant(from_epoch_us(at_us))[:10] if at_us is not None else "?"


def _dumps(details: dict[str, Any]) -> str:
    return orjson.dumps(details).decode()


def _request(row: Any) -> ArcoRequest:
    raw = row["details"]
    details = orjson.loads(raw) if raw else {}
    return ArcoRequest(
        id=row["id"],
        patient_id=row["patient_id"],
        kind=row["kind"],
        status=row["status"],
        filed_us=int(row["filed_us"]),
        answer_due_us=int(row["answer_due_us"]),
        execute_due_us=_int(row["execute_due_us"]),
        answered_us=_int(row["answered_us"]),
        executed_us=_int(row["executed_us"]),
        details=details,
    )


def _int(value: Any) -> int | None:
    return None if value is None else int(value)

"""The patient-message outbox: queue in the cause's transaction, deliver after it commits.

`enqueue(conn, request, now_us)` runs INSIDE the transaction of the action that causes the
message (an intervention, a refill order): the message row commits or rolls back with it, and
nothing is sent there — a slow gateway never holds the action's locks, and a rolled-back action
sends nothing. The checks of messaging.domain run at queueing (and the result is written, sent
or not); consent is checked again at delivery (an opt-out in between stops the message).

`deliver(db, repo, adapters, now_us)` claims due messages (a conditional UPDATE with a lease,
so two deliverers never take the same message), hands each to the adapter of its channel, and
records the outcome in one transaction: delivered + a FHIR Communication (status completed, in
the patient's record) + the attempt; or, on an adapter error, the attempt and a retry with
exponential backoff (after MAX_ATTEMPTS: failed, kept). See adapters.py for "exactly once in
effect".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import orjson
from opentelemetry.trace import Span, SpanKind
from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update

from enlace.kernel import tracing
from enlace.kernel.clock import fhir_instant, from_epoch_us
from enlace.store.bulk import PutItem
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

from . import domain
from .adapters import Adapter, OutgoingMessage
from .fhir_map import communication
from .tables import attempts, consents, outbox
from .templates import template

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    stopped: int = 0  # consent withdrawn after queueing


def deliver(
    db: Database,
    repo: FhirRepository,
    adapters: Adapter | Mapping[str, Adapter],
    now_us: int,
    limit: int = 10_000,
) -> DeliveryReport:
    """Hand every due message to its channel's adapter (a mapping channel -> adapter, "*" for
    any other channel, or one adapter for all), in batches, until none is due or `limit`."""
    report = DeliveryReport()
    handled = 0
    while handled < limit:
        claimed = _claim(db, now_us, min(BATCH, limit - handled))
        if not claimed:
            break
        handled += len(claimed)
        _send_batch(db, repo, adapters, claimed, now_us, report)
    return report


def _claim(db: Database, now_us: int, size: int) -> list[Any]:
    c = outbox.c
    due = or_(
        and_(c.status == "queued", c.next_attempt_us <= now_us),
        and_(c.status == "sending", c.lease_us < now_us),  # its deliverer died
    )
    with db.begin() as conn:
        ids = [
            r.id
            for r in conn.execute(
                select(c.id).where(due).order_by(c.next_attempt_us, c.id).limit(size)
            )
        ]
        if not ids:
            return []
        rows = conn.execute(
            update(outbox)
            .where(c.id.in_(ids), due)
            .values(status="sending", lease_us=now_us + domain.LEASE_US)
            .returning(*outbox.c)
        ).all()
    return sorted(rows, key=lambda r: (r.next_attempt_us, r.id))


def _send_batch(
    db: Database,
    repo: FhirRepository,
    adapters: Adapter | Mapping[str, Adapter],
    rows: list[Any],
    now_us: int,
    report: DeliveryReport,
) -> None:
    with db.read() as conn:
        stopped = _consent_gone(conn, rows, now_us)
    sent: list[tuple[Any, str]] = []  # row, adapter name
    errors: list[tuple[Any, str, str]] = []  # row, adapter name, error
    for row in rows:
        if row.id in stopped:
            continue
        with _delivery_span(row):
            name = "-"
            try:
                adapter = _adapter_for(adapters, row.channel)
                name = adapter.name
                adapter.send(_outgoing(row, now_us))
                sent.append((row, name))
            except Exception as exc:  # any adapter failure is retried, never lost
                log.warning("message %s not handed to %s: %s", row.id, name, exc)
                errors.append((row, name, f"{type(exc).__name__}: {exc}"[:500]))
    with db.begin() as conn:
        # a deliverer slower than its lease lost the messages to another: it records nothing
        mine = _still_claimed(conn, rows)
        sent = [(row, name) for row, name in sent if row.id in mine]
        errors = [(row, name, error) for row, name, error in errors if row.id in mine]
        _record_stopped(conn, [r for r in rows if r.id in stopped and r.id in mine], report)
        _record_sent(conn, repo, sent, now_us, report)
        for row, name, error in errors:
            _record_error(conn, row, name, error, now_us, report)


def _delivery_span(row: Any) -> AbstractContextManager[Span]:
    """The hand-over of one message, in the trace of the request that queued it (a consumer
    span, as OpenTelemetry's messaging conventions name the processing of a queued message)."""
    return tracing.continued_span(
        "messaging.deliver",
        row.trace_context,
        SpanKind.CONSUMER,
        f"message {row.id}",
        {"messaging.system": "enlace.messaging", "messaging.message.id": row.id},
    )


def _still_claimed(conn: Connection, rows: list[Any]) -> set[str]:
    """The rows still under this deliverer's claim (status sending, its own lease), locked."""
    c = outbox.c
    lease = {r.id: r.lease_us for r in rows}
    query = select(c.id, c.status, c.lease_us).where(c.id.in_(list(lease))).with_for_update()
    return {
        r.id for r in conn.execute(query) if r.status == "sending" and r.lease_us == lease[r.id]
    }


def _mine(message_id: Any) -> Any:
    return and_(outbox.c.id == message_id, outbox.c.status == "sending")


def _record_stopped(conn: Connection, rows: list[Any], report: DeliveryReport) -> None:
    if rows:
        conn.execute(
            update(outbox)
            .where(_mine(bindparam("mid")))
            .values(status="not-sent", outcome=domain.OPTED_OUT),
            [{"mid": r.id} for r in rows],
        )
        report.stopped += len(rows)


def _record_sent(
    conn: Connection,
    repo: FhirRepository,
    sent: list[tuple[Any, str]],
    now_us: int,
    report: DeliveryReport,
) -> None:
    """Delivered, in bulk: the Communications, the attempts and the outbox rows."""
    if not sent:
        return
    repo.put_many(conn, [PutItem({**communication(row, now_us), "id": row.id}) for row, _ in sent])
    conn.execute(
        insert(attempts),
        [
            {
                "patient": r.patient,
                "message": r.id,
                "attempt": r.attempts + 1,
                "at_us": now_us,
                "adapter": name,
            }
            for r, name in sent
        ],
    )
    conn.execute(
        update(outbox)
        .where(_mine(bindparam("mid")))
        .values(
            status="delivered",
            delivered_us=now_us,
            communication=bindparam("mid_"),
            outcome=None,
            attempts=bindparam("tries"),
        ),
        [{"mid": r.id, "mid_": r.id, "tries": r.attempts + 1} for r, _ in sent],
    )
    report.delivered += len(sent)


def _record_error(
    conn: Connection, row: Any, adapter_name: str, error: str, now_us: int, report: DeliveryReport
) -> None:
    attempt = row.attempts + 1
    conn.execute(
        insert(attempts).values(
            patient=row.patient,
            message=row.id,
            attempt=attempt,
            at_us=now_us,
            adapter=adapter_name,
            error=error,
        )
    )
    retry_at = domain.next_attempt(now_us, attempt)
    values: dict[str, Any] = {"outcome": error[:64], "lease_us": None, "attempts": attempt}
    if retry_at is None:
        values["status"] = "failed"
        report.failed += 1
    else:
        values |= {"status": "queued", "next_attempt_us": retry_at}
        report.retried += 1
    conn.execute(update(outbox).where(_mine(row.id)).values(**values))


def _consent_gone(conn: Connection, rows: list[Any], now_us: int) -> set[str]:
    """The messages whose patient has no standing consent on their channel now (an opt-out
    after queueing stops the message)."""
    c = consents.c
    patients = list({r.patient for r in rows})
    standing = set()
    for start in range(0, len(patients), 500):
        query = select(c.patient, c.channel, c.withdrawn_us).where(
            c.patient.in_(patients[start : start + 500])
        )
        for found in conn.execute(query):
            if found.withdrawn_us is None or found.withdrawn_us > now_us:
                standing.add((found.patient, found.channel))
    return {
        r.id
        for r in rows
        if (r.patient, r.channel) not in standing and not template(r.template).required
    }


def _adapter_for(adapters: Adapter | Mapping[str, Adapter], channel: str) -> Adapter:
    if isinstance(adapters, Mapping):
        found = adapters.get(channel) or adapters.get("*")
        if found is None:
            raise LookupError(f"no adapter for channel {channel}")
        return found
    return adapters


def _outgoing(row: Any, now_us: int) -> OutgoingMessage:
    chosen = template(row.template)
    name = chosen.whatsapp_name if row.channel == "whatsapp" and chosen.whatsapp_name else None
    return OutgoingMessage(
        id=row.id,
        to=row.address,
        channel=row.channel,
        template=name or row.template,
        text=row.text,
        patient=f"Patient/{row.patient}",
        reason=orjson.loads(row.reason),
        queued_at=fhir_instant(from_epoch_us(row.queued_us)),
        sent_at=fhir_instant(from_epoch_us(now_us)),
    )

"""Delivery over rest-hook: handshakes, event notifications with retries, heartbeats.

The shape is the messaging outbox's (modules/messaging/outbox.py): claim due events with a
lease (a conditional UPDATE, so two workers never send the same event), POST outside any
transaction, then record the outcome in one transaction. A failed POST (an error status, a
refused connection, a timeout) is retried with exponential backoff; after MAX_ATTEMPTS the
events go to the dead-letter list (status `dead`, kept with the error) and the Subscription's
status becomes `error` (its `error` element says why), so no further events are tried until
the subscriber sets it back to `requested` (a new handshake).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import httpx
import orjson
from opentelemetry.trace import Span, SpanKind
from sqlalchemy import Connection, and_, or_, select, update

from enlace.kernel import tracing
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

from . import endpoints
from .matching import live_specs
from .notify import bundle
from .spec import Spec
from .tables import events, state

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE_US = 30 * 1_000_000  # 30 s, 1, 2, 4 minutes between attempts
LEASE_US = 5 * 60 * 1_000_000
CLAIM = 400  # per pass: a failed bundle sends the rest back, so claim little more than is sent

# (url, headers, body, timeout seconds) -> HTTP status; raises on a transport failure
Post = Callable[[str, dict[str, str], bytes, float], int]


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    handshakes: int = 0
    heartbeats: int = 0
    bundles: int = 0


def http_post(client: httpx.Client | None = None, refuse_inward: bool = False) -> Post:
    """A Post over one pooled httpx client (keep-alive across notifications). With
    `refuse_inward` (production) an endpoint that resolves into the platform's own network is
    refused before any byte is sent (endpoints.py); the refusal is retried and dead-lettered like
    any failed delivery."""
    chosen = client or httpx.Client(follow_redirects=False)

    def post(url: str, headers: dict[str, str], body: bytes, timeout: float) -> int:
        if refuse_inward and (problem := endpoints.resolved_problem(url)):
            raise endpoints.InwardEndpoint(problem)
        sent = {"Content-Type": "application/fhir+json", **headers}
        return chosen.post(url, content=body, headers=sent, timeout=timeout).status_code

    return post


def next_attempt(now_us: int, attempt: int) -> int | None:
    """When to retry after the `attempt`-th failure (None: give up)."""
    if attempt >= MAX_ATTEMPTS:
        return None
    return now_us + BACKOFF_BASE_US * 2 ** (attempt - 1)


def deliver(
    db: Database, repo: FhirRepository, post: Post, now_us: int, base: str = "urn:enlace"
) -> DeliveryReport:
    """One delivery pass: handshakes of requested Subscriptions, due events, heartbeats."""
    report = DeliveryReport()
    with db.read() as conn:
        specs = {s.id: s for s in live_specs(conn, repo)}
        states = {r.subscription: r for r in conn.execute(select(state))}
    for spec in specs.values():
        if spec.status == "requested" and spec.id in states:
            _handshake(db, repo, post, spec, states[spec.id], now_us, base, report)
    active = {i: s for i, s in specs.items() if s.status == "active"}
    _send_events(db, repo, post, active, now_us, base, report)
    _heartbeats(db, post, active, now_us, base, report)
    return report


def _handshake(
    db: Database,
    repo: FhirRepository,
    post: Post,
    spec: Spec,
    row: Any,
    now_us: int,
    base: str,
    report: DeliveryReport,
) -> None:
    body = bundle(spec, "handshake", row.events_since_start, now_us, base)
    error = _try_post(post, spec, body)
    with db.begin() as conn:
        conn.execute(
            update(state)
            .where(state.c.subscription == spec.id)
            .values(handshake_ok=error is None, last_sent_us=now_us, last_error=error)
        )
        set_status(conn, repo, spec.id, "error" if error else "active", error)
    report.handshakes += 1


def _send_events(
    db: Database,
    repo: FhirRepository,
    post: Post,
    active: dict[str, Spec],
    now_us: int,
    base: str,
    report: DeliveryReport,
) -> None:
    if not active:
        return
    claimed = _claim(db, list(active), now_us)
    for subscription, rows in groupby(claimed, key=lambda r: r.subscription):
        _send_claimed(db, repo, post, active[subscription], list(rows), now_us, base, report)


def _send_claimed(
    db: Database,
    repo: FhirRepository,
    post: Post,
    spec: Spec,
    pending: list[Any],
    now_us: int,
    base: str,
    report: DeliveryReport,
) -> None:
    """POST a Subscription's claimed events in bundles of max-count, in order, stopping at the
    first failure (the rest go back to the queue untried), then record every outcome in one
    transaction: a slow endpoint costs its own time, never a database lock's."""
    with db.read() as conn:
        counter = conn.execute(
            select(state.c.events_since_start).where(state.c.subscription == spec.id)
        ).scalar_one()
        resources = _resources(conn, repo, pending) if spec.content == "full-resource" else {}
    sent: list[Any] = []
    failed: tuple[list[Any], str] | None = None
    for start in range(0, len(pending), spec.max_count):
        chunk = pending[start : start + spec.max_count]
        body = bundle(spec, "event-notification", counter, now_us, base, chunk, resources)
        with _notify_span(spec, chunk):
            error = _try_post(post, spec, body)
        report.bundles += 1
        if error is not None:
            failed = (chunk, error)
            break
        sent += chunk
    untried = pending[len(sent) + (len(failed[0]) if failed else 0) :]
    with db.begin() as conn:
        if sent:
            _record_delivered(conn, spec, sent, now_us, report)
        if failed:
            _record_failed(conn, repo, spec, failed[0], failed[1], now_us, report)
        if untried:
            conn.execute(
                update(events).where(_owned(untried)).values(status="queued", lease_us=None)
            )


def _notify_span(spec: Spec, chunk: list[Any]) -> AbstractContextManager[Span]:
    """One bundle's POST, in the trace of the write that caused its first event (a bundle of
    several changes continues the first one's; each event row keeps its own context)."""
    return tracing.continued_span(
        "subscriptions.notify",
        chunk[0].trace_context,
        SpanKind.CONSUMER,
        f"subscription {spec.id} event {chunk[0].event_number}",
        {"messaging.system": "enlace.subscriptions", "messaging.batch.message_count": len(chunk)},
    )


def _try_post(post: Post, spec: Spec, body: dict[str, Any]) -> str | None:
    """None when the endpoint accepted the bundle (2xx), else why not."""
    try:
        status = post(spec.endpoint, spec.headers, orjson.dumps(body), spec.timeout_s)
    except Exception as exc:  # a refused connection or a timeout is retried, never raised
        return f"{type(exc).__name__}: {exc}"[:500]
    return None if 200 <= status < 300 else f"endpoint answered HTTP {status}"


def _claim(db: Database, subscriptions: list[str], now_us: int) -> list[Any]:
    c = events.c
    due = or_(
        and_(c.status == "queued", c.next_attempt_us <= now_us),
        and_(c.status == "sending", c.lease_us < now_us),  # its worker died
    )
    mine = and_(due, c.subscription.in_(subscriptions))
    with db.begin() as conn:
        keys = conn.execute(
            select(c.subscription, c.event_number)
            .where(mine)
            .order_by(c.subscription, c.event_number)
            .limit(CLAIM)
        ).all()
        if not keys:
            return []
        claimed: list[Any] = []
        for subscription, numbers in groupby(keys, key=lambda k: k[0]):
            claimed += conn.execute(
                update(events)
                .where(
                    mine,
                    c.subscription == subscription,
                    c.event_number.in_([n for _, n in numbers]),
                )
                .values(status="sending", lease_us=now_us + LEASE_US)
                .returning(*events.c)
            ).all()
    return sorted(claimed, key=lambda r: (r.subscription, r.event_number))


def _resources(
    conn: Connection, repo: FhirRepository, chunk: list[Any]
) -> dict[tuple[str, str, int], dict[str, Any]]:
    found = {}
    for row in chunk:
        if row.interaction == "delete":
            continue
        version = repo.vread(conn, row.resource_type, row.resource_id, row.version)
        found[(row.resource_type, row.resource_id, row.version)] = orjson.loads(
            version.content or b"{}"
        )
    return found


def _owned(chunk: list[Any]) -> Any:
    c = events.c
    return and_(
        c.subscription == chunk[0].subscription,
        c.event_number.in_([r.event_number for r in chunk]),
        c.status == "sending",
    )


def _record_delivered(
    conn: Connection, spec: Spec, chunk: list[Any], now_us: int, report: DeliveryReport
) -> None:
    done = conn.execute(
        update(events)
        .where(_owned(chunk))
        .values(
            status="delivered",
            delivered_us=now_us,
            lease_us=None,
            attempts=events.c.attempts + 1,
            error=None,
        )
    )
    conn.execute(
        update(state)
        .where(state.c.subscription == spec.id)
        .values(last_sent_us=now_us, last_error=None)
    )
    report.delivered += done.rowcount


def _record_failed(
    conn: Connection,
    repo: FhirRepository,
    spec: Spec,
    chunk: list[Any],
    error: str,
    now_us: int,
    report: DeliveryReport,
) -> None:
    log.warning("subscription %s: %d events not delivered: %s", spec.id, len(chunk), error)
    attempt = max(r.attempts for r in chunk) + 1
    retry_at = next_attempt(now_us, attempt)
    values: dict[str, Any] = {"attempts": attempt, "lease_us": None, "error": error}
    if retry_at is None:
        values["status"] = "dead"
        report.dead += len(chunk)
    else:
        values |= {"status": "queued", "next_attempt_us": retry_at}
        report.retried += len(chunk)
    conn.execute(update(events).where(_owned(chunk)).values(**values))
    conn.execute(update(state).where(state.c.subscription == spec.id).values(last_error=error))
    if retry_at is None:
        set_status(conn, repo, spec.id, "error", f"{MAX_ATTEMPTS} attempts failed: {error}")


def _heartbeats(
    db: Database,
    post: Post,
    active: dict[str, Spec],
    now_us: int,
    base: str,
    report: DeliveryReport,
) -> None:
    with db.read() as conn:
        rows = {r.subscription: r for r in conn.execute(select(state))}
    for spec in active.values():
        row = rows.get(spec.id)
        if spec.heartbeat_s is None or row is None:
            continue
        if (
            row.last_sent_us is not None
            and row.last_sent_us + spec.heartbeat_s * 1_000_000 > now_us
        ):
            continue
        error = _try_post(
            post, spec, bundle(spec, "heartbeat", row.events_since_start, now_us, base)
        )
        with db.begin() as conn:
            conn.execute(
                update(state)
                .where(state.c.subscription == spec.id)
                .values(last_sent_us=now_us, last_error=error)
            )
        report.heartbeats += 1


def set_status(
    conn: Connection, repo: FhirRepository, subscription: str, status: str, error: str | None
) -> None:
    """Write the Subscription's new status (and `error`) as a new version, if it changed."""
    current = repo.current(conn, "Subscription", subscription)
    if current is None or current.deleted or current.content is None:
        return
    resource = orjson.loads(current.content)
    if resource.get("status") == status and resource.get("error") == error:
        return
    resource["status"] = status
    if error:
        resource["error"] = error
    else:
        resource.pop("error", None)
    repo.update(conn, resource, subscription)

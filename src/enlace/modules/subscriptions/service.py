"""Use cases of the subscriptions module: the write-time check, one worker pass (match the
committed changes, deliver), the background worker, and what a subscriber or an operator may
ask (the status and events of a Subscription, the dead-letter list)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from enlace.kernel.clock import Clock, epoch_us, system_clock
from enlace.kernel.errors import Issue
from enlace.store.database import Database
from enlace.store.repository import FhirRepository

from . import delivery, matching
from .spec import PROFILE, check
from .tables import events, state
from .topics import all_topics

log = logging.getLogger(__name__)
WORKER_EVERY_S = 2.0


@dataclass
class PassReport:
    matched: int
    delivery: delivery.DeliveryReport


def subscription_checker(allow_http: bool) -> Callable[[dict[str, Any]], list[Issue]]:
    """The check a Subscription must pass before it is stored (https only unless allowed)."""
    return lambda resource: check(resource, allow_http)


def run_once(
    db: Database,
    repo: FhirRepository,
    post: delivery.Post,
    now_us: int,
    margin_us: int = 0,
    base: str = "urn:enlace",
) -> PassReport:
    """Queue the events of every change committed since the last pass, then deliver what is due."""
    matched = matching.match(db, repo, now_us, margin_us)
    return PassReport(matched, delivery.deliver(db, repo, post, now_us, base))


def default_margin_us(db: Database) -> int:
    """PostgreSQL commits can land out of sequence order: re-read 2 s of changes."""
    return 2_000_000 if db.dialect == "postgresql" else 0


def start_worker(
    db: Database,
    repo: FhirRepository,
    every_s: float = WORKER_EVERY_S,
    clock: Clock = system_clock,
    post: delivery.Post | None = None,
    refuse_inward: bool = False,
) -> Callable[[], None]:
    """Match and deliver every `every_s` seconds on a daemon thread (what a serving process
    runs); returns the stop function. Several processes may run one: events are claimed."""
    stop = threading.Event()
    chosen = post or delivery.http_post(refuse_inward=refuse_inward)
    margin = default_margin_us(db)

    def run() -> None:
        while not stop.wait(every_s):
            try:
                run_once(db, repo, chosen, epoch_us(clock()), margin)
            except Exception:
                log.warning("subscription pass failed; next in %.0f s", every_s, exc_info=True)

    thread = threading.Thread(target=run, name="enlace-subscriptions", daemon=True)
    thread.start()

    def stop_worker() -> None:
        stop.set()
        thread.join(timeout=30)

    return stop_worker


def events_of(
    conn: Connection, subscription: str, status: str | None = None
) -> list[dict[str, Any]]:
    """A Subscription's events in order (status `dead` is its dead-letter list)."""
    query = select(events).where(events.c.subscription == subscription)
    if status is not None:
        query = query.where(events.c.status == status)
    return [dict(r._mapping) for r in conn.execute(query.order_by(events.c.event_number))]


def dead_letters(conn: Connection) -> list[dict[str, Any]]:
    query = (
        select(events)
        .where(events.c.status == "dead")
        .order_by(events.c.subscription, events.c.event_number)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def state_of(conn: Connection, subscription: str) -> dict[str, Any] | None:
    row = conn.execute(select(state).where(state.c.subscription == subscription)).first()
    return dict(row._mapping) if row else None


def first_delivered(conn: Connection, subscription: str, resource_type: str) -> dict[str, int]:
    """resource id -> when a notification about it was first delivered (registry timeliness)."""
    e = events.c
    query = select(e.resource_id, e.delivered_us).where(
        e.subscription == subscription, e.resource_type == resource_type, e.status == "delivered"
    )
    found: dict[str, int] = {}
    for resource_id, delivered_us in conn.execute(query):
        if resource_id not in found or delivered_us < found[resource_id]:
            found[resource_id] = delivered_us
    return found


TOPIC_CANONICAL = (
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/"
    "capabilitystatement-subscriptiontopic-canonical"
)


def capability_elements() -> dict[str, Any]:
    """What the CapabilityStatement's Subscription entry says (backport IG): the profile, one
    subscriptiontopic-canonical extension per topic offered, the channel rules."""
    offered = all_topics()
    listing = "; ".join(
        f"{t.url} ({t.title}, filters: {', '.join(sorted(t.filters)) or '-'})" for t in offered
    )
    return {
        "supportedProfile": [PROFILE],
        "extension": [{"url": TOPIC_CANONICAL, "valueCanonical": t.url} for t in offered],
        "documentation": (
            "R4 Subscriptions with the topic-based backport: criteria is a topic's canonical URL, "
            "filters go in backport-filter-criteria; channel rest-hook only, https endpoint; "
            "payload id-only (default), full-resource or empty; heartbeat, timeout and max-count "
            f"extensions honoured; {delivery.MAX_ATTEMPTS} attempts with exponential backoff, "
            f"then status error and a dead-letter list. Topics: {listing}"
        ),
    }

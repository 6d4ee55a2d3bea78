"""Matching: read the change stream (`resource_history`) after the cursor, test each changed
version against the topics of the live Subscriptions, queue one event per match.

Runs after the writes committed (the worker, `enlace subscriptions deliver`), never inside a
write: a slow or failing subscriber cannot slow or fail the write that caused the event.
On PostgreSQL two transactions can commit out of sequence order, so each pass re-reads the
last `margin_us` of changes; the unique (subscription, type, id, version) key makes that
re-read notify nothing twice (the same reasoning as analytics/materialize.py's margin).
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, insert, select, update

from enlace.store.database import Database
from enlace.store.records import StoredVersion
from enlace.store.repository import FhirRepository
from enlace.store.schema import resource_history

from .spec import Spec, read_spec
from .tables import cursor, events, state
from .topics import interaction_of, passes

CURSOR = "changes"
PAGE = 1000
# history pages are read newest first until the mark: a quiet pass should fetch few rows
CHANGES_PAGE = 200
LIVE = ("requested", "active")


@dataclass(frozen=True)
class Change:
    seq: int
    version: StoredVersion


def match(db: Database, repo: FhirRepository, now_us: int, margin_us: int = 0) -> int:
    """Queue the events of every change since the cursor; the number queued."""
    with db.begin() as conn:
        mark = _lock_cursor(conn, repo)
        if mark is None:
            return 0  # first pass: the stream starts now, history is not replayed
        watermark_seq, watermark_us = mark
        specs = live_specs(conn, repo)
        types = {s.topic.resource_type for s in specs} | {"Subscription"}
        changes: list[Change] = []
        for resource_type in types:
            changes += _changes_since(
                conn, repo, resource_type, watermark_seq, watermark_us - margin_us
            )
        changes.sort(key=lambda c: c.seq)
        contexts = _trace_contexts(conn, [c.seq for c in changes])
        starts = _starts(conn, specs, changes, watermark_seq)
        queued = _queue(conn, specs, starts, changes, contexts, now_us)
        # the whole stream's newest change, not just the watched types': a topic watched later
        # starts from here instead of re-reading everything written meanwhile
        newest = max(
            [(c.seq, c.version.last_updated_us) for c in changes[-1:]] + _newest(conn, repo)
        )
        if newest[0] > watermark_seq:
            conn.execute(
                update(cursor)
                .where(cursor.c.name == CURSOR)
                .values(watermark_seq=newest[0], watermark_us=newest[1])
            )
    return queued


def _newest(conn: Connection, repo: FhirRepository) -> list[tuple[int, int]]:
    latest = repo.history(conn, limit=1)
    return [(latest[0][0], latest[0][1].last_updated_us)] if latest else []


def live_specs(conn: Connection, repo: FhirRepository) -> list[Spec]:
    """The Subscriptions that are requested or active, as delivery reads them."""
    found: list[Spec] = []
    after = None
    while True:
        page = repo.scan(conn, "Subscription", after=after, limit=PAGE)
        if not page:
            return found
        for version in page:
            resource = orjson.loads(version.content or b"{}")
            spec = read_spec(resource)
            if spec is not None and spec.status in LIVE:
                found.append(spec)
        after = page[-1].id


def _lock_cursor(conn: Connection, repo: FhirRepository) -> tuple[int, int] | None:
    row = conn.execute(
        select(cursor.c.watermark_seq, cursor.c.watermark_us)
        .where(cursor.c.name == CURSOR)
        .with_for_update()
    ).first()
    if row is not None:
        return int(row[0]), int(row[1])
    seq, at_us = (_newest(conn, repo) or [(0, 0)])[0]
    conn.execute(insert(cursor).values(name=CURSOR, watermark_seq=seq, watermark_us=at_us))
    return seq, at_us


def _changes_since(
    conn: Connection, repo: FhirRepository, resource_type: str, after_seq: int, floor_us: int
) -> list[Change]:
    """The versions of one type newer than the mark, plus those within the margin."""
    found: list[Change] = []
    before = None
    while True:
        page = repo.history(conn, resource_type, before_seq=before, limit=CHANGES_PAGE)
        for seq, version in page:
            if seq <= after_seq and version.last_updated_us < floor_us:
                return found
            found.append(Change(seq, version))
        if len(page) < CHANGES_PAGE:
            return found
        before = page[-1][0]


def _starts(
    conn: Connection, specs: list[Spec], changes: list[Change], watermark_seq: int
) -> dict[str, int]:
    """Each live Subscription's start: changes after it are notified. A new Subscription
    starts at its own first version in the stream (nothing from before it existed)."""
    known = {
        r.subscription: int(r.start_seq)
        for r in conn.execute(select(state.c.subscription, state.c.start_seq))
    }
    first_seen: dict[str, int] = {}
    for change in changes:
        if change.version.resource_type == "Subscription":
            first_seen.setdefault(change.version.id, change.seq)
    for spec in specs:
        if spec.id not in known:
            known[spec.id] = first_seen.get(spec.id, watermark_seq)
            conn.execute(insert(state).values(subscription=spec.id, start_seq=known[spec.id]))
    return known


def _trace_contexts(conn: Connection, seqs: list[int]) -> dict[int, str]:
    """The stored trace context of each change that has one: its event's notification then
    continues the trace of the request that wrote it."""
    h = resource_history.c
    found: dict[int, str] = {}
    for start in range(0, len(seqs), PAGE):
        query = select(h.seq, h.trace_context).where(
            h.seq.in_(seqs[start : start + PAGE]), h.trace_context.is_not(None)
        )
        found.update((int(seq), context) for seq, context in conn.execute(query))
    return found


def _queue(
    conn: Connection,
    specs: list[Spec],
    starts: dict[str, int],
    changes: list[Change],
    contexts: dict[int, str],
    now_us: int,
) -> int:
    queued = 0
    for spec in specs:
        rows = []
        for change in changes:
            if change.seq <= starts[spec.id]:
                continue
            row = _event_row(spec, change)
            if row is not None:
                rows.append(row | {"trace_context": contexts.get(change.seq)})
        queued += _insert_new(conn, spec.id, rows, now_us)
    return queued


def _event_row(spec: Spec, change: Change) -> dict[str, object] | None:
    version = change.version
    if version.resource_type != spec.topic.resource_type:
        return None
    interaction = interaction_of(version.version_id, version.deleted)
    if interaction not in spec.topic.interactions:
        return None
    resource = orjson.loads(version.content) if version.content else {}
    if version.content and not passes(spec.topic, spec.filters, resource):
        return None
    return {
        "resource_type": version.resource_type,
        "resource_id": version.id,
        "version": version.version_id,
        "interaction": interaction,
        "changed_us": version.last_updated_us,
    }


def _insert_new(
    conn: Connection, subscription: str, rows: list[dict[str, object]], now_us: int
) -> int:
    """Number the events not queued before (a margin re-read finds some again) and insert."""
    if not rows:
        return 0
    e = events.c
    ids = list({str(r["resource_id"]) for r in rows})
    seen = set()
    for start in range(0, len(ids), 500):
        query = select(e.resource_type, e.resource_id, e.version).where(
            e.subscription == subscription, e.resource_id.in_(ids[start : start + 500])
        )
        seen |= {(r[0], r[1], r[2]) for r in conn.execute(query)}
    fresh = [r for r in rows if (r["resource_type"], r["resource_id"], r["version"]) not in seen]
    if not fresh:
        return 0
    counter = conn.execute(
        select(state.c.events_since_start).where(state.c.subscription == subscription)
    ).scalar_one()
    for offset, row in enumerate(fresh, start=1):
        row |= {
            "subscription": subscription,
            "event_number": counter + offset,
            "status": "queued",
            "next_attempt_us": now_us,
        }
    conn.execute(insert(events), fresh)
    conn.execute(
        update(state)
        .where(state.c.subscription == subscription)
        .values(events_since_start=counter + len(fresh))
    )
    return len(fresh)

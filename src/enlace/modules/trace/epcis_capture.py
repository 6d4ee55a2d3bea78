"""EPCIS capture: a whole document accepted in one transaction, or refused whole.

`capture(conn, document, now)` validates every event (nothing is written if any is bad),
sets aside events already captured, appends one log leaf per new event, stores the events with
their EPCs, applies them to per-object state (raising alerts) and stores the alerts, all in the
caller's transaction: the events and their leaves commit together or not at all.

Duplicates: an eventID already stored with the same content (same event hash) is idempotent —
reported as a duplicate and not stored or logged again; the same eventID with other content is
refused (`duplicate-event-id`, pointer to its eventID). An event with no eventID is identified by
its hash, so a resend is idempotent too; so is a known hash under a new eventID (same event).
Events for unknown EPCs are accepted and flagged (`unknown-epc`), never refused: the record of
what a counterfeit did is the evidence. Out-of-order events keep their eventTime; the log order
is the order of acceptance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from enlace.kernel import jsonutil
from enlace.kernel.clock import epoch_us
from enlace.modules.trace import log_store
from enlace.modules.trace.epcis_leaf import leaf_entry
from enlace.modules.trace.epcis_locations import load_places
from enlace.modules.trace.epcis_model import ROLE_PARENT, EpcisError, EpcisEvent, Problem
from enlace.modules.trace.epcis_tables import event_epcs, events
from enlace.modules.trace.epcis_validate import parse_document
from enlace.modules.trace.events_alerts import Alert, insert_alerts
from enlace.modules.trace.pack_state_apply import Tracker
from enlace.modules.trace.pack_state_store import load_objects, recalled_lots, save_objects
from enlace.store.database import Database
from enlace.store.sql import copy_tuples

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class CapturedEvent:
    event_id: str
    event_hash: str
    log_index: int | None  # None for a duplicate (its first capture has the leaf)
    duplicate: bool = False


@dataclass(slots=True)
class CaptureReport:
    record_time_us: int
    events: list[CapturedEvent] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(not e.duplicate for e in self.events)

    @property
    def duplicates(self) -> int:
        return sum(e.duplicate for e in self.events)


def to_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("capture time must be timezone-aware")
    return epoch_us(moment)


def append_to_log(conn: Connection, entries: Sequence[bytes]) -> list[int]:
    """The one place capture writes to the transparency log (same transaction as the events)."""
    return log_store.append_entries(conn, entries)


def _stored(conn: Connection, column: Any, keys: list[str]) -> dict[str, tuple[str, str]]:
    """(event_id, event_hash) of stored events by `column` value."""
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(keys), _CHUNK):
        query = select(events.c.event_id, events.c.event_hash).where(
            column.in_(keys[start : start + _CHUNK])
        )
        for event_id, event_hash in conn.execute(query):
            found[event_id if column is events.c.event_id else event_hash] = (event_id, event_hash)
    return found


def split_duplicates(
    conn: Connection, parsed: list[EpcisEvent]
) -> tuple[list[EpcisEvent], list[EpcisEvent]]:
    """(new events, already captured); EpcisError when an eventID is reused for other content."""
    by_id = _stored(conn, events.c.event_id, sorted({e.event_id for e in parsed}))
    by_hash = _stored(conn, events.c.event_hash, sorted({e.event_hash for e in parsed}))
    fresh: list[EpcisEvent] = []
    old: list[EpcisEvent] = []
    problems: list[Problem] = []
    for event in parsed:
        known = by_id.get(event.event_id)
        if known is not None and known[1] != event.event_hash:
            problems.append(
                Problem(
                    event.pointer + "/eventID",
                    "duplicate-event-id",
                    f"eventID {event.event_id!r} was already used for an event with other content",
                )
            )
        elif known is not None or event.event_hash in by_hash:
            old.append(event)
        else:
            fresh.append(event)
            by_id[event.event_id] = (event.event_id, event.event_hash)
            by_hash[event.event_hash] = (event.event_id, event.event_hash)
    if problems:
        raise EpcisError(problems)
    return fresh, old


def capture(conn: Connection, document: Any, now: datetime) -> CaptureReport:
    """Validate, dedupe, log, store and apply a document's events in the caller's transaction."""
    parsed = parse_document(document)
    fresh, old = split_duplicates(conn, parsed)
    report = CaptureReport(to_us(now))
    report.events.extend(CapturedEvent(e.event_id, e.event_hash, None, True) for e in old)
    if not fresh:
        return report
    seqs = append_to_log(
        conn, [leaf_entry(e.event_hash, e.event_id, report.record_time_us) for e in fresh]
    )
    _insert_events(conn, fresh, seqs, report.record_time_us)
    report.alerts = _apply(conn, fresh, seqs)
    insert_alerts(conn, report.alerts, report.record_time_us)
    report.events.extend(
        CapturedEvent(e.event_id, e.event_hash, seq) for e, seq in zip(fresh, seqs, strict=True)
    )
    return report


def capture_document(db: Database, document: Any, now: datetime) -> CaptureReport:
    """`capture` in a transaction of its own: committed whole, or (on any error) not at all."""
    with db.begin() as conn:
        return capture(conn, document, now)


def _apply(conn: Connection, fresh: list[EpcisEvent], seqs: list[int]) -> list[Alert]:
    loaded = load_objects(conn, (epc for e in fresh for epc, _ in e.epcs))
    locations = {e.location for e in fresh} | {r.location for r in loaded.rows.values()}
    locations |= {d for e in fresh for d in e.destinations}
    places = load_places(conn, locations)
    gtins = {r.gtin for r in loaded.rows.values() if r.gtin} | {
        epc.split("/")[4] for e in fresh for epc, _ in e.epcs if "/01/" in epc
    }
    tracker = Tracker(loaded, places, recalled_lots(conn, gtins))
    for event, seq in zip(fresh, seqs, strict=True):
        tracker.apply(event, seq)
    save_objects(conn, loaded)
    return tracker.alerts


EVENT_COLUMNS = tuple(c.name for c in events.columns)


def _insert_events(
    conn: Connection, fresh: list[EpcisEvent], seqs: list[int], record_us: int
) -> None:
    """Events and their EPC links at driver level (COPY on PostgreSQL): bulk, no ORM per row."""
    rows = [
        (
            seq,
            e.event_id,
            e.event_hash,
            e.event_type,
            e.action,
            e.event_time_us,
            e.time_zone_offset,
            record_us,
            e.biz_step,
            e.disposition,
            e.read_point,
            e.biz_location,
            next(iter(e.epcs_in(ROLE_PARENT)), None),
            jsonutil.dumps(e.raw).decode(),
        )
        for e, seq in zip(fresh, seqs, strict=True)
    ]
    copy_tuples(conn, events.name, EVENT_COLUMNS, rows)
    links = {(epc, seq, role) for e, seq in zip(fresh, seqs, strict=True) for epc, role in e.epcs}
    copy_tuples(conn, event_epcs.name, ("epc", "seq", "role"), sorted(links))

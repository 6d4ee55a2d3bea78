"""Captured events found again: by EPC, business step, location and event-time range, paged.

Pages follow the order of acceptance (the log order) with a keyset cursor (`after` = the last
seq seen), so a page costs an index range scan however deep it is, and paging is stable while
events keep arriving. A page is at most `MAX_LIMIT` events. Each event comes back as captured,
with `eventID` (ours when the sender gave none) and the repository's `recordTime` added, and
the event's leaf index in the transparency log as the extension `enlace:leafIndex` (so an
auditor can match each event to its leaf; declare `ENLACE_CONTEXT` in the document).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, or_, select

from enlace.kernel import jsonutil
from enlace.modules.trace.epcis_ids import canonical_epc
from enlace.modules.trace.epcis_leaf import record_time_text
from enlace.modules.trace.epcis_model import EpcisError, Problem
from enlace.modules.trace.epcis_tables import event_epcs, events
from enlace.modules.trace.epcis_vocab import BIZ_STEP
from enlace.store.database import Database

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
LEAF_INDEX = "enlace:leafIndex"
ENLACE_CONTEXT = {"enlace": "https://enlace.health/epcis/"}


@dataclass(frozen=True, slots=True)
class EventQuery:
    epc: str | None = None
    biz_step: str | None = None
    location: str | None = None  # matches bizLocation or readPoint
    since_us: int | None = None  # eventTime ≥ since
    until_us: int | None = None  # eventTime < until
    after: int | None = None  # cursor: the last seq of the previous page
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[dict[str, Any]]
    next_after: int | None  # pass as `after` for the next page; None at the end


def _checked(query: EventQuery) -> list[Problem]:
    problems = []
    if not 1 <= query.limit <= MAX_LIMIT:
        problems.append(Problem("?limit", "bad-limit", f"limit is 1 to {MAX_LIMIT}"))
    step = query.biz_step
    if step is not None and BIZ_STEP.bare_term(step) is None and not BIZ_STEP.is_private(step):
        message = f"{step!r} is not a CBV 2.0 bizStep"
        problems.append(Problem("?bizStep", "unknown-bizstep", message))
    since, until = query.since_us, query.until_us
    if since is not None and until is not None and since >= until:
        problems.append(Problem("?GE_eventTime", "bad-range", "the time range is empty"))
    return problems


def query_events(conn: Connection, query: EventQuery) -> EventPage:
    problems = _checked(query)
    if problems:
        raise EpcisError(problems)
    conditions: list[ColumnElement[bool]] = []
    if query.epc is not None:
        linked = select(event_epcs.c.seq).where(event_epcs.c.epc == canonical_epc(query.epc))
        conditions.append(events.c.seq.in_(linked))
    if query.biz_step is not None:
        conditions.append(
            events.c.biz_step == (BIZ_STEP.bare_term(query.biz_step) or query.biz_step)
        )
    if query.location is not None:
        place = canonical_epc(query.location)
        conditions.append(or_(events.c.biz_location == place, events.c.read_point == place))
    if query.since_us is not None:
        conditions.append(events.c.event_time_us >= query.since_us)
    if query.until_us is not None:
        conditions.append(events.c.event_time_us < query.until_us)
    if query.after is not None:
        conditions.append(events.c.seq > query.after)
    statement = (
        select(events.c.seq, events.c.event_id, events.c.record_time_us, events.c.raw)
        .where(and_(True, *conditions))
        .order_by(events.c.seq)
        .limit(query.limit + 1)
    )
    rows = conn.execute(statement).all()
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    found = [_rendered(row.seq, row.event_id, row.record_time_us, row.raw) for row in rows]
    return EventPage(found, rows[-1].seq if more and rows else None)


def find_events(db: Database, query: EventQuery) -> EventPage:
    with db.read() as conn:
        return query_events(conn, query)


def _rendered(seq: int, event_id: str, record_us: int, raw: str) -> dict[str, Any]:
    event: dict[str, Any] = jsonutil.loads(raw)
    event["eventID"] = event_id
    event["recordTime"] = record_time_text(record_us)
    event[LEAF_INDEX] = seq
    return event

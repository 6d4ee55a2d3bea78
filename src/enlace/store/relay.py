"""The committed change stream, for a relay to a message broker (docs/scale.md "Outbox relay").

Every committed write leaves a row in `resource_history` in its own transaction: that table is
the platform's transactional outbox of resource changes. A relay reads it past its cursor,
publishes each change with a deduplication id (`Type/id/_history/version`), waits for the
broker's acknowledgements and only then advances the cursor. A crash between publishing and
advancing publishes again; the broker drops the repeat by its id.

PostgreSQL can commit two transactions out of sequence order, so the cursor is advanced only
over changes older than `margin_us` (the rest are published, and re-read on the next pass:
published twice, stored once). Consumers record each message id in `relay_inbox` in the same
transaction as their effect (`claim`), so a redelivery after a crash changes nothing.

The trace context stored with each change (kernel/tracing.py) travels as the message's
`traceparent` header, so a consumer on another node continues the writing request's trace.

Events are thin (type, id, version, method): a consumer that needs the content reads it
through the repository, with its own access rules and the content decrypted there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from enlace.store.relay_tables import relay_cursors, relay_inbox
from enlace.store.schema import resource_history


@dataclass(frozen=True)
class Change:
    seq: int
    resource_type: str
    id: str
    version: int
    method: str
    deleted: bool
    at_us: int
    trace_context: str | None = None  # the writer's traceparent, sent as a message header

    @property
    def message_id(self) -> str:
        return f"{self.resource_type}/{self.id}/_history/{self.version}"

    def subject(self, prefix: str) -> str:
        return f"{prefix}.{self.resource_type}"

    def payload(self) -> bytes:
        return orjson.dumps(
            {
                "seq": self.seq,
                "resourceType": self.resource_type,
                "id": self.id,
                "versionId": str(self.version),
                "method": self.method,
                "deleted": self.deleted,
                "lastUpdatedUs": self.at_us,
            }
        )


def parse(payload: bytes) -> Change:
    data = orjson.loads(payload)
    return Change(
        int(data["seq"]),
        str(data["resourceType"]),
        str(data["id"]),
        int(data["versionId"]),
        str(data["method"]),
        bool(data["deleted"]),
        int(data["lastUpdatedUs"]),
    )


def cursor(conn: Connection, name: str) -> int:
    """The sequence number up to which relay `name` has published everything (0 at first)."""
    found = conn.execute(
        select(relay_cursors.c.watermark_seq).where(relay_cursors.c.name == name)
    ).scalar()
    return int(found or 0)


def pending(conn: Connection, after_seq: int, limit: int = 1000) -> list[Change]:
    """Committed changes after `after_seq`, oldest first, at most `limit`."""
    h = resource_history.c
    rows = conn.execute(
        select(
            h.seq,
            h.resource_type,
            h.id,
            h.version_id,
            h.method,
            h.deleted,
            h.last_updated_us,
            h.trace_context,
        )
        .where(h.seq > after_seq)
        .order_by(h.seq)
        .limit(limit)
    ).all()
    return [
        Change(int(r[0]), r[1], r[2], int(r[3]), r[4], bool(r[5]), int(r[6]), r[7]) for r in rows
    ]


def settled(changes: Sequence[Change], current: int, now_us: int, margin_us: int) -> int:
    """The new cursor after publishing `changes`: the last of the leading run of changes older
    than the margin (a younger one may still have an uncommitted neighbour below it)."""
    mark = current
    for change in changes:
        if change.at_us > now_us - margin_us:
            break
        mark = change.seq
    return mark


def advance(conn: Connection, name: str, seq: int, published: int, now_us: int) -> None:
    """Move relay `name`'s cursor to `seq` (never back) and add `published` to its count."""
    c = relay_cursors.c
    moved = conn.execute(
        update(relay_cursors)
        .where(c.name == name)
        .values(
            watermark_seq=_greatest(conn, c.watermark_seq, seq),
            published=c.published + published,
            updated_us=now_us,
        )
    )
    if moved.rowcount == 0:
        conn.execute(
            insert(relay_cursors).values(
                name=name, watermark_seq=seq, published=published, updated_us=now_us
            )
        )


def _greatest(conn: Connection, column: object, value: int) -> object:
    if conn.dialect.name == "postgresql":
        return func.greatest(column, value)
    return func.max(column, value)


def claim(conn: Connection, consumer: str, message_id: str, now_us: int) -> bool:
    """Record that `consumer` handles `message_id` in the caller's transaction; False when it
    already had (the caller then skips the effect and acknowledges the message)."""
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(relay_inbox)
        .values(consumer=consumer, message_id=message_id, handled_us=now_us)
        .on_conflict_do_nothing(index_elements=["consumer", "message_id"])
        .returning(relay_inbox.c.message_id)  # rowcount is not reliable here on psycopg
    )
    return conn.execute(statement).first() is not None


def claim_many(
    conn: Connection, consumer: str, message_ids: Sequence[str], now_us: int
) -> set[str]:
    """`claim` for a batch in one statement: the ids this call claimed (the others had been)."""
    unique = list(dict.fromkeys(message_ids))
    if not unique:
        return set()
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = (
        dialect_insert(relay_inbox)
        .values([{"consumer": consumer, "message_id": m, "handled_us": now_us} for m in unique])
        .on_conflict_do_nothing(index_elements=["consumer", "message_id"])
        .returning(relay_inbox.c.message_id)
    )
    return {row[0] for row in conn.execute(statement)}

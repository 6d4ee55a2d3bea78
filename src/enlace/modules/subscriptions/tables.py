"""The subscriptions module's own tables (migration 0022); only this module reads or writes them.

- `subscription_cursor`: how far the matcher has read the change stream (`resource_history`
  seq and lastUpdated of the newest change it saw). One row, locked while a matcher runs, so
  two workers never match the same changes twice.
- `subscription_state`: per Subscription resource, what the delivery side knows: the change
  `start_seq` after which it is told of events (nothing from before it existed), its events
  counter (`events_since_start`, the backport's events-since-subscription-start), whether the
  handshake was answered, the last bundle sent (heartbeats are due `heartbeatPeriod` after it)
  and the last delivery error.
- `subscription_events`: one row per (subscription, changed resource version) the topic
  matched: queued → sending (with a lease) → delivered, or dead (the dead-letter list: attempts
  exhausted, kept and visible). Unique per (subscription, type, id, version) so re-reading the
  stream (the PostgreSQL commit-order margin) never notifies twice.

No foreign keys to other modules; ids are FHIR logical ids.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

Id = String(64)

cursor = Table(
    "subscription_cursor",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("watermark_seq", BigInteger, nullable=False),
    Column("watermark_us", BigInteger, nullable=False),
)

state = Table(
    "subscription_state",
    metadata,
    Column("subscription", Id, primary_key=True),
    Column("start_seq", BigInteger, nullable=False),
    Column("events_since_start", BigInteger, nullable=False, server_default="0"),
    Column("handshake_ok", Boolean, nullable=False, server_default=false()),
    Column("last_sent_us", BigInteger),
    Column("last_error", Text),
)

events = Table(
    "subscription_events",
    metadata,
    Column("subscription", Id, primary_key=True),
    Column("event_number", BigInteger, primary_key=True),
    Column("resource_type", String(64), nullable=False),
    Column("resource_id", Id, nullable=False),
    Column("version", Integer, nullable=False),
    Column("interaction", String(8), nullable=False),  # create | update | delete
    Column("changed_us", BigInteger, nullable=False),  # the version's lastUpdated
    Column("status", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_us", BigInteger, nullable=False),
    Column("lease_us", BigInteger),
    Column("delivered_us", BigInteger),
    Column("error", Text),
    Column("trace_context", String(64)),  # the change's traceparent, from resource_history (0035)
    UniqueConstraint(
        "subscription", "resource_type", "resource_id", "version", name="subscription_event_once"
    ),
    CheckConstraint(
        "status IN ('queued','sending','delivered','dead')", name="subscription_event_status"
    ),
    Index("subscription_events_due", "status", "next_attempt_us"),
)

SUBSCRIPTION_TABLES: tuple[Table, ...] = (cursor, state, events)

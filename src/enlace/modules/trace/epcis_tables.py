"""EPCIS tables (migration 0007): captured events, their EPCs, per-object state, alerts,
recalls and the location registry. Nothing outside enlace.modules.trace reads them.

Times are integer microseconds (UTC). EPCs and location ids are constrained canonical Digital
Links (`epcis_ids.canonical_epc`), so one pack has one key whatever spelling its events used.
No foreign keys between these tables: they are written in bulk, and stay Citus-ready.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()
# SQLite autoincrements only an INTEGER PRIMARY KEY.
AlertId = BigInteger().with_variant(Integer(), "sqlite")

events = Table(
    "trace_epcis_events",
    metadata,
    # The event's leaf index in the transparency log: unique, and the order of acceptance.
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(1024), nullable=False, unique=True),
    Column("event_hash", String(96), nullable=False),
    Column("event_type", String(32), nullable=False),
    Column("action", String(8), nullable=True),
    Column("event_time_us", BigInteger, nullable=False),
    Column("tz_offset", String(6), nullable=False),
    Column("record_time_us", BigInteger, nullable=False),
    Column("biz_step", Text, nullable=True),  # bare CBV word, or a private URI (any length)
    Column("disposition", Text, nullable=True),
    Column("read_point", Text, nullable=True),
    Column("biz_location", Text, nullable=True),
    Column("parent_id", Text, nullable=True),
    Column("raw", Text, nullable=False),  # the event as submitted (JSON)
    Index("ix_trace_epcis_events_hash", "event_hash"),
    Index("ix_trace_epcis_events_time", "event_time_us"),
    Index("ix_trace_epcis_events_step", "biz_step", "event_time_us"),
    Index("ix_trace_epcis_events_location", "biz_location", "event_time_us"),
    Index("ix_trace_epcis_events_read_point", "read_point", "event_time_us"),
)

# One row per EPC an event names, in each role (epc, parent, child, in, out): query by EPC.
event_epcs = Table(
    "trace_epcis_event_epcs",
    metadata,
    Column("epc", Text, primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("role", String(8), primary_key=True),
)

# The current state of every object events have named: serialized packs and their containers.
objects = Table(
    "trace_epcis_objects",
    metadata,
    Column("epc", Text, primary_key=True),
    Column("gtin", String(14), nullable=True),
    # As events wrote them: a Digital Link serial is %-encoded, an ILMD lot is free text.
    Column("serial", Text, nullable=True),
    Column("lot", Text, nullable=True),
    Column("expiry", String(10), nullable=True),  # ISO date from the commissioning event
    Column("state", String(20), nullable=False),
    Column("location", Text, nullable=True),
    Column("parent", Text, nullable=True),  # the container it is aggregated in
    Column("commissioned", Boolean, nullable=False),
    Column("dispense_count", Integer, nullable=False),
    Column("last_event_us", BigInteger, nullable=False),
    Column("updated_seq", BigInteger, nullable=False),
    Index("ix_trace_epcis_objects_lot", "gtin", "lot"),
    Index("ix_trace_epcis_objects_parent", "parent"),
)

alerts = Table(
    "trace_epcis_alerts",
    metadata,
    Column("id", AlertId, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),
    Column("epc", Text, nullable=True),
    Column("event_id", String(1024), nullable=True),
    Column("location", Text, nullable=True),
    Column("message", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Index("ix_trace_epcis_alerts_epc", "epc"),
    Index("ix_trace_epcis_alerts_kind", "kind", "created_us"),
)

recalls = Table(
    "trace_epcis_recalls",
    metadata,
    Column("gtin", String(14), primary_key=True),
    Column("lot", Text, primary_key=True),
    Column("reason", Text, nullable=False),
    Column("recalled_us", BigInteger, nullable=False),
)

# EPCIS location ids (sgln / Digital Link 414) of the authorized chain, with coordinates.
locations = Table(
    "trace_epcis_locations",
    metadata,
    Column("location_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("latitude", Float, nullable=True),
    Column("longitude", Float, nullable=True),
    Column("region", String(64), nullable=True),  # coarse place shown to patients (state)
    Column("authorized", Boolean, nullable=False),
)

EPCIS_TABLES = (events, event_epcs, objects, alerts, recalls, locations)

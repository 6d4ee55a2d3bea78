"""The SQL schema, one source for SQLite and PostgreSQL.

Current versions and history are separate tables so that a read is one primary-key lookup and
history never slows it. Content is the exact JSON bytes served to clients (meta included), so a read
needs no re-serialization. No cross-resource foreign keys: the hot tables stay Citus-ready
(distributable by resource, later by patient).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData()

BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements only INTEGER keys

resources = Table(
    "resources",
    metadata,
    Column("resource_type", String(64), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("version_id", Integer, nullable=False),
    Column("last_updated_us", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    # sha256 of the canonical content without meta.versionId/lastUpdated: lets an import skip
    # unchanged resources and an update with identical content keep its version.
    Column("content_hash", String(64), nullable=False),
    Column("content", LargeBinary, nullable=True),
    # The distribution column on Citus (store/patient_key.py, migration 0038): the Patient
    # whose compartment holds the resource, else the resource's own id.
    Column("patient_key", String(64), nullable=False),
    Index("ix_resources_type_updated", "resource_type", "last_updated_us"),
    Index("ix_resources_patient_key", "patient_key", "resource_type"),
)

resource_history = Table(
    "resource_history",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("resource_type", String(64), nullable=False),
    Column("id", String(64), nullable=False),
    Column("version_id", Integer, nullable=False),
    Column("last_updated_us", BigInteger, nullable=False),
    Column("method", String(8), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("content", LargeBinary, nullable=True),
    Column("trace_context", String(64), nullable=True),  # the writer's traceparent (0035)
    Column("patient_key", String(64), nullable=False),  # the version's own (0038)
    Index("ux_history_version", "resource_type", "id", "version_id", unique=True),
    Index("ix_history_type_seq", "resource_type", "seq"),
)

# --- search indexes ------------------------------------------------------------------------------
# One table per search-parameter type, shared by every resource type, written in the resource's
# own transaction (docs/storage-and-search.md). Every row names its resource and parameter; `grp`
# numbers the values of a composite parameter so that its components can be matched together
# (NULL outside composites). Lookup indexes end in resource_id so that the EXISTS a query compiles
# to is answered from the index alone; owner indexes serve deletion on update and sort keys.

# Binary collation on PostgreSQL, so that prefix ranges (`value >= 'ab' AND value < 'ac'`) use the
# index and compare code points, as SQLite's default BINARY collation does.
IndexText = Text().with_variant(Text(collation="C"), "postgresql")
Decimalish = Float().with_variant(Numeric(), "postgresql")


def _index_table(name: str, *columns: Column[Any], lookup: tuple[str, ...]) -> Table:
    return Table(
        name,
        metadata,
        Column("resource_type", String(64), nullable=False),
        Column("resource_id", String(64), nullable=False),
        Column("param", String(100), nullable=False),
        Column("grp", SmallInteger, nullable=True),
        *columns,
        Column("patient_key", String(64), nullable=False),  # its resource's (0038)
        Index(f"ix_{name}_lookup", "resource_type", "param", *lookup, "resource_id"),
        Index(f"ix_{name}_owner", "resource_type", "resource_id", "param"),
    )


token_index = _index_table(
    "token_index",
    Column("system", IndexText, nullable=True),
    Column("code", IndexText, nullable=True),  # NULL for a CodeableConcept.text-only row
    Column("text", IndexText, nullable=True),  # folded display/text, for :text
    lookup=("code", "system"),
)
string_index = _index_table(
    "string_index",
    Column("value", IndexText, nullable=False),  # folded: accents dropped, casefolded
    Column("exact", Text, nullable=False),
    lookup=("value",),
)
date_index = _index_table(
    "date_index",
    Column("low_us", BigInteger, nullable=False),  # [low, high) microseconds since the epoch
    Column("high_us", BigInteger, nullable=False),
    lookup=("low_us", "high_us"),
)
number_index = _index_table(
    "number_index",
    Column("value", Decimalish, nullable=False),
    lookup=("value",),
)
quantity_index = _index_table(
    "quantity_index",
    Column("system", IndexText, nullable=True),
    Column("code", IndexText, nullable=True),
    Column("value", Decimalish, nullable=False),
    # True for the UCUM-canonical copy of a quantity (g/L stored again as kg/m3 ...).
    Column("canonical", Boolean, nullable=False),
    lookup=("code", "value"),
)
reference_index = _index_table(
    "reference_index",
    Column("target_type", String(64), nullable=True),
    Column("target_id", String(64), nullable=True),
    Column("url", IndexText, nullable=True),  # absolute, canonical or logical target
    lookup=("target_id", "target_type"),
)
Index("ix_reference_index_target", reference_index.c.target_type, reference_index.c.target_id)
uri_index = _index_table(
    "uri_index",
    Column("uri", IndexText, nullable=False),
    lookup=("uri",),
)

INDEX_TABLES = (
    token_index,
    string_index,
    date_index,
    number_index,
    quantity_index,
    reference_index,
    uri_index,
)

# The registry fingerprint the indexes were built with, and background reindex jobs.
search_index_state = Table(
    "search_index_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
reindex_jobs = Table(
    "reindex_jobs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("status", String(16), nullable=False),  # queued | running | complete | failed
    Column("created_us", BigInteger, nullable=False),
    Column("types", Text, nullable=False),  # JSON list of resource types; [] for every type
    # The configuration every batch so far was built with; "" once it changed mid-job.
    Column("fingerprint", String(64), nullable=False),
    Column("cursor_type", String(64), nullable=True),  # last (type, id) done: a resumed job
    Column("cursor_id", String(64), nullable=True),  # starts after it
    Column("done", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("error", Text, nullable=True),
    # The one process running the job, until its lease ends (renewed every batch); a job whose
    # lease has ended is taken over by another process.
    Column("owner", String(128), nullable=True),
    Column("lease_until_us", BigInteger, nullable=True),
)

export_jobs = Table(
    "export_jobs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column(
        "status", String(16), nullable=False
    ),  # accepted | running | complete | failed | cancelled
    Column("request_url", Text, nullable=False),
    Column("created_us", BigInteger, nullable=False),
    Column("transaction_time", String(40), nullable=False),
    Column("progress", Text, nullable=True),
    Column("manifest", LargeBinary, nullable=True),
    Column("error", Text, nullable=True),
    Column("owner", Text, nullable=True),  # who asked: only they may poll or fetch the files
)

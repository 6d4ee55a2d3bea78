"""The SQL schema, one source for SQLite and PostgreSQL.

Current versions and history are separate tables so that a read is one primary-key lookup and
history never slows it. Content is the exact JSON bytes served to clients (meta included), so a read
needs no re-serialization. No cross-resource foreign keys: the hot tables stay Citus-ready
(distributable by resource, later by patient).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
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
    Index("ix_resources_type_updated", "resource_type", "last_updated_us"),
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
    Index("ux_history_version", "resource_type", "id", "version_id", unique=True),
    Index("ix_history_type_seq", "resource_type", "seq"),
)

token_index = Table(
    "token_index",
    metadata,
    Column("resource_type", String(64), nullable=False),
    Column("resource_id", String(64), nullable=False),
    Column("param", String(64), nullable=False),
    Column("system", Text, nullable=True),
    Column("code", Text, nullable=False),
    Index("ix_token_lookup", "resource_type", "param", "code", "system"),
    Index("ix_token_owner", "resource_type", "resource_id"),
)

reference_index = Table(
    "reference_index",
    metadata,
    Column("resource_type", String(64), nullable=False),
    Column("resource_id", String(64), nullable=False),
    Column("path", String(128), nullable=False),
    Column("target_type", String(64), nullable=False),
    Column("target_id", String(64), nullable=False),
    Index("ix_reference_target", "target_type", "target_id", "resource_type"),
    Index("ix_reference_owner", "resource_type", "resource_id"),
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
)

INDEX_TABLES = (token_index, reference_index)

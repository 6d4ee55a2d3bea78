"""The transparency log's own tables (migration 0006); only this module reads or writes them.

Every row is written once and never updated: an entry at its leaf index, each complete subtree's
hash at (level, index) (2n rows for n leaves), and each signed checkpoint at its tree size.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, LargeBinary, MetaData, SmallInteger, Table, Text

metadata = MetaData()

# On SQLite an INTEGER primary key is the rowid itself: no second B-tree to keep up to date.
LeafIndex = BigInteger().with_variant(Integer(), "sqlite")

log_entries = Table(
    "trace_log_entries",
    metadata,
    Column("idx", LeafIndex, primary_key=True, autoincrement=False),
    Column("entry", LargeBinary, nullable=False),
)

log_nodes = Table(
    "trace_log_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False),
    sqlite_with_rowid=False,  # rows live in the primary key's B-tree (one write per node)
)

checkpoints = Table(
    "trace_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("note", Text, nullable=False),
    Column("issued_at_us", BigInteger, nullable=False),
)

LOG_TABLES = (log_entries, log_nodes, checkpoints)

"""The analytics module's own tables (migration 0021); only this module reads or writes them.

- `analytics_views`: the ViewDefinitions the platform materializes, by name (the table a view's
  rows land in is named after it), with the resource type and the definition's JSON as given.
- `analytics_refresh_state`: for views materialized into the platform's own database
  (`target = 'sql'`, PostgreSQL in production), how far each view has read the store's history:
  the last history sequence number and time it processed, when it ran and what it wrote. A
  refresh reads only history after that mark. (Views materialized into the embedded DuckDB file
  keep the same record inside that file, so rows and mark always change together.)

The materialized rows themselves are tables created per view (`analytics_view_<name>`) by
materialize.py, not declared here: their columns are the view's.
No foreign keys to other modules.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table, Text

metadata = MetaData()

views = Table(
    "analytics_views",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("resource", String(64), nullable=False),
    Column("definition", Text, nullable=False),  # the ViewDefinition's JSON
    Column("updated_us", BigInteger, nullable=False),
)

refresh_state = Table(
    "analytics_refresh_state",
    metadata,
    Column("view", String(64), primary_key=True),
    Column("target", String(16), primary_key=True),  # sql (duckdb keeps its own)
    Column("watermark_seq", BigInteger, nullable=False),  # last history seq processed
    Column("watermark_us", BigInteger, nullable=False),  # its last_updated_us
    Column("refreshed_us", BigInteger, nullable=False),
    Column("row_count", BigInteger, nullable=False),
    Column("definition_hash", String(64), nullable=False),  # a changed view rebuilds
)

ANALYTICS_TABLES: tuple[Table, ...] = (views, refresh_state)

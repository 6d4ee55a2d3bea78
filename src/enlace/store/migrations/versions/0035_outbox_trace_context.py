"""The trace context (W3C traceparent) stored with outbox rows so a deliverer's span continues the
request's trace (docs/operations.md, Traces): `messaging_outbox`, `subscription_events` and
`resource_history` (the relay's outbox, read by the subscription matcher and the NATS relay).
Nullable: rows written with tracing off, and every row from before, carry none.

0018 and 0022 create their tables from the modules' current tables.py, so on a database built
from scratch the two module tables already have the column when this revision runs: it adds the
column only where it is missing (and downgrade drops it only where it is present).

Revision ID: 0035
Revises: 0034
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

TABLES = ("messaging_outbox", "subscription_events", "resource_history")
COLUMN = "trace_context"


def _has_column(table: str) -> bool:
    return any(c["name"] == COLUMN for c in sa.inspect(op.get_bind()).get_columns(table))


def upgrade() -> None:
    for table in TABLES:
        if not _has_column(table):
            with op.batch_alter_table(table) as batch:
                batch.add_column(sa.Column(COLUMN, sa.String(64), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        if _has_column(table):
            with op.batch_alter_table(table) as batch:
                batch.drop_column(COLUMN)

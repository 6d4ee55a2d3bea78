"""Transparency log tables: entries, Merkle nodes, signed checkpoints (enlace.modules.trace.tables).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

from enlace.modules.trace.tables import LOG_TABLES, metadata

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Only the log's tables as they stand at 0006: other trace tables (EPCIS events) share the
    # module's metadata but come with their own revision.
    metadata.create_all(op.get_bind(), tables=list(LOG_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(LOG_TABLES))

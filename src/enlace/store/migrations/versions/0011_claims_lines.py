"""Claims: the fact table of adjudicated claim items and the usage queued claims hold
(enlace.modules.claims.tables.lines, queued_usage).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

from enlace.modules.claims.tables import LINES_TABLES, metadata

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=list(LINES_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(LINES_TABLES))

"""The patient app: dose check-offs, self-entered readings, sync (enlace.modules.engagement.tables).

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

from alembic import op

from enlace.modules.engagement.tables import ENGAGEMENT_TABLES, metadata

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0030; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(ENGAGEMENT_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(ENGAGEMENT_TABLES))

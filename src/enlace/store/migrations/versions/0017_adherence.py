"""Adherence: therapy measures and daily abandonment scores (enlace.modules.adherence.tables).

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from alembic import op

from enlace.modules.adherence.tables import ADHERENCE_TABLES, metadata

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0017; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(ADHERENCE_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(ADHERENCE_TABLES))

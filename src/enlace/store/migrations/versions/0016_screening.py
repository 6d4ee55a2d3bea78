"""Screening: follow-up of probable disease, offline capture batches and their conflicts
(enlace.modules.screening.tables).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

from enlace.modules.screening.tables import SCREENING_TABLES, metadata

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0016; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(SCREENING_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(SCREENING_TABLES))

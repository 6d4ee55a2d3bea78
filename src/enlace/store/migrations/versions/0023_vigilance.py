"""Pharmacovigilance: signals, reviews, reporting deadlines (enlace.modules.vigilance.tables).

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

from alembic import op

from enlace.modules.vigilance.tables import VIGILANCE_TABLES, metadata

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0023; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(VIGILANCE_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(VIGILANCE_TABLES))

"""Home care: nurses, zones, visit plans and routes (enlace.modules.homecare.tables).

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

from alembic import op

from enlace.modules.homecare.tables import HOMECARE_TABLES, metadata

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0025; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(HOMECARE_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(HOMECARE_TABLES))

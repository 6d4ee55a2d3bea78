"""Cooperative membership: members, classes, certificates, fee tiers, surplus statements (enlace.modules.coop.tables).

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

from alembic import op

from enlace.modules.coop.tables import COOP_TABLES, metadata

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0027; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(COOP_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(COOP_TABLES))

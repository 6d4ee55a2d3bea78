"""Claims: submissions and claimed packs (enlace.modules.claims.tables).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

from enlace.modules.claims.tables import CLAIMS_TABLES, metadata

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=list(CLAIMS_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(CLAIMS_TABLES))

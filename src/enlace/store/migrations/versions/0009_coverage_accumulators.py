"""Coverage usage accumulators (enlace.modules.coverage.tables).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

from enlace.modules.coverage.tables import accumulators, metadata

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), tables=[accumulators])


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=[accumulators])

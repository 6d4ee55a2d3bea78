"""Analytics: ViewDefinitions, materialization state and indicator snapshots (enlace.modules.analytics.tables).

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from alembic import op

from enlace.modules.analytics.tables import ANALYTICS_TABLES, metadata

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0021; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(ANALYTICS_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(ANALYTICS_TABLES))

"""FHIR Subscriptions (R4 topic-based backport): topics, subscriptions, notification queue, dead letters (enlace.modules.subscriptions.tables).

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

from alembic import op

from enlace.modules.subscriptions.tables import SUBSCRIPTION_TABLES, metadata

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0022; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(SUBSCRIPTION_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(SUBSCRIPTION_TABLES))

"""Messaging: consent, outbox of patient messages, interventions and their randomization (enlace.modules.messaging.tables).

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from alembic import op

from enlace.modules.messaging.tables import MESSAGING_TABLES, metadata

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0018; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(MESSAGING_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(MESSAGING_TABLES))

"""The broker relay's cursor and the consumers' inbox (enlace.store.relay_tables).

Revision ID: 0034
Revises: 0033
"""

from __future__ import annotations

from alembic import op

from enlace.store.relay_tables import RELAY_TABLES, metadata

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0034; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(RELAY_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(RELAY_TABLES))

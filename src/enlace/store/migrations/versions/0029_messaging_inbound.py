"""Two-way messaging: inbound messages, conversations, keywords (enlace.modules.messaging.inbound_tables).

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

from alembic import op

from enlace.modules.messaging.inbound_tables import MESSAGING_INBOUND_TABLES, metadata

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The tables as they stand at 0029; a later change gets its own revision.
    metadata.create_all(op.get_bind(), tables=list(MESSAGING_INBOUND_TABLES))


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), tables=list(MESSAGING_INBOUND_TABLES))
